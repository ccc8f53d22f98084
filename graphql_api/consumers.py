import asyncio
import json
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from strawberry.channels import GraphQLWSConsumer
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from graphql_api.schema import schema
from tenants.graphql.shared import SharedData

# An alias with no channel layer behind it: Channels then gives the consumer no channel of its
# own (with one, every connection holds a channel, a receive task and its buffer).
_NO_CHANNEL_LAYER = "none"


class _Inbox:
    """The connection's incoming messages for its graphql-ws handler: `put_nowait` and `get`
    as on the asyncio.Queue strawberry makes, which costs ≈ 3 KiB (three deques and an Event
    with a deque of its own) for every open websocket; here a list and a future that exists
    only while the handler waits."""

    __slots__ = ("items", "waiter")

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self.items.append(item)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def get(self) -> Any:
        while not self.items:
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        return self.items.pop(0)


class _TransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """strawberry's graphql-transport-ws protocol, without the connection-init timer kept for
    the connection's life once `connection_init` has cancelled it (about 0.9 KiB a socket)."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_init_received and self.connection_init_timeout_task is not None:
            self.connection_init_timeout_task = None  # cancelled: nothing left to await


class TenantGraphQLWSConsumer(GraphQLWSConsumer):
    """Subscriptions on the tenant-aware websocket stack: the scope carries the tenant and the
    user resolved in its schema (tenants.websocket). Realtime events reach the subscriptions
    through the process's hub (realtime.hub), not through a channel per connection."""

    channel_layer_alias = _NO_CHANNEL_LAYER
    graphql_transport_ws_handler_class = _TransportWSHandler

    def __init__(self, **kwargs):
        kwargs.setdefault("schema", schema)
        super().__init__(**kwargs)
        self.message_queue = _Inbox()  # type: ignore[assignment]  # the two methods used

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Channels' AsyncConsumer loop, for a consumer with no channel layer: its own runs
        every `receive` as a task and waits for it with asyncio.wait (a task, a future and
        callbacks held per open websocket); with one source the message is simply awaited."""
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def dispatch(self, message: Any) -> None:
        """A websocket message to its handler, without Channels' `close_old_connections` hop to
        the shared database thread before each one (three a connection before its snapshot,
        queued behind every subscription's database work there). The subscriptions' database
        work runs through `database_sync_to_async` (realtime.tenancy.in_tenant, the room gates
        of realtime.access), which closes old connections around each call itself."""
        if not str(message.get("type", "")).startswith("websocket."):
            return await super().dispatch(message)
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            return await super().dispatch(message)  # Channels' error for an unknown type
        await handler(message)
        return None

    def encode_json(self, data: object) -> str | bytes:
        """A `next` message whose payload is only a shared result (graphql_api.shared) reuses
        that result's JSON, made once for all its subscribers; the same text either way."""
        payload = _shared_payload(data)
        if payload is None:
            return super().encode_json(data)
        assert isinstance(data, dict)
        return f'{{"id":{json.dumps(data["id"])},"type":"next","payload":{payload.payload_json()}}}'


def _shared_payload(message: object) -> SharedData | None:
    if not isinstance(message, dict) or message.get("type") != "next" or len(message) != 3:
        return None
    payload: Any = message.get("payload")
    if not isinstance(payload, dict) or len(payload) != 1:
        return None
    data = payload.get("data")
    return data if isinstance(data, SharedData) else None
