"""The drain/lock/batch engine: a meeting's pending inbox events, processed in batches by the
one worker that holds the meeting (see attendance.inbox.wakeup for how workers are woken, and
attendance.handlers for what each kind of event does).

Processing is idempotent and order-independent: join and leave events are kept as facts and a
participant's segments are rebuilt from all of their facts each time (attendance.services), so
a duplicate, a leave before its join, or a leave after `meeting.ended` gives the same segments
as a tidy stream. Changes are committed, then published (realtime.events.publish sends a
transaction's events after its commit, in one trip).
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from attendance import handlers, services
from attendance.inbox import lock
from attendance.inbox.wakeup import wake_clear
from attendance.models import ParticipantEvent, WebhookEvent
from meetings.models import Meeting
from meetings.services.lifecycle import meeting_session_for_zoom_object
from realtime.metrics import WEBHOOK_PROCESSING_LAG_SECONDS
from tenants.connection import tenant_connection

logger = logging.getLogger(__name__)

# --- the entry point --------------------------------------------------------------------------

# The events of one Zoom meeting are processed together. The worker that holds a meeting takes
# every pending event of it (up to BATCH_MAX) in one transaction: lookups shared, writes in
# bulk, one realtime message per batch. Idle, a batch is the one event that arrived; in a join
# storm it is whatever arrived while the previous batch ran, so the cost per event falls as
# the load rises, and a meeting's events never wait behind each other in the queue.
BATCH_MAX = 100
# A worker drains its meeting until nothing is pending, or this long; then a fresh message
# at the back of the queue takes over, so that a busy class does not keep a worker thread from
# the other classes (more classes than threads at 9:00) and no message runs for ever.
DRAIN_SECONDS = 0.25
_DONE = (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED)

# The statements every batch runs, in SQL of their own: built by the ORM they cost the worker
# more than PostgreSQL's work for them (a batch in a 9:00 rush is usually one join).
_INBOX = WebhookEvent._meta.db_table
_STATUS = f"SELECT status, zoom_meeting_id FROM {_INBOX} WHERE id = %s"  # noqa: S608 - our table
_TAKE = (
    f"SELECT * FROM {_INBOX} WHERE status = %s AND zoom_meeting_id = %s"  # noqa: S608 - our table
    " ORDER BY received_at, id LIMIT %s FOR UPDATE SKIP LOCKED"
)
_PENDING = (
    f"SELECT EXISTS (SELECT 1 FROM {_INBOX}"  # noqa: S608 - our table
    " WHERE status = %s AND zoom_meeting_id = %s)"
)
_DONE_SET = (
    f"UPDATE {_INBOX} SET status = %s, attempts = attempts + 1, last_error = '',"  # noqa: S608 - our table
    " processed_at = %s WHERE id = ANY(%s)"
)
# A batch's meeting by the uuid of its Zoom session (every event after the first of a session):
# all its columns but the sealed links, which processing never reads and loading would decrypt.
# Built as the ORM would (its fields' converters, `from_db`), without building a statement.
_MEETING_FIELDS = [
    f for f in Meeting._meta.concrete_fields if f.attname not in ("join_url", "start_url")
]
_MEETING_COLUMNS = ", ".join(cast(str, f.column) for f in _MEETING_FIELDS)  # set when ready
_MEETING_BY_UUID = (
    f"SELECT {_MEETING_COLUMNS} FROM {Meeting._meta.db_table}"  # noqa: S608 - our table
    " WHERE zoom_uuid = %s ORDER BY id LIMIT 1"
)
_MEETING_CONVERTERS = [f.get_db_converters(connection) for f in _MEETING_FIELDS]
_UUID_MAX = Meeting._meta.get_field("zoom_uuid").max_length or 100


class EventFailed(Exception):
    """The event of this message failed in its batch's fallback; the error is on the event.
    Raised so that the worker retries it with backoff."""


def webhook_event_process(*, event_id: int) -> str | None:
    """Process a stored event together with the other pending events of its Zoom meeting.

    Returns the event's outcome, or None when it was done already or when another worker is
    draining its meeting (that worker takes it: it drains until nothing is pending). Safe to
    repeat: done events are skipped and every effect is an idempotent upsert. A failure is
    recorded on the event and raised for the worker's retry with backoff."""
    with connection.cursor() as cursor:
        cursor.execute(_STATUS, [event_id])
        row = cursor.fetchone()
    if row is None:
        return None
    status, zoom_meeting_id = row
    if not zoom_meeting_id:
        return None if status in _DONE else _process_alone(event_id, "")
    # This message wakes the meeting, whatever became of its own event: from here a new
    # event sends a new message, and what is pending now is drained below.
    wake_clear(tenant_connection().schema_name, zoom_meeting_id)
    if status == WebhookEvent.Status.FAILED:
        return _process_alone(event_id, zoom_meeting_id)
    if status in _DONE and not _pending(zoom_meeting_id):
        # The common wake-up in a rush: a worker draining the meeting took this event after
        # its message was sent. One look, not a transaction, a lock and a locking select.
        return None
    outcome = None
    deadline = time.monotonic() + DRAIN_SECONDS
    while outcomes := _process_batch(zoom_meeting_id):
        outcome = outcomes.get(event_id, outcome)
        if not _pending(zoom_meeting_id):
            break  # the look again after letting go: one query, no transaction
        if time.monotonic() > deadline:
            lock.hand_over(zoom_meeting_id)
            break
    if outcome == WebhookEvent.Status.FAILED:
        raise EventFailed(f"Zoom event {event_id} failed; its error is on the event")
    return outcome


