"""One waiting processing message per Zoom meeting, not one per event.

A worker drains a meeting: it takes every pending event of it (attendance.inbox.engine). So a
meeting needs one queued message at a time, however many events arrive; a message per event
would leave, after a join storm, a queue of messages with nothing left to do, and every new
event, of any class of any school, would wait behind them.

The intake sends a message only when it sets the meeting's flag (`wake_claim`, SET NX); the
worker clears the flag before it drains (`wake_clear`). An event stored after the clear sends
a new message; one stored before it is in the drain, which selects after the clear. The flag
expires, so a message that was lost holds nothing up for long, and the inbox sweep remains the
safety net for events stored while Redis was away.
"""

import logging

import dramatiq
import redis
from django.conf import settings

logger = logging.getLogger(__name__)

WAKE_TTL_SECONDS = 10


def wake_key(schema: str, zoom_meeting_id: str) -> str:
    namespace = settings.DRAMATIQ_BROKER["OPTIONS"]["namespace"]
    return f"{namespace}:wake:{schema}:{zoom_meeting_id}"


def _client() -> redis.Redis | None:
    return getattr(dramatiq.get_broker(), "client", None)  # the Redis broker's connection pool


def wake_claim(schema: str, zoom_meeting_id: str) -> bool:
    """True when a message must be sent: none for this meeting is waiting. Raises when Redis
    cannot be reached (the caller's send would fail too)."""
    client = _client()
    if client is None or not zoom_meeting_id:
        return True
    return bool(client.set(wake_key(schema, zoom_meeting_id), b"1", nx=True, ex=WAKE_TTL_SECONDS))


def wake_clear(schema: str, zoom_meeting_id: str) -> None:
    """The meeting's message is being handled: the next event sends another."""
    client = _client()
    if client is None or not zoom_meeting_id:
        return
    try:
        client.delete(wake_key(schema, zoom_meeting_id))
    except Exception:  # noqa: BLE001 - the flag expires on its own; the drain goes on
        logger.warning("could not clear the wake-up flag of %s/%s", schema, zoom_meeting_id)
