"""The web process: Django over HTTP (tenancy by django-tenants' middleware), the Zoom webhook
intake beside it (a lean async route, see attendance.inbox.intake why), websockets (tenancy
by tenants.websocket, see there why it cannot be the same), and in front of all `/metrics`
(config.metrics: on METRICS_PORT only, when that is set)."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from attendance.inbox.intake import WebhookRouter  # noqa: E402
from config.metrics import MetricsGate  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from tenants.websocket import TenantWebsocketStack  # noqa: E402

# Python's default is (700, 10, 10).
GC_THRESHOLDS = (50_000, 20, 100)

application = MetricsGate(
    ProtocolTypeRouter(
        {
            "http": WebhookRouter(django_asgi),
            # The stack checks the origin (the same school's host), then the tenant and the user.
            "websocket": TenantWebsocketStack(URLRouter(websocket_urlpatterns)),
        }
    )
)

# The garbage collector. A web process holds thousands of long-lived objects for each open
# websocket (its protocol, consumer, scope, subscription), and each full collection walks all of
# them: with 1,000 subscribers a process spent more time in the collector's full passes than in
# delivering (about 0.7 s each, a dozen in a minute of fan-out). What startup made (Django, the
# schema, the modules) is frozen out of collection, and young objects are collected less often,
# which makes full passes rarer still (they come after so many young ones).
gc.freeze()
gc.set_threshold(*GC_THRESHOLDS)
