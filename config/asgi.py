"""The web process: Django over HTTP (tenancy by django-tenants' middleware), the Zoom webhook
intake beside it (a lean async route, see attendance.inbox.intake why), websockets (tenancy
by tenants.websocket, see there why it cannot be the same), and in front of all `/metrics`
(config.metrics: on METRICS_PORT only, when that is set)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from attendance.inbox.intake import WebhookRouter  # noqa: E402
from config import webprocess  # noqa: E402
from config.metrics import MetricsGate  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from tenants.websocket import TenantWebsocketStack  # noqa: E402

application = MetricsGate(
    ProtocolTypeRouter(
        {
            "http": WebhookRouter(django_asgi),
            # The stack checks the origin (the same school's host), then the tenant and the user.
            "websocket": TenantWebsocketStack(URLRouter(websocket_urlpatterns)),
        }
    )
)

# Once everything is imported: the garbage collector and autobahn, for thousands of websockets.
webprocess.tune()
