from django.core.exceptions import ImproperlyConfigured

from config.logging import logging_config

from .base import *  # noqa: F403
from .base import LOG_LEVEL, SECRET_KEY, env, env_bool

DEBUG = False
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", False)
LIVEROLL_DEMO_SEED = False
# One JSON object a line unless LOG_FORMAT says otherwise: what log collectors read.
LOG_FORMAT = env("LOG_FORMAT", "json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)

# /metrics (METRICS_ENABLED) only on a port of its own, never the one the Ingress routes to.
METRICS_PORT = env("METRICS_PORT", "9191")
if env("PORT", "8000") == METRICS_PORT:
    raise ImproperlyConfigured("METRICS_PORT must differ from PORT: /metrics is not public")

if SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")
LIVEROLL_ENCRYPTION_KEYS = env("LIVEROLL_ENCRYPTION_KEYS")
# Production calls Zoom itself, and only public addresses: stand-ins are for development.
for _name in (
    "LIVEROLL_ZOOM_ALLOWED_BASES",
    "LIVEROLL_CALENDAR_ALLOWED_STAND_INS",
    "LIVEROLL_OUTBOUND_ALLOWED_NETWORKS",
):
    if env(_name):
        raise ImproperlyConfigured(f"{_name} is for development and tests, never production")
LIVEROLL_ZOOM_ALLOWED_BASES = []
LIVEROLL_CALENDAR_ALLOWED_STAND_INS = []
LIVEROLL_OUTBOUND_ALLOWED_NETWORKS = []
if not LIVEROLL_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("LIVEROLL_ENCRYPTION_KEYS must be set in production")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS only, remembered by browsers for a year on the base domain and every school under it
# (the ingress terminates TLS; SECURE_PROXY_SSL_HEADER tells Django the request was https).
# DJANGO_HSTS_SECONDS=0 turns it off, e.g. while a domain is first moved to HTTPS.
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
