from django.urls import path

from graphql_api.consumers import TenantGraphQLWSConsumer
from realtime.consumers import LiveClassesConsumer, MeetingLiveConsumer, NotificationsConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationsConsumer.as_asgi()),
    path("ws/meetings/<int:meeting_id>/live/", MeetingLiveConsumer.as_asgi()),
    path("ws/live/", LiveClassesConsumer.as_asgi()),
    path("graphql/", TenantGraphQLWSConsumer.as_asgi()),
]
