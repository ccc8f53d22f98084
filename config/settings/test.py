from .base import *  # noqa: F403
from .base import INSTALLED_APPS, MIDDLEWARE, env, env_list

LIVEROLL_ENCRYPTION_KEYS = env(
    "LIVEROLL_ENCRYPTION_KEYS", "test1:dGVzdC1rZXktdGhpcnR5LXR3by1ieXRlcy1sb25nISE="
)
# Threads of the websocket and actor tests each open their own connection: no pool needed.
DATABASES["default"]["OPTIONS"].pop("pool", None)  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast user fixtures
# Separate names, so that test runs side by side (or beside `make up`) do not meet.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", "test_liveroll")}  # noqa: F405
DRAMATIQ_BROKER["OPTIONS"]["namespace"] = env("DRAMATIQ_NAMESPACE", "liveroll-test-tasks")  # noqa: F405
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = env("CHANNELS_PREFIX", "liveroll-test:asgi")  # noqa: F405
LIVEROLL_SPARE_SCHEMAS = 0  # tests ask for spares explicitly
LIVEROLL_DEMO_SEED = True
# Development tools, outside the product (never in base or production settings, not in the
# image): devtools brings `seed_demo`, zoom_sandbox brings `run_zoom_sandbox`. No models.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools", "zoom_sandbox"]
# Which of `make up`'s web processes answered (X-Devstack-Process), first so that it sees all.
MIDDLEWARE = ["devtools.process_header.ProcessHeaderMiddleware", *MIDDLEWARE]
# Tests mock Zoom at https://zoom.test (requests-mock) and run the sandbox on 127.0.0.1 at a
# free port (its fixture adds that origin). Tests of the guard itself pass their own policy.
LIVEROLL_ZOOM_ALLOWED_BASES = env_list("LIVEROLL_ZOOM_ALLOWED_BASES", "https://zoom.test")
LIVEROLL_OUTBOUND_ALLOWED_NETWORKS = env_list("LIVEROLL_OUTBOUND_ALLOWED_NETWORKS", "127.0.0.1")
# Mail stays in memory (django.core.mail.outbox): tests deliver the outbox with
# tests.support.mail_deliver_pending(). The end-to-end tests point a worker's EMAIL_BACKEND and
# EMAIL_PORT at the sandbox's mail catcher.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