def _process_batch(zoom_meeting_id: str) -> Mapping[int, str | None] | None:
    """One batch of a meeting's pending events. None when another worker holds the meeting;
    {} when nothing is pending. If the batch fails, its events are processed one at a time,
    so that one bad event holds up no other."""
    schema = tenant_connection().schema_name
    ids: list[int] = []
    try:
        with transaction.atomic():
            if not lock.meeting_lock(zoom_meeting_id, wait=False):
                return None
            events = list(
                WebhookEvent.objects.raw(
                    _TAKE, [WebhookEvent.Status.PENDING, zoom_meeting_id, BATCH_MAX]
                )
            )
            if not events:
                return {}
            ids = [event.pk for event in events]
            began = time.monotonic()
            outcomes = _process(events)
    except Exception:
        if not ids:
            raise
        logger.exception(
            "a batch of %d events of Zoom meeting %s in %s failed; processing them one at a time",
            len(ids),
            zoom_meeting_id,
            schema,
        )
        return {pk: _process_alone(pk, zoom_meeting_id, draining=True) for pk in ids}
    _lag_observe([event.received_at for event in events])
    logger.debug(
        "processed %d events of Zoom meeting %s in %s in %.1f ms",
        len(ids),
        zoom_meeting_id,
        schema,
        (time.monotonic() - began) * 1000,
    )
    return outcomes


def _process_alone(event_id: int, zoom_meeting_id: str, *, draining: bool = False) -> str | None:
    """One event in a transaction of its own: a retry (raises on failure, for the worker's
    backoff), or the fallback of a failed batch (`draining`: records the failure and goes on;
    the drain looks for what is pending afterwards)."""
    schema = tenant_connection().schema_name
    try:
        with transaction.atomic():
            if zoom_meeting_id:
                lock.meeting_lock(zoom_meeting_id, draining=draining)
            event = (
                WebhookEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id).first()
            )
            if event is None or event.status in _DONE:
                return None  # gone, done, or being processed by another worker right now
            outcome = _process([event])[event_id]
            received = event.received_at
    except Exception:
        WebhookEvent.objects.filter(pk=event_id).update(
            status=WebhookEvent.Status.FAILED,
            attempts=F("attempts") + 1,
            last_error=traceback.format_exc()[-4000:],
        )
        logger.exception("processing Zoom event %s in %s failed", event_id, schema)
        if draining:
            return WebhookEvent.Status.FAILED
        if zoom_meeting_id:
            lock.hand_over(
                zoom_meeting_id
            )  # what arrived meanwhile (the commit's hand-over is gone)
        raise
    _lag_observe([received])
    return outcome


def _lag_observe(received: list[datetime]) -> None:
    """Receipt to committed processing, per event (the inbox keeps when each arrived)."""
    now = timezone.now()
    for at in received:
        WEBHOOK_PROCESSING_LAG_SECONDS.observe((now - at).total_seconds())


