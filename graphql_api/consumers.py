from strawberry.channels import GraphQLWSConsumer

from graphql_api.schema import schema


class TenantGraphQLWSConsumer(GraphQLWSConsumer):
    """Subscriptions on the tenant-aware websocket stack: the scope carries the tenant and the
    user resolved in its schema (tenants.websocket)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("schema", schema)
        super().__init__(**kwargs)
