"""Websocket routes. GraphQL subscriptions (`graphql-transport-ws` on /graphql/) are the one
realtime API."""

from django.urls import path

from graphql_api.consumers import TenantGraphQLWSConsumer

websocket_urlpatterns = [
    path("graphql/", TenantGraphQLWSConsumer.as_asgi()),
]