def _meeting_by_uuid(uuid: Any) -> Meeting | None:
    if not uuid or not isinstance(uuid, str) or len(uuid) > _UUID_MAX:
        return None  # none, or not a Zoom uuid: meetings' rules say what to do
    with connection.cursor() as cursor:
        cursor.execute(_MEETING_BY_UUID, [uuid])
        row = cursor.fetchone()
    if row is None:
        return None
    values = [
        value if value is None or not convert else _converted(value, convert)
        for value, convert in zip(row, _MEETING_CONVERTERS, strict=True)
    ]
    return Meeting.from_db(connection.alias, [f.attname for f in _MEETING_FIELDS], values)


def _converted(value: Any, converters: list[Any]) -> Any:
    for convert in converters:
        value = convert(value, None, connection)
    return value


def _pending(zoom_meeting_id: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_PENDING, [WebhookEvent.Status.PENDING, zoom_meeting_id])
        return bool(cursor.fetchone()[0])


def _process(events: list[WebhookEvent]) -> dict[int, str]:
    """Apply events in the current transaction and mark them done. What they change is
    published when the transaction commits, in one trip (realtime.events.publish)."""
    batch = _Batch()
    outcomes = {event.pk: _dispatch(event, batch) for event in events}
    batch.flush()
    now = timezone.now()
    with connection.cursor() as cursor:
        for outcome in set(outcomes.values()):
            done = [pk for pk, o in outcomes.items() if o == outcome]
            cursor.execute(_DONE_SET, [outcome, now, done])
    return outcomes


def _dispatch(event: WebhookEvent, batch: _Batch) -> str:
    # The intake stores any signed JSON: a body not shaped like Zoom's (`payload: [1]`) is
    # ignored here, once, rather than crashing the worker into retry after retry.
    body = event.body if isinstance(event.body, dict) else {}
    kind, payload = body.get("event"), body.get("payload")
    obj = payload.get("object") if isinstance(payload, dict) else None
    payload_handler = handlers.PAYLOAD_HANDLERS.get(kind) if isinstance(kind, str) else None
    if payload_handler is not None and isinstance(payload, dict):
        return payload_handler(event, payload)
    handler = handlers.HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is None:
        return WebhookEvent.Status.IGNORED
    if not isinstance(obj, dict):
        logger.warning("Zoom event %s (%s) has no payload object; ignored", event.pk, kind)
        return WebhookEvent.Status.IGNORED
    return handler(event, obj, batch)


class _Batch:
    """One transaction's work: each meeting looked up once; joins and leaves gathered per
    meeting and applied together (`flush`)."""

    def __init__(self) -> None:
        self._meetings: dict[str, Meeting] = {}
        self._rooms: dict[int, _Room] = {}

    def meeting_for(self, obj: dict[str, Any], *, at: datetime) -> Meeting | None:
        uuid = str(obj.get("uuid") or "")
        if uuid in self._meetings:
            return self._meetings[uuid]
        # The session that already took this uuid, in one statement of our own; the first
        # event of a session (or of a recurring meeting's new occurrence) finds none, and
        # meetings' rules pick or make its session.
        meeting = _meeting_by_uuid(obj.get("uuid"))
        if meeting is None:
            meeting = meeting_session_for_zoom_object(obj=obj, at=at)
        if meeting is not None and uuid:
            self._meetings[uuid] = meeting
        return meeting

    def participant(self, meeting: Meeting, fact: ParticipantEvent, host_zoom_id: str) -> None:
        room = self._rooms.setdefault(meeting.pk, _Room(meeting))
        room.facts.append(fact)
        if host_zoom_id or fact.participant_key not in room.host_ids:
            room.host_ids[fact.participant_key] = host_zoom_id

    def flush(self) -> None:
        """Apply the gathered joins and leaves (before anything that reads the sessions)."""
        rooms, self._rooms = self._rooms, {}
        for room in rooms.values():
            services.participants_apply(room.meeting, room.facts, room.host_ids, announce=True)


@dataclass
class _Room:
    meeting: Meeting
    facts: list[ParticipantEvent] = field(default_factory=list)
    # Participant key → the host's Zoom id as their events gave it; in order of arrival.
    host_ids: dict[str, str] = field(default_factory=dict)
