"""Channel-group names and publishing.

The channel layer has no tenant isolation of its own, so every group name starts with
`t.<schema>.`; names are built only here. Publish after the change has committed
(`publish_on_commit`), so a subscriber that re-reads on an event sees the new state.
"""

import asyncio
import logging
import re
import threading

from channels.layers import get_channel_layer
from django.db import connection, transaction

logger = logging.getLogger(__name__)

_PART = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
EVENT_HANDLER = "realtime.event"  # the consumer method that receives published events


def group_name(schema_name: str, *parts: str | int) -> str:
    """`t.<schema>.<part>.<part>` — e.g. group_name("demo", "meeting", 12)."""
    pieces = [schema_name, *(str(p) for p in parts)]
    for piece in pieces:
        if not _PART.match(piece):
            raise ValueError(f"invalid channel-group part {piece!r}")
    if not parts:
        raise ValueError("a group needs at least one part after the tenant")
    name = "t." + ".".join(pieces)
    if len(name) >= 100:  # the channel layer's limit
        raise ValueError(f"channel-group name too long: {name!r}")
    return name


def user_group(schema_name: str, user_id: int) -> str:
    return group_name(schema_name, "user", user_id)


def meeting_group(schema_name: str, meeting_id: int) -> str:
    return group_name(schema_name, "meeting", meeting_id)


def live_classes_group(schema_name: str) -> str:
    return group_name(schema_name, "live")


def publish(*parts: str | int, event: str, data: dict, schema_name: str | None = None) -> None:
    """Send `{event, data}` to the current tenant's group named by `parts`, now."""
    publish_many([(parts, event, data)], schema_name=schema_name)


_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """One event loop per process, on a thread of its own, for publishing from sync code:
    `async_to_sync` would make a new loop, and with it a new Redis connection, every time."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
            threading.Thread(
                target=_loop.run_forever, name="realtime-publisher", daemon=True
            ).start()
        return _loop


def publish_many(messages, *, schema_name: str | None = None) -> None:
    """Send several `(group parts, event, data)` in one trip to the channel layer."""
    schema = schema_name or connection.schema_name
    layer = get_channel_layer()
    if layer is None or not messages:
        return
    sends = []
    for parts, event, data in messages:
        group = group_name(schema, *parts)
        # The group travels with the message: every subscription of a graphql-ws connection
        # hears every message of the connection, and keeps to its own group's.
        sends.append((group, {"type": EVENT_HANDLER, "group": group, "event": event, "data": data}))

    async def send_all():
        for group, message in sends:
            await layer.group_send(group, message)

    try:
        asyncio.run_coroutine_threadsafe(send_all(), _publisher_loop()).result(timeout=10)
    except Exception:
        # Clients re-fetch their snapshot on reconnect, so a lost event is harmless; a
        # broken request because Redis hiccuped is not.
        logger.exception("publishing %d events to %s failed", len(sends), schema)


def publish_on_commit(*parts: str | int, event: str, data: dict) -> None:
    """Publish once the current transaction commits (at once outside a transaction). The
    schema is captured now: by commit time the connection may be elsewhere."""
    schema = connection.schema_name
    transaction.on_commit(lambda: publish(*parts, event=event, data=data, schema_name=schema))
