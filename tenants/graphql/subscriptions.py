"""What every subscription shares, and the viewer's own stream (`myNotifications`).

A subscription joins its channel groups first, then reads and sends a snapshot, then relays the
changes: a change published between the two is not lost. Database work runs in the tenant's
schema on the database thread (`realtime.tenancy.in_tenant`) and returns plain types, never
model rows. Access is checked when subscribing and again before events (`realtime.access`).
Every channel message of a connection reaches each of its subscriptions, so each keeps to the
messages of its own group. Messages are decoded into the event types their producers declared;
one that does not decode is logged and skipped.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from realtime.access import AccessGate
from realtime.events import Event, EventError, decode_message
from realtime.groups import EVENT_HANDLER, user_group
from tenants.accounts.selectors import is_active_user
from tenants.graphql.context import require_user

logger = logging.getLogger(__name__)


def decoded(message: dict[str, Any]) -> Event | None:
    """The declared event a channel message carries, or None (logged) if it is not one."""
    try:
        return decode_message(message)
    except EventError:
        logger.exception("a realtime message that is not its declared event was skipped")
        return None


async def relayed(
    messages: AsyncIterator[dict[str, Any]], *, group: str, gate: AccessGate
) -> AsyncGenerator[Event, None]:
    """The declared events published to `group`, from a subscription's channel messages, for as
    long as `gate` still allows: other subscriptions' messages on the same connection are passed
    over, and one that is not a declared event is logged and skipped."""
    async for message in messages:
        if message.get("group") != group:
            continue  # another subscription's, on the same connection
        if not await gate.still_allowed():
            return
        event = decoded(message)
        if event is not None:
            yield event


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
        ws = info.context["ws"]
        group = user_group(scope["tenant"].schema_name, user_id)
        async with ws.listen_to_channel(EVENT_HANDLER, groups=[group]) as messages:
            # First a "subscribed": from here on nothing sent to the viewer is missed.
            yield Notification(kind="subscribed", data=JSON({}))
            gate = AccessGate(scope, is_active_user, user_id)
            async for event in relayed(messages, group=group, gate=gate):
                # The payload goes to the app as the JSON it was declared as.
                yield Notification(kind=event.name, data=JSON(event.data()))
