"""What every subscription shares, and the viewer's own stream (`myNotifications`).

Subscriptions listen through the process's realtime hub (realtime.hub), never as channel-layer
members of their own: the process joins each group once, for all its local listeners, decodes
each message once and fans it out in process, each listener with its own queue (order kept per
group; a slow one only delays itself and then takes its backlog at once, which the
subscription may merge). `relay(...)` is the one way in:

- the group is joined before `relay` yields, so a snapshot read after it misses nothing;
- the viewer's access is checked on entry (`Relay.admitted`) and again before events, for all
  the group's local listeners in one query per interval (realtime.access.RoomGate);
- a snapshot shared by the group's listeners (`Relay.snapshot`) is handed out only under the
  hub's rule (no event between the start of its read and the listener's registration);
- database work runs in the tenant's schema on the database thread (realtime.tenancy) and
  returns plain types, never model rows;
- messages are decoded into their declared events by the hub; one that does not decode is
  logged and skipped. Group names carry the tenant (`t.<schema>.…`), so schools never mix.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from realtime.access import RoomGate
from realtime.events import Event
from realtime.groups import user_group
from realtime.hub import Hub, Listener, ListenerLost, Round
from realtime.metrics import SUBSCRIPTIONS
from tenants.accounts.selectors import active_users_among
from tenants.graphql.context import NotAllowed, require_user

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(slots=True)
class Relay:
    """A subscription's place in its group: admission, the shared snapshot, the events."""

    hub: Hub
    listener: Listener
    gate: RoomGate
    user_id: int

    async def admitted(self) -> bool:
        return await self.gate.admit(self.user_id)

    async def snapshot(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        return await self.hub.snapshot(self.listener, key, read)

    async def rounds(self) -> AsyncGenerator[Round, None]:
        """The group's events, each time everything that queued up (in order), for as long as
        the viewer may still have them: the group's round shared with the listeners that kept
        up (realtime.hub.Round), or this listener's own backlog."""
        while True:
            try:
                round_ = await self.listener.next_round()
            except ListenerLost:
                logger.warning("a subscriber of %s fell too far behind", self.listener.group)
                return
            # Per viewer, before anything of the round reaches them.
            if not await self.gate.still_allowed(self.user_id):
                return
            yield round_

    async def batches(self) -> AsyncGenerator[list[Event], None]:
        """`rounds()` as plain lists of events."""
        async for round_ in self.rounds():
            yield list(round_.events)


@asynccontextmanager
async def relay(
    info: Info,
    *,
    field: str,
    group: str,
    user_id: int,
    check_many: Callable[..., set[int]],
    args: tuple[Any, ...] = (),
) -> AsyncIterator[Relay]:
    """Listen to `group` through the hub, with access `check_many(user_ids, *args)` (sync, in
    the tenant's schema; the allowed ids) shared by the group's local listeners."""
    hub = Hub.current()
    gauge = SUBSCRIPTIONS.labels(field=field)
    gauge.inc()
    try:
        # hub.listen and hub.leave, not a context manager of their own: an idle subscription
        # would hold a second context manager and its generator for its life.
        listener = await hub.listen(group)
        try:
            gate = hub.gate(
                listener,
                schema_name=ws_scope(info)["tenant"].schema_name,
                user_id=user_id,
                check_many=check_many,
                args=args,
            )
            yield Relay(hub=hub, listener=listener, gate=gate, user_id=user_id)
        finally:
            await hub.leave(listener)
    finally:
        gauge.dec()


def ws_scope(info: Info) -> dict[str, Any]:
    scope: dict[str, Any] = info.context["ws"].scope
    return scope


def ws_user_id(info: Info) -> int:
    """The signed-in, active user of the websocket (resolved in the tenant's schema), else
    NotAllowed: the same rule as every query and mutation (`require_user`)."""
    return require_user(info).pk


@strawberry.type
class Notification:
    kind: str
    data: strawberry.scalars.JSON


@strawberry.type
class TenantsSubscription:
    @strawberry.subscription(
        description='The viewer\'s own notifications, after a first "subscribed".'
    )
    async def my_notifications(self, info: Info) -> AsyncGenerator[Notification, None]:
        scope = ws_scope(info)
        user_id = ws_user_id(info)
        group = user_group(scope["tenant"].schema_name, user_id)
        async with relay(
            info,
            field="myNotifications",
            group=group,
            user_id=user_id,
            check_many=active_users_among,
        ) as live:
            if not await live.admitted():
                raise NotAllowed("Sign in first.")
            # First a "subscribed": from here on nothing sent to the viewer is missed.
            yield Notification(kind="subscribed", data=JSON({}))
            async for batch in live.batches():
                for event in batch:
                    # The payload goes to the app as the JSON it was declared as.
                    yield Notification(kind=event.name, data=JSON(event.data()))
