"""Settings shared by every environment. Every value comes from the environment with a safe
local default; `local`, `test` and `production` only adjust what differs."""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from config.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated variable as a list, blanks dropped."""
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)

# Tenant hosts are `<slug>.<BASE_DOMAIN>`; the bare BASE_DOMAIN is the public site (sign-up,
# operator admin).
LIVEROLL_BASE_DOMAIN = env("LIVEROLL_BASE_DOMAIN", "localhost")
LIVEROLL_PUBLIC_URL_SCHEME = env("LIVEROLL_PUBLIC_URL_SCHEME", "http")
# The port users reach the site on, used when building links to tenant hosts ("" for 80/443).
LIVEROLL_PUBLIC_PORT = env("LIVEROLL_PUBLIC_PORT", env("PORT", "8000"))
ALLOWED_HOSTS = [
    h.strip()
    for h in env(
        "DJANGO_ALLOWED_HOSTS", f"{LIVEROLL_BASE_DOMAIN},.{LIVEROLL_BASE_DOMAIN},127.0.0.1"
    ).split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in env("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

SHARED_APPS = [
    "django_tenants",
    "tenants",  # organisations and their domains: public schema only
    "tenants.accounts",  # users: operators in public, school people in each tenant
    "tenants.audit",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "channels",
    "django_dramatiq",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "tenants.accounts",
    "tenants.audit",
    "tenants.school",
    "tenants.mail",  # the outbox: every mail the school sends
    "tenants.people_import",  # CSV imports of people, run by a worker
    "tenants.lifecycle",  # retention settings, data exports, deleted people's anonymisation
    "meetings",
    "meetings.guests",  # guests invited to a meeting or a series
    "meetings.joining",
    "meetings.invitations",  # invitation mails with iCalendar attachments, RSVPs
    "meetings.reminders",
    "meetings.calendar_sync",  # people's Google and Outlook calendars, written from Zoom's truth
    "attendance",
    "realtime",
]
INSTALLED_APPS = list(SHARED_APPS) + [a for a in TENANT_APPS if a not in SHARED_APPS]

TENANT_MODEL = "tenants.Organisation"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New tenants are cloned from this migrated, empty schema instead of running every migration.
LIVEROLL_TEMPLATE_SCHEMA = "tenant_template"
# Spare, already-migrated schemas kept ready so that sign-up only renames one.
LIVEROLL_SPARE_SCHEMAS = int(env("LIVEROLL_SPARE_SCHEMAS", "2"))
# Tenant schemas `migrate_platform` migrates at once (its --jobs); 0: the CPU count.
LIVEROLL_MIGRATE_JOBS = int(env("MIGRATE_JOBS", "0"))
# How far ahead a class may be scheduled (every occurrence of a series too): a date in year 9999
# overflows on the way to calendars and Zoom, and nobody plans classes decades ahead.
LIVEROLL_SCHEDULE_YEARS_AHEAD = int(env("LIVEROLL_SCHEDULE_YEARS_AHEAD", "2"))

MIDDLEWARE = [
    "config.health.HealthMiddleware",  # /healthz and /readyz on any host, before tenancy
    "tenants.middleware.TenantHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every page (below)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.accounts.middleware.PersonLanguageMiddleware",  # theirs, the browser's, the school's
    "tenants.accounts.middleware.TwoFactorEnrolmentMiddleware",  # schools requiring it of admins
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",  # LANGUAGE_CODE for <html lang>
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"].setdefault("OPTIONS", {})
if env_bool("DATABASE_POOL", True):
    # Django's psycopg pool: a fresh connection per request costs ~30 % of throughput here.
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": int(env("DATABASE_POOL_MIN", "1")),
        "max_size": int(env("DATABASE_POOL_MAX", "10")),
        "timeout": 10,
        # A PostgreSQL backend keeps the catalog entries of every school it has touched
        # (≈ 95 KiB a school, docs/benchmarks.md "Many schools"): recycling connections bounds
        # that memory when one process serves thousands of schools.
        "max_lifetime": float(env("DATABASE_POOL_MAX_LIFETIME", "3600")),
    }
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Set search_path once per schema switch, not before every cursor (a fifth of a worker's time
# went there). Safe here: every entry point switches the schema explicitly (middleware,
# schema_context in consumers, the actor middleware), a switch resets it, and so does a
# (savepoint) rollback, which undoes a SET (tests/tenants/test_search_path.py).
TENANT_LIMIT_SET_CALLS = True

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
# The channel layer may have Redis servers of its own: channels-redis spreads groups and
# channels over them by consistent hashing (docs/scaling.md). The broker, locks and rate limits
# stay on REDIS_URL.
CHANNELS_REDIS_URLS = [u.strip() for u in env("CHANNELS_REDIS_URLS", "").split(",") if u.strip()]

CHANNEL_LAYERS: dict[str, Any] = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": CHANNELS_REDIS_URLS or [REDIS_URL],
            "prefix": env("CHANNELS_PREFIX", "liveroll:asgi"),
            # Join storms send hundreds of events a second to one group: the default of 100
            # queued messages per channel drops them silently.
            "capacity": int(env("CHANNELS_CAPACITY", "1500")),
            "expiry": 30,
        },
    },
}

# Prometheus metrics (config.metrics): /metrics of each web process, and the worker's exposition
# server. On METRICS_PORT only, when set: a port the Service behind the Ingress does not expose
# (production's default, 9191); unset, the web process answers on its web port (development).
METRICS_ENABLED = env_bool("METRICS_ENABLED", False)
METRICS_PORT = env("METRICS_PORT", "")


def dramatiq_middleware(*, metrics: bool) -> list[str]:
    """The broker's middleware; dramatiq's Prometheus one only with metrics (it forks an
    exposition server in every worker)."""
    return [
        "dramatiq.middleware.AgeLimit",
        "dramatiq.middleware.TimeLimit",
        "dramatiq.middleware.Callbacks",
        "dramatiq.middleware.Retries",
        "dramatiq.middleware.CurrentMessage",  # an actor's attempt (recordings' transcript fetch)
        "django_dramatiq.middleware.DbConnectionsMiddleware",
        "tenants.tasking.TenantMiddleware",
        *(["config.metrics.WorkerPrometheus"] if metrics else []),
    ]


DRAMATIQ_BROKER: dict[str, Any] = {
    "BROKER": "dramatiq.brokers.redis.RedisBroker",
    "OPTIONS": {"url": REDIS_URL, "namespace": env("DRAMATIQ_NAMESPACE", "liveroll-tasks")},
    "MIDDLEWARE": dramatiq_middleware(metrics=METRICS_ENABLED),
}
DRAMATIQ_AUTODISCOVER_MODULES = ["actors"]
# An idle dramatiq worker polls Redis with a growing backoff capped at this many milliseconds
# (dramatiq's default, 1,000, delays the first event of a quiet class by up to a second).
# dramatiq reads it from the environment, which `manage.py rundramatiq` passes to its workers.
os.environ.setdefault("dramatiq_worker_timeout", env("WORKER_IDLE_POLL_MS", "100"))

# GraphQL introspection (the schema browser, code generation): off in production.
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", True)

AUTH_USER_MODEL = "accounts.User"
# Django's backend behind the sign-in throttle: every sign-in path (page, GraphQL, both admins)
# calls authenticate(), so none can skip it.
AUTHENTICATION_BACKENDS = ["tenants.accounts.backends.ThrottledModelBackend"]
# Failed sign-ins within LIVEROLL_SIGNIN_LOCKOUT_MINUTES that lock an account (in one school),
# and that lock a client address (in one school; a school behind one NAT shares an address),
# for that many minutes. The right password does not work while locked.
LIVEROLL_SIGNIN_MAX_FAILURES = int(env("LIVEROLL_SIGNIN_MAX_FAILURES", "10"))
LIVEROLL_SIGNIN_MAX_FAILURES_PER_IP = int(env("LIVEROLL_SIGNIN_MAX_FAILURES_PER_IP", "100"))
LIVEROLL_SIGNIN_LOCKOUT_MINUTES = int(env("LIVEROLL_SIGNIN_LOCKOUT_MINUTES", "15"))
# Schools one client address may create per hour on the sign-up page.
LIVEROLL_SIGNUPS_PER_IP_PER_HOUR = int(env("LIVEROLL_SIGNUPS_PER_IP_PER_HOUR", "3"))
# A school nobody signed in to this many days after sign-up is abandoned: operators may purge it.
LIVEROLL_ABANDONED_SIGNUP_DAYS = int(env("LIVEROLL_ABANDONED_SIGNUP_DAYS", "7"))
# API tokens: lifetime in days (a token may ask for less), and how many one person may hold
# (unexpired, unrevoked) at once.
LIVEROLL_API_TOKEN_DAYS = int(env("LIVEROLL_API_TOKEN_DAYS", "90"))
LIVEROLL_API_TOKENS_PER_USER = int(env("LIVEROLL_API_TOKENS_PER_USER", "10"))
# --- Joining a class (meetings.joining): the personal /join/<token>/ links --------------------
# Attempts one link may make, and failed attempts (bad or refused links) one client address
# may make, within LIVEROLL_JOIN_THROTTLE_MINUTES before it is refused for as long. A school
# behind one NAT shares an address: only failures count there.
LIVEROLL_JOIN_ATTEMPTS_PER_TOKEN = int(env("LIVEROLL_JOIN_ATTEMPTS_PER_TOKEN", "30"))
LIVEROLL_JOIN_FAILURES_PER_IP = int(env("LIVEROLL_JOIN_FAILURES_PER_IP", "50"))
LIVEROLL_JOIN_THROTTLE_MINUTES = int(env("LIVEROLL_JOIN_THROTTLE_MINUTES", "10"))
# How long a join waits for a Zoom rate-limit token when it must register the person on the fly.
LIVEROLL_JOIN_ZOOM_MAX_WAIT_SECONDS = float(env("LIVEROLL_JOIN_ZOOM_MAX_WAIT_SECONDS", "3"))

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/app/"  # the app; `/` of a school redirects there too
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Content-Security-Policy, in every environment: scripts and styles only from this host (the
# SPA is Vite-built files under /app/, the admin has no inline script), so an injected
# <script> or a stolen-markup trick runs nothing. connect-src 'self' covers graphql-ws too:
# CSP 3 matches ws:/wss: on the same host as 'self'. The one inline <style> (templates/base.html)
# carries the request's nonce. No form-action: Chromium applies it to the redirect after a
# form post too, and "connect Zoom" leaves for Zoom's sign-in that way.
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    },
}

SESSION_COOKIE_NAME = "liveroll_session"
# No SESSION_COOKIE_DOMAIN on purpose: a cookie shared across subdomains would carry one
# tenant's session to another tenant's host.

# The platform's default language; each school has its own (Organisation.language) and each
# person theirs (User.language). Catalogues: locale/<code>/LC_MESSAGES/django.po, compiled .mo
# committed (tests/test_i18n.py fails when they differ; `make messages` rebuilds them).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("bn", "বাংলা")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic gathers files (the image sets it); unset, WhiteNoise serves from the apps.
STATIC_ROOT = env("STATIC_ROOT") or None
# Without collectstatic (development, tests) WhiteNoise serves straight from the apps.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Secrets at rest: "key-id:base64(32 bytes)" pairs, comma separated, the first one current.
LIVEROLL_ENCRYPTION_KEYS = env("LIVEROLL_ENCRYPTION_KEYS", "")
# IP addresses are stored only as HMACs under this key.
LIVEROLL_IP_HASH_KEY = env("LIVEROLL_IP_HASH_KEY", SECRET_KEY)
# How many proxies of ours stand in front of the web process (the chart's ingress: 1). Only
# the X-Forwarded-For hops they add are believed; 0 believes none (tenants.audit.client_ip).
LIVEROLL_TRUSTED_PROXIES = int(env("LIVEROLL_TRUSTED_PROXIES", "0"))

# Outbound calls (tenants/outbound.py) go only to public addresses. Development lists here the
# networks of its local stand-ins (the Zoom sandbox on 127.0.0.1); production refuses any.
LIVEROLL_OUTBOUND_ALLOWED_NETWORKS = env_list("LIVEROLL_OUTBOUND_ALLOWED_NETWORKS")
# Stand-ins for Zoom a school's settings may point at, besides Zoom itself: origins laid out
# like Zoom (OAuth at the origin, API at /v2). Development: the sandbox; production refuses any.
LIVEROLL_ZOOM_ALLOWED_BASES = env_list("LIVEROLL_ZOOM_ALLOWED_BASES")
# The same for people's calendars (meetings.calendar_sync): origins of stand-ins laid out like
# Google (under /google) and Microsoft (under /microsoft). Development: the sandbox.
LIVEROLL_CALENDAR_ALLOWED_STAND_INS = env_list("LIVEROLL_CALENDAR_ALLOWED_STAND_INS")
# Requests a second per connected calendar, shared by every process (the Zoom limiter's
# buckets): Google allows 600 a minute per user, Microsoft Graph 10,000 per 10 minutes per
# mailbox.
LIVEROLL_CALENDAR_RATE_LIMITS = {
    "google": float(env("LIVEROLL_CALENDAR_GOOGLE_RATE", "10")),
    "microsoft": float(env("LIVEROLL_CALENDAR_MICROSOFT_RATE", "16")),
}
# Bodies of processed Zoom events are blanked after this many days (what Zoom said of people
# is kept no longer than processing and an investigation need it).
LIVEROLL_WEBHOOK_BODY_RETENTION_DAYS = int(env("LIVEROLL_WEBHOOK_BODY_RETENTION_DAYS", "7"))
# A session's transcript files (Zoom's WebVTT) are downloaded up to this many bytes in all; a
# larger one fails its transcript (a two-hour class's is a few hundred KB).
LIVEROLL_TRANSCRIPT_MAX_BYTES = int(env("LIVEROLL_TRANSCRIPT_MAX_BYTES", str(8 * 1024 * 1024)))

# --- Data retention and deletion (tenants.lifecycle, meetings.retention) -----------------------
# Zoom join and start URLs, registrants' join URLs and join-device rows go this many days after
# the meeting ended (seed 003: 30).
LIVEROLL_ZOOM_URL_RETENTION_DAYS = int(env("LIVEROLL_ZOOM_URL_RETENTION_DAYS", "30"))
# Audit entries (and their IP hashes) are kept this many days unless a school chooses otherwise
# (30 to 1095 days, its retention policy).
LIVEROLL_AUDIT_RETENTION_DAYS = int(env("LIVEROLL_AUDIT_RETENTION_DAYS", "90"))
# A data export can be downloaded for this many hours, then its content is deleted.
LIVEROLL_EXPORT_EXPIRY_HOURS = int(env("LIVEROLL_EXPORT_EXPIRY_HOURS", "72"))

# --- Email (tenants.mail) ----------------------------------------------------------------------
# Outgoing mail goes through the school's outbox (tenants.mail) and is sent by a worker over SMTP,
# configured here with Django's own EMAIL_* settings. Development points at the mail catcher the
# Zoom sandbox runs (local settings); tests use the in-memory backend.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually on port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # TLS from the start, usually on port 465
# Seconds an SMTP connection may wait; the outbox's lease on a mail being sent is longer.
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "30"))
# The sender; mails show the school's name as its display name.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", f"no-reply@{LIVEROLL_BASE_DOMAIN}")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Sending attempts of one mail before it is marked failed (transient errors back off
# exponentially from LIVEROLL_MAIL_RETRY_SECONDS between them).
LIVEROLL_MAIL_MAX_ATTEMPTS = int(env("LIVEROLL_MAIL_MAX_ATTEMPTS", "8"))
LIVEROLL_MAIL_RETRY_SECONDS = int(env("LIVEROLL_MAIL_RETRY_SECONDS", "60"))
# Sign-up mails the school's admin a link to confirm their address (the school reaches Zoom only
# once it is confirmed): hours the link works, and new links an admin may ask for per hour.
LIVEROLL_EMAIL_CONFIRM_HOURS = int(env("LIVEROLL_EMAIL_CONFIRM_HOURS", "72"))
LIVEROLL_EMAIL_CONFIRM_RESENDS_PER_HOUR = int(env("LIVEROLL_EMAIL_CONFIRM_RESENDS_PER_HOUR", "3"))

# --- People: invitations and passwords (tenants.accounts) ----------------------------------------
# Days an invitation link works; password-reset requests per address and per client address
# within LIVEROLL_PASSWORD_RESET_WINDOW_MINUTES (then refused until the window ends).
LIVEROLL_INVITATION_DAYS = int(env("LIVEROLL_INVITATION_DAYS", "7"))
LIVEROLL_PASSWORD_RESET_MAX_PER_EMAIL = int(env("LIVEROLL_PASSWORD_RESET_MAX_PER_EMAIL", "3"))
LIVEROLL_PASSWORD_RESET_MAX_PER_IP = int(env("LIVEROLL_PASSWORD_RESET_MAX_PER_IP", "20"))
LIVEROLL_PASSWORD_RESET_WINDOW_MINUTES = int(env("LIVEROLL_PASSWORD_RESET_WINDOW_MINUTES", "60"))

# --- Reminders (meetings.reminders) -------------------------------------------------------------
# A reminder whose time passed more than this many minutes ago is not sent any more: after a
# scheduler or worker outage, people get no stale "starts in 30 minutes" mails.
LIVEROLL_REMINDER_MAX_LATENESS_MINUTES = int(env("LIVEROLL_REMINDER_MAX_LATENESS_MINUTES", "10"))

# LOG_FORMAT: "plain" text lines (the default here) or "json", one object a line with the tenant
# schema and the process (production's default; see config/logging.py).
LOG_FORMAT = env("LOG_FORMAT", "plain")
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
