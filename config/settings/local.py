"""Development: `make up`. Adds nothing the other environments lack but debug, dev keys and the
development tools (devtools, zoom_sandbox)."""

from .base import *  # noqa: F403
from .base import (
    DRAMATIQ_BROKER,
    INSTALLED_APPS,
    MIDDLEWARE,
    dramatiq_middleware,
    env,
    env_bool,
    env_list,
)

DEBUG = env_bool("DJANGO_DEBUG", True)
# Prometheus metrics: /metrics on the web port (METRICS_PORT unset), the worker's on 9191.
METRICS_ENABLED = env_bool("METRICS_ENABLED", True)
DRAMATIQ_BROKER["MIDDLEWARE"] = dramatiq_middleware(metrics=METRICS_ENABLED)

# A fixed development key so that `make up` works with no configuration. Never used in
# production: production settings refuse to start without LIVEROLL_ENCRYPTION_KEYS.
LIVEROLL_ENCRYPTION_KEYS = env(
    "LIVEROLL_ENCRYPTION_KEYS", "dev1:ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtaW4tcHJvZCE="
)
LIVEROLL_DEMO_SEED = True
# Development tools, outside the product (never in base or production settings, not in the
# image): devtools brings `seed_demo`, zoom_sandbox brings `run_zoom_sandbox`. No models.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools", "zoom_sandbox"]
# Which of `make up`'s web processes answered (X-Devstack-Process), first so that it sees all.
MIDDLEWARE = ["devtools.process_header.ProcessHeaderMiddleware", *MIDDLEWARE]

# The demo school's Zoom is the local sandbox (devtools/devstack.py starts it): allow it, and
# only it, as a stand-in for Zoom, and let outbound calls reach loopback for it.
_SANDBOX = env("ZOOM_SANDBOX_URL", f"http://127.0.0.1:{env('ZOOM_SANDBOX_PORT', '8765')}")
LIVEROLL_ZOOM_ALLOWED_BASES = env_list("LIVEROLL_ZOOM_ALLOWED_BASES", _SANDBOX)
LIVEROLL_CALENDAR_ALLOWED_STAND_INS = env_list("LIVEROLL_CALENDAR_ALLOWED_STAND_INS", _SANDBOX)
LIVEROLL_OUTBOUND_ALLOWED_NETWORKS = env_list(
    "LIVEROLL_OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8,::1"
)

# Mail goes to the catcher the Zoom sandbox runs (`make up` prints its page, /mail/ on the
# sandbox's port), so every mail the platform sends can be read without a mail server.
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(env("EMAIL_PORT", env("ZOOM_SANDBOX_SMTP_PORT", "1025")))
