from strawberry.channels import GraphQLWSConsumer

from graphql_api.schema import schema

# An alias with no channel layer behind it: Channels then gives the consumer no channel of its
# own (with one, every connection holds a channel, a receive task and its buffer).
_NO_CHANNEL_LAYER = "none"


class TenantGraphQLWSConsumer(GraphQLWSConsumer):
    """Subscriptions on the tenant-aware websocket stack: the scope carries the tenant and the
    user resolved in its schema (tenants.websocket). Realtime events reach the subscriptions
    through the process's hub (realtime.hub), not through a channel per connection."""

    channel_layer_alias = _NO_CHANNEL_LAYER

    def __init__(self, **kwargs):
        kwargs.setdefault("schema", schema)
        super().__init__(**kwargs)
