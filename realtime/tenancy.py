"""Database work for websockets, in the tenant's schema.

Every `database_sync_to_async` call of every consumer in a daphne process runs on ONE shared
thread with ONE connection: setting the schema on that connection in a middleware leaks one
tenant's schema into another's queries. So the websocket middleware (tenants.websocket) only
records the tenant in `scope["tenant"]`; database work runs through `in_tenant`, which
activates the schema inside the sync function, on that thread, and must return plain data
(evaluate querysets inside it).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from channels.db import database_sync_to_async
from django_tenants.utils import schema_context

T = TypeVar("T")


def run_in_schema(schema_name: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn` with `schema_name` active on this thread's connection (sync code)."""
    with schema_context(schema_name):
        return fn(*args, **kwargs)


async def in_tenant(scope: dict[str, Any], fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run the sync `fn` in the scope's tenant schema on the database thread."""
    return await database_sync_to_async(run_in_schema)(
        scope["tenant"].schema_name, fn, *args, **kwargs
    )


__all__ = ["in_tenant", "run_in_schema"]
