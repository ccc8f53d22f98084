"""The GraphQL schema: queries and mutations over HTTP (`/graphql/`, the tenant middleware
applies), subscriptions over the tenant-aware websocket stack (`graphql-transport-ws`)."""

import strawberry
from django.conf import settings
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry_django.optimizer import DjangoOptimizerExtension

from graphql_api.context import NotAllowed
from graphql_api.mutations import Mutation
from graphql_api.queries import Query
from graphql_api.subscriptions import Subscription

# The deepest query the dashboard needs is 5 levels (classAttendance → meetings → attendance
# → student → id); the schema has no cycles today, so this guards what may come.
MAX_DEPTH = 6
MAX_ALIASES = 20
MAX_TOKENS = 2000


def _should_mask(error: GraphQLError) -> bool:
    """Errors we raise on purpose (NotAllowed) and GraphQL's own (syntax, validation, limits)
    say what is wrong; anything else becomes "Unexpected error." with nothing internal."""
    original = error.original_error
    return original is not None and not isinstance(original, (NotAllowed, GraphQLError))


def _extensions():
    extensions = [
        DjangoOptimizerExtension,
        # Factories: a fresh extension for every request.
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: MaskErrors(should_mask_error=_should_mask),
    ]
    if not getattr(settings, "GRAPHQL_INTROSPECTION", True):
        extensions.append(DisableIntrospection)
    return extensions


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=_extensions()
    )


schema = build_schema()
