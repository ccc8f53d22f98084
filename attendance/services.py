"""Stored Zoom events → meeting status, participant sessions, identities and attendance.

Processing is idempotent and order-independent: join and leave events are kept as facts
(ParticipantEvent) and a participant's segments are rebuilt from all of their facts each time,
so a duplicate, a leave before its join, or a leave after `meeting.ended` gives the same
segments as a tidy stream. A meeting's events are processed in batches, by one worker at a
time (the entry point below). Changes are committed, then published to the tenant's groups.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from attendance.events import (
    AttendanceScored,
    AttendanceUpdated,
    LiveCount,
    Participant,
    ParticipantChange,
    ParticipantsChanged,
    RecordingCompleted,
)
from attendance.models import (
    AttendancePolicy,
    AttendanceRecord,
    AttendanceStatus,
    ParticipantEvent,
    ParticipantIdentity,
    ParticipantRole,
    ParticipantSession,
    Recording,
    WebhookEvent,
)
from attendance.scoring import Policy, Segment, score_many
from attendance.wakeup import wake_clear
from meetings.models import Meeting, Registrant
from meetings.policy import access_admin, access_meeting_for_manage
from meetings.services.lifecycle import (
    meeting_mark_ended,
    meeting_mark_started,
    meeting_session_for_zoom_object,
)
from realtime.events import publish
from tenants.accounts.models import Role, User
from tenants.audit.services import audit_entry, audit_record, audit_record_many, ip_hash

logger = logging.getLogger(__name__)


# --- parsing --------------------------------------------------------------------------------


def parse_time(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _event_time(event: WebhookEvent) -> datetime:
    if event.event_ts:
        return datetime.fromtimestamp(event.event_ts / 1000, tz=UTC)
    return event.received_at


def participant_key(participant: dict) -> str:
    """A participant's device session. `participant_uuid` when Zoom sends it; else Zoom's
    participant `id` (a signed-in user's id), the per-meeting `user_id` (reused for other
    people later) and the name together."""
    if participant.get("participant_uuid"):
        return f"u:{participant['participant_uuid']}"
    parts = (participant.get("id"), participant.get("user_id"), participant.get("user_name"))
    return "k:" + "|".join(str(p or "") for p in parts)[:190]


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


class EventFailed(Exception):
    """The event of this message failed in its batch's fallback; the error is on the event.
    Raised so that the worker retries it with backoff."""


def webhook_event_process(*, event_id: int) -> str | None:
    """Process a stored event together with the other pending events of its Zoom meeting.

    Returns the event's outcome, or None when it was done already or when another worker is
    draining its meeting (that worker takes it: it drains until nothing is pending). Safe to
    repeat: done events are skipped and every effect is an idempotent upsert. A failure is
    recorded on the event and raised for the worker's retry with backoff."""
    row = WebhookEvent.objects.filter(pk=event_id).values_list("status", "zoom_meeting_id").first()
    if row is None:
        return None
    status, zoom_meeting_id = row
    if not zoom_meeting_id:
        return None if status in _DONE else _process_alone(event_id, "")
    # This message wakes the meeting, whatever became of its own event: from here a new
    # event sends a new message, and what is pending now is drained below.
    wake_clear(connection.schema_name, zoom_meeting_id)
    if status == WebhookEvent.Status.FAILED:
        return _process_alone(event_id, zoom_meeting_id)
    outcome = None
    deadline = time.monotonic() + DRAIN_SECONDS
    while outcomes := _process_batch(zoom_meeting_id):
        outcome = outcomes.get(event_id, outcome)
        if not _pending(zoom_meeting_id):
            break  # the look again after letting go: one query, no transaction
        if time.monotonic() > deadline:
            _hand_over(zoom_meeting_id)
            break
    if outcome == WebhookEvent.Status.FAILED:
        raise EventFailed(f"Zoom event {event_id} failed; its error is on the event")
    return outcome


def _meeting_lock(zoom_meeting_id: str, *, wait: bool = True, draining: bool = False) -> bool:
    """The transaction-long right to change one Zoom meeting's sessions in this schema.

    A worker that finds the meeting held leaves its event to the holder. Draining workers
    look again once they let go; anyone else who held it (a retry, the reconciliation, a
    teacher's resolution) hands what is pending to a worker on commit."""
    key = f"{connection.schema_name}:zoom-meeting:{zoom_meeting_id}"
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(hashtextextended(%s, 0))", [key])
        if not wait:
            return cursor.fetchone()[0]
    if not draining:
        transaction.on_commit(lambda: _hand_over(zoom_meeting_id))
    return True


def _process_batch(zoom_meeting_id: str) -> dict[int, str | None] | None:
    """One batch of a meeting's pending events. None when another worker holds the meeting;
    {} when nothing is pending. If the batch fails, its events are processed one at a time,
    so that one bad event holds up no other."""
    schema = connection.schema_name
    ids: list[int] = []
    try:
        with transaction.atomic():
            if not _meeting_lock(zoom_meeting_id, wait=False):
                return None
            events = list(
                WebhookEvent.objects.select_for_update(skip_locked=True)
                .filter(status=WebhookEvent.Status.PENDING, zoom_meeting_id=zoom_meeting_id)
                .order_by("received_at", "pk")[:BATCH_MAX]
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
    schema = connection.schema_name
    try:
        with transaction.atomic():
            if zoom_meeting_id:
                _meeting_lock(zoom_meeting_id, draining=draining)
            event = (
                WebhookEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id).first()
            )
            if event is None or event.status in _DONE:
                return None  # gone, done, or being processed by another worker right now
            outcome = _process([event])[event_id]
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
            _hand_over(zoom_meeting_id)  # what arrived meanwhile (the commit's hand-over is gone)
        raise
    return outcome


def _pending(zoom_meeting_id: str) -> bool:
    return WebhookEvent.objects.filter(
        status=WebhookEvent.Status.PENDING, zoom_meeting_id=zoom_meeting_id
    ).exists()


def _hand_over(zoom_meeting_id: str) -> None:
    from attendance.actors import webhook_process

    first = (
        WebhookEvent.objects.filter(
            status=WebhookEvent.Status.PENDING, zoom_meeting_id=zoom_meeting_id
        )
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if first is not None:
        webhook_process.send_with_options(args=(first,), tenant_schema=connection.schema_name)


def _process(events: list[WebhookEvent]) -> dict[int, str]:
    """Apply events in the current transaction and mark them done. What they change is
    published when the transaction commits, in one trip (realtime.events.publish)."""
    batch = _Batch()
    outcomes = {event.pk: _dispatch(event, batch) for event in events}
    batch.flush()
    now = timezone.now()
    for outcome in set(outcomes.values()):
        WebhookEvent.objects.filter(
            pk__in=[pk for pk, o in outcomes.items() if o == outcome]
        ).update(status=outcome, attempts=F("attempts") + 1, last_error="", processed_at=now)
    return outcomes


def _dispatch(event: WebhookEvent, batch: _Batch) -> str:
    body = event.body if isinstance(event.body, dict) else {}
    obj = (body.get("payload") or {}).get("object") or {}
    handler = _HANDLERS.get(body.get("event", ""))
    if handler is None or not isinstance(obj, dict):
        return WebhookEvent.Status.IGNORED
    return handler(event, obj, batch)


class _Batch:
    """One transaction's work: each meeting looked up once; joins and leaves gathered per
    meeting and applied together (`flush`)."""

    def __init__(self):
        self._meetings: dict[str, Meeting] = {}
        self._rooms: dict[int, _Room] = {}

    def meeting_for(self, obj: dict, *, at: datetime) -> Meeting | None:
        uuid = str(obj.get("uuid") or "")
        if uuid in self._meetings:
            return self._meetings[uuid]
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
            participants_apply(room.meeting, room.facts, room.host_ids, announce=True)


@dataclass
class _Room:
    meeting: Meeting
    facts: list[ParticipantEvent] = field(default_factory=list)
    # Participant key → the host's Zoom id as their events gave it; in order of arrival.
    host_ids: dict[str, str] = field(default_factory=dict)


# --- meetings -------------------------------------------------------------------------------


def _on_meeting_started(event, obj, batch: _Batch) -> str:
    batch.flush()
    at = parse_time(obj.get("start_time")) or _event_time(event)
    meeting = batch.meeting_for(obj, at=at)
    if meeting is None:
        return WebhookEvent.Status.IGNORED
    meeting_mark_started(meeting=meeting, at=at, live_count=live_count(meeting))
    return WebhookEvent.Status.PROCESSED


def _on_meeting_ended(event, obj, batch: _Batch) -> str:
    batch.flush()  # the joins and leaves before it count in its scoring
    at = parse_time(obj.get("end_time")) or _event_time(event)
    start = parse_time(obj.get("start_time")) or at
    meeting = batch.meeting_for(obj, at=start)
    if meeting is None:
        return WebhookEvent.Status.IGNORED
    meeting_mark_ended(meeting=meeting, at=at, started_at=start)  # publishes meeting.ended
    attendance_score_meeting(meeting=meeting)
    _schedule_finalize(meeting)
    return WebhookEvent.Status.PROCESSED


def _schedule_finalize(meeting: Meeting) -> None:
    from attendance.actors import attendance_finalize

    grace = attendance_policy_row().grace_minutes
    transaction.on_commit(
        lambda: attendance_finalize.send_with_options(args=(meeting.pk,), delay=grace * 60_000)
    )


def _on_recording_completed(event, obj, batch: _Batch) -> str:
    at = parse_time(obj.get("start_time")) or _event_time(event)
    meeting = batch.meeting_for(obj, at=at)
    if meeting is None:
        return WebhookEvent.Status.IGNORED
    files = [
        {
            "id": str(f.get("id", "")),
            "file_type": f.get("file_type", ""),
            "play_url": f.get("play_url", ""),
            "recording_start": f.get("recording_start"),
            "recording_end": f.get("recording_end"),
            "file_size": f.get("file_size", 0),
        }
        for f in obj.get("recording_files") or []
        if isinstance(f, dict)
    ]
    Recording.objects.update_or_create(
        meeting=meeting,
        zoom_uuid=str(obj.get("uuid") or ""),
        defaults={"share_url": obj.get("share_url") or "", "files": files},
    )
    publish(RecordingCompleted(meeting_id=meeting.pk))
    return WebhookEvent.Status.PROCESSED


# --- participants -----------------------------------------------------------------------------


def _on_participant(kind: str):
    def handler(event, obj, batch: _Batch) -> str:
        participant = obj.get("participant") or {}
        if not isinstance(participant, dict):
            return WebhookEvent.Status.IGNORED
        field_name = "join_time" if kind == ParticipantEvent.Kind.JOIN else "leave_time"
        at = parse_time(participant.get(field_name)) or _event_time(event)
        meeting = batch.meeting_for(obj, at=at)
        if meeting is None:
            return WebhookEvent.Status.IGNORED
        fact = participant_fact(
            meeting=meeting, kind=kind, at=at, participant=participant, webhook_event=event
        )
        batch.participant(meeting, fact, str(obj.get("host_id") or ""))
        return WebhookEvent.Status.PROCESSED

    return handler


def participant_fact(
    *,
    meeting: Meeting,
    kind: str,
    at: datetime,
    participant: dict,
    webhook_event: WebhookEvent | None = None,
    source: str = "webhook",
) -> ParticipantEvent:
    """One join or leave, as a fact to keep (unsaved)."""
    email = str(participant.get("email") or participant.get("user_email") or "").strip()
    return ParticipantEvent(
        meeting=meeting,
        participant_key=participant_key(participant),
        kind=kind,
        at=at,
        webhook_event=webhook_event,
        source=source,
        zoom_participant_id=str(participant.get("id") or "")[:100],
        participant_uuid=str(participant.get("participant_uuid") or "")[:100],
        zoom_user_id=str(participant.get("user_id") or "")[:100],
        registrant_id=str(participant.get("registrant_id") or "")[:100],
        name=str(participant.get("user_name") or participant.get("name") or "")[:200],
        email=email[:254],
        ip_hash=ip_hash(participant.get("ip_address")),
        leave_reason=str(participant.get("leave_reason") or "")[:500],
    )


def participants_apply(
    meeting: Meeting,
    facts: list[ParticipantEvent],
    host_ids: dict[str, str],
    *,
    announce: bool = False,
) -> dict[str, list[ParticipantSession]]:
    """Keep the facts, rebuild the segments of the participants they are about (`host_ids`:
    their keys, each with the host's Zoom id as their events gave it), match identities; with
    `announce`, audit, score and publish. The caller holds the meeting's lock."""
    # One statement: a fact already kept (a redelivery under another dedupe key) is skipped.
    ParticipantEvent.objects.bulk_create(facts, ignore_conflicts=True)
    sessions = _segments_rebuild(meeting, host_ids)
    if announce:
        _after_participants_change(meeting, facts, sessions)
    return sessions


_DESCRIBED = ("name", "email", "registrant_id", "zoom_participant_id")


def _spans(facts: list[ParticipantEvent]):
    """Segments from one participant's facts in time order (joins before leaves at the same
    instant): (joined, left, the leave) each, None for an end not seen."""
    spans: list[tuple[datetime | None, datetime | None, ParticipantEvent | None]] = []
    open_at: datetime | None = None
    for fact in facts:
        if fact.kind == ParticipantEvent.Kind.JOIN:
            if open_at is None:
                open_at = fact.at
        elif open_at is not None:
            spans.append((open_at, fact.at, fact))
            open_at = None
        elif not spans:
            spans.append((None, fact.at, fact))  # a leave whose join we never saw
    if open_at is not None:
        spans.append((open_at, None, None))
    return spans


def _latest(facts: list[ParticipantEvent]) -> dict[str, str]:
    latest = {}
    for fact in facts:  # the most complete description wins, latest first
        for name in (*_DESCRIBED, "ip_hash"):
            if getattr(fact, name):
                latest[name] = getattr(fact, name)
    return latest


def _segments_rebuild(
    meeting: Meeting, host_ids: dict[str, str]
) -> dict[str, list[ParticipantSession]]:
    """Each participant's segments made anew from all of their facts, whatever the order in
    which the facts came."""
    keys = list(host_ids)
    facts: dict[str, list[ParticipantEvent]] = {key: [] for key in keys}
    for fact in ParticipantEvent.objects.filter(meeting=meeting, participant_key__in=keys).order_by(
        "at", "kind"
    ):
        facts[fact.participant_key].append(fact)
    sessions = ParticipantSession.objects.filter(meeting=meeting, participant_key__in=keys)
    previous: dict[str, ParticipantSession] = {}
    for session in sessions.select_related("user").order_by("joined_at", "id"):
        previous.setdefault(session.participant_key, session)

    latest = {key: _latest(facts[key]) for key in keys}
    # Same participant, same description (a leave, a rejoin): the same answer as before,
    # including a teacher's resolution. Anyone else is matched.
    to_match = {
        key: Described(
            registrant_id=latest[key].get("registrant_id", ""),
            email=latest[key].get("email", ""),
            zoom_id=latest[key].get("zoom_participant_id", ""),
            name=latest[key].get("name", ""),
        )
        for key in keys
        if key not in previous
        or any(getattr(previous[key], f) != latest[key].get(f, "") for f in _DESCRIBED)
    }
    matched = identity_match_many(meeting=meeting, people=to_match)
    rows = []
    for key in keys:
        if key in to_match:
            zoom_id, host_zoom_id = to_match[key].zoom_id, host_ids[key]
            user = matched.get(key)
            if user is None and zoom_id and zoom_id == host_zoom_id:
                user = meeting.host  # Zoom says this participant is the meeting's host
            role = _role_of(meeting, user, zoom_id, host_zoom_id)
        else:
            user, role = previous[key].user, previous[key].role
        described = latest[key]
        rows += [
            ParticipantSession(
                meeting=meeting,
                participant_key=key,
                user=user,
                role=role,
                name=described.get("name", ""),
                email=described.get("email", ""),
                registrant_id=described.get("registrant_id", ""),
                zoom_participant_id=described.get("zoom_participant_id", ""),
                joined_at=start,
                left_at=end,
                ip_hash=described.get("ip_hash", ""),
                leave_reason=leave.leave_reason if leave else "",
            )
            for start, end, leave in _spans(facts[key])
        ]
    # One DELETE: nothing refers to a session, and the collector's SELECT first (django-tenants
    # listens to every post_delete) would cost a round trip a batch.
    sessions._raw_delete(sessions.db)
    rebuilt: dict[str, list[ParticipantSession]] = {key: [] for key in keys}
    for session in ParticipantSession.objects.bulk_create(rows):
        rebuilt[session.participant_key].append(session)
    return rebuilt


def _role_of(meeting: Meeting, user: User | None, zoom_id: str, host_zoom_id: str) -> str:
    if user is not None and user.pk == meeting.host_id:
        return ParticipantRole.HOST
    if zoom_id and host_zoom_id and zoom_id == host_zoom_id:
        return ParticipantRole.HOST
    if user is None:
        return ParticipantRole.GUEST
    if user.role in (Role.TEACHER, Role.ADMIN):
        return ParticipantRole.TEACHER
    return ParticipantRole.STUDENT


@dataclass(frozen=True)
class Described:
    """What Zoom says of a participant that may tell who they are."""

    registrant_id: str = ""
    email: str = ""
    zoom_id: str = ""
    name: str = ""


def identity_match_many(*, meeting: Meeting, people: dict) -> dict:
    """Who each described participant is (`{key: Described}` → `{key: User}`, the unknown
    left out): registrant id, then email, then a connected Zoom account, then a remembered
    resolution (by Zoom id, email, name), then an exact name unique among the class's people.
    A few queries for the lot, however many they are."""
    from meetings.models import ZoomConnection

    found: dict = {}
    left = dict(people)

    def settle(users: dict, value_of) -> None:
        for key, described in list(left.items()):
            user = users.get(value_of(described))
            if user is not None:
                found[key] = user
                del left[key]

    registrant_ids = {d.registrant_id for d in left.values() if d.registrant_id}
    if registrant_ids:
        users = {}
        for registrant in Registrant.objects.filter(
            meeting__zoom_meeting_id=meeting.zoom_meeting_id,
            zoom_registrant_id__in=registrant_ids,
            user__isnull=False,
        ).select_related("user"):
            users.setdefault(registrant.zoom_registrant_id, registrant.user)
        settle(users, lambda d: d.registrant_id)
    emails = {d.email.lower() for d in left.values() if d.email}
    if emails:
        active = User.objects.filter(is_active=True).annotate(lower_email=Lower("email"))
        users = {u.lower_email: u for u in active.filter(lower_email__in=emails).order_by("-pk")}
        settle(users, lambda d: d.email.lower())
    zoom_ids = {d.zoom_id for d in left.values() if d.zoom_id}
    if zoom_ids:
        connected = ZoomConnection.objects.filter(zoom_user_id__in=zoom_ids).select_related("user")
        settle({c.zoom_user_id: c.user for c in connected}, lambda d: d.zoom_id)
    if left:
        Kind = ParticipantIdentity.Kind
        values = {
            Kind.ZOOM_ID: {d.zoom_id for d in left.values() if d.zoom_id},
            Kind.EMAIL: {d.email.lower() for d in left.values() if d.email},
            Kind.NAME: {d.name.strip().lower() for d in left.values() if d.name.strip()},
        }
        wanted = Q(pk__in=[])
        for kind, kind_values in values.items():
            if kind_values:
                wanted |= Q(kind=kind, value__in=kind_values)
        remembered = {
            (i.kind, i.value): i.user
            for i in ParticipantIdentity.objects.filter(wanted).select_related("user")
        }
        for key, d in list(left.items()):
            for kind, value in (
                (Kind.ZOOM_ID, d.zoom_id),
                (Kind.EMAIL, d.email.lower()),
                (Kind.NAME, d.name.strip().lower()),
            ):
                if value and (kind, value) in remembered:
                    found[key] = remembered[(kind, value)]
                    del left[key]
                    break
    names = {d.name.strip().lower() for d in left.values() if d.name.strip()}
    if names and meeting.school_class_id:
        class_id = meeting.school_class_id
        people = Q(pk=meeting.host_id) | Q(classes_enrolled=class_id) | Q(classes_taught=class_id)
        by_name: dict[str, list[User]] = {}
        for user in (
            User.objects.filter(people, is_active=True)
            .annotate(lower_name=Lower("name"))
            .filter(lower_name__in=names)
            .distinct()
        ):
            by_name.setdefault(user.lower_name, []).append(user)
        unique = {name: users[0] for name, users in by_name.items() if len(users) == 1}
        settle(unique, lambda d: d.name.strip().lower())
    return found


def _people_of(meeting: Meeting) -> list[int]:
    school_class = meeting.school_class
    ids = {meeting.host_id}
    if school_class is not None:
        ids |= set(school_class.students.values_list("pk", flat=True))
        ids |= set(school_class.teachers.values_list("pk", flat=True))
    return list(ids)


def live_count(meeting: Meeting) -> int:
    """People in the room now: participants with an open segment."""
    return live_counts([meeting]).get(meeting.pk, 0)


def live_counts(meetings) -> dict[int, int]:
    """`live_count` of several meetings in one query (those not listed have nobody)."""
    running = [m.pk for m in meetings if m.status != Meeting.Status.ENDED]
    if not running:
        return {}
    rows = (
        ParticipantSession.objects.filter(
            meeting_id__in=running, left_at__isnull=True, joined_at__isnull=False
        )
        .values("meeting_id")
        .annotate(people=Count("participant_key", distinct=True))
    )
    return {row["meeting_id"]: row["people"] for row in rows}


def participant_data(session: ParticipantSession) -> dict:
    """A participant as realtime events and snapshots carry them: plain data."""
    return {
        "key": session.participant_key,
        "name": session.name,
        "role": session.role,
        "joined_at": session.joined_at.isoformat() if session.joined_at else None,
        "left_at": session.left_at.isoformat() if session.left_at else None,
    }


def participant_of(session: ParticipantSession) -> Participant:
    """A participant as realtime events carry them."""
    return Participant(
        key=session.participant_key,
        name=session.name,
        role=session.role,
        joined_at=session.joined_at.isoformat() if session.joined_at else None,
        left_at=session.left_at.isoformat() if session.left_at else None,
    )


def _after_participants_change(
    meeting: Meeting,
    facts: list[ParticipantEvent],
    sessions: dict[str, list[ParticipantSession]],
) -> None:
    """One realtime message for the lot: each participant as they are now ("joined": in the
    room, "left": not), with the live count; an audit entry per join or leave; a new score for
    students who left (attended time only grows when a segment closes) or for anyone once the
    class has ended (a late fact changes the record)."""
    latest = {key: rows[-1] for key, rows in sessions.items() if rows}
    if not latest:
        return
    count = live_count(meeting)
    changes = [
        ParticipantChange(change="left" if s.left_at else "joined", participant=participant_of(s))
        for s in latest.values()
    ]
    publish(
        ParticipantsChanged(
            meeting_id=meeting.pk, changes=changes, count=count, status=meeting.status
        )
    )
    publish(LiveCount(meeting_id=meeting.pk, count=count))
    entries, to_score = [], set()
    for fact in facts:
        session = latest.get(fact.participant_key)
        if session is None:
            continue
        left = fact.kind == ParticipantEvent.Kind.LEAVE
        entries.append(
            audit_entry(
                actor=session.user,
                actor_label=session.name or session.email or "unknown participant",
                action="meeting.participant.left" if left else "meeting.participant.joined",
                target=meeting,
                details={"role": session.role, "key": session.participant_key},
            )
        )
        if (
            (left or meeting.status == Meeting.Status.ENDED)
            and session.user_id is not None
            and session.role == ParticipantRole.STUDENT
        ):
            to_score.add(session.user_id)
    audit_record_many(entries)
    for record in attendance_score_students(meeting=meeting, student_ids=to_score):
        publish(_record_event(record))


_HANDLERS = {
    "meeting.started": _on_meeting_started,
    "meeting.ended": _on_meeting_ended,
    "meeting.participant_joined": _on_participant(ParticipantEvent.Kind.JOIN),
    "meeting.participant_left": _on_participant(ParticipantEvent.Kind.LEAVE),
    "recording.completed": _on_recording_completed,
}


# --- attendance -----------------------------------------------------------------------------


def attendance_policy_row() -> AttendancePolicy:
    """The school's attendance policy (made with the defaults the first time)."""
    row, _ = AttendancePolicy.objects.get_or_create(singleton=True)
    return row


def policy_current() -> Policy:
    row = attendance_policy_row()
    if row.present_share is not None:
        return Policy(present_minutes=None, present_share=row.present_share)
    minutes = row.present_minutes
    return Policy(present_minutes=15 if minutes is None else minutes, present_share=None)


def attendance_window(meeting: Meeting) -> tuple[datetime, datetime]:
    start = meeting.actual_start or meeting.start_time
    end = meeting.actual_end or (start + timedelta(minutes=meeting.duration_minutes))
    return start, max(end, start)


def _student_segments(meeting: Meeting, student_ids=None) -> dict[int, list[Segment]]:
    sessions = ParticipantSession.objects.filter(meeting=meeting, user__isnull=False)
    if student_ids is not None:
        sessions = sessions.filter(user_id__in=student_ids)
    people: dict[int, list[Segment]] = {}
    for user_id, joined, left in sessions.values_list("user_id", "joined_at", "left_at"):
        people.setdefault(user_id, []).append(Segment(joined, left))
    return people


def _enrolled_ids(meeting: Meeting) -> list[int]:
    if meeting.school_class_id is None:
        return []
    return list(meeting.school_class.students.values_list("pk", flat=True))


def _store(meeting: Meeting, scores: dict, people, *, final: bool) -> list[AttendanceRecord]:
    """Upsert the records (one statement; a teacher's override is left alone) and read them
    back with their overrides."""
    now = timezone.now()
    rows = []
    for student_id, score in scores.items():
        segments = people.get(student_id, [])
        starts = [s.start for s in segments if s.start]
        ends = [s.end for s in segments if s.end]
        rows.append(
            AttendanceRecord(
                meeting=meeting,
                student_id=student_id,
                computed_status=AttendanceStatus(score.status.value),
                attended_seconds=score.attended_seconds,
                first_joined_at=min(starts) if starts else None,
                last_left_at=max(ends) if ends else None,
                is_final=final,
                computed_at=now,
            )
        )
    if not rows:
        return []
    AttendanceRecord.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["meeting", "student"],
        update_fields=[
            "computed_status",
            "attended_seconds",
            "first_joined_at",
            "last_left_at",
            "is_final",
            "computed_at",
        ],
    )
    return list(
        AttendanceRecord.objects.filter(meeting=meeting, student_id__in=list(scores)).order_by(
            "student_id"
        )
    )


def attendance_score_students(*, meeting: Meeting, student_ids) -> list[AttendanceRecord]:
    """Provisional scores of some students (the enrolled among them) while the class runs."""
    if not student_ids:
        return []
    enrolled = set(_enrolled_ids(meeting)) & set(student_ids)
    if not enrolled:
        return []
    start, end = attendance_window(meeting)
    people = _student_segments(meeting, enrolled)
    now = None if meeting.status == Meeting.Status.ENDED else timezone.now()
    scores = score_many(
        people,
        window_start=start,
        window_end=end,
        policy=policy_current(),
        enrolled=sorted(enrolled),
        now=now,
    )
    return _store(meeting, scores, people, final=False)


def attendance_score_meeting(*, meeting: Meeting, final: bool = False) -> list[AttendanceRecord]:
    """Score every enrolled student (and any matched student who came). Final after the
    grace period; overrides are kept either way."""
    start, end = attendance_window(meeting)
    people = _student_segments(meeting)
    enrolled = _enrolled_ids(meeting)
    students = set(enrolled) | set(
        User.objects.filter(pk__in=list(people), role=Role.STUDENT).values_list("pk", flat=True)
    )
    people = {k: v for k, v in people.items() if k in students}
    now = None if meeting.status == Meeting.Status.ENDED else timezone.now()
    scores = score_many(
        people,
        window_start=start,
        window_end=end,
        policy=policy_current(),
        enrolled=enrolled,
        now=now,
    )
    records = _store(meeting, scores, people, final=final)
    publish(AttendanceScored(meeting_id=meeting.pk, final=final, records=len(records)))
    return records


def attendance_finalize(*, meeting_id: int, provider=None) -> list[AttendanceRecord]:
    """After the grace period: fill gaps from Zoom's participants report (missed webhooks),
    then score for good."""
    meeting = Meeting.objects.select_related("school_class").get(pk=meeting_id)
    if meeting.status != Meeting.Status.ENDED:
        return []
    filled = reconcile_with_report(meeting=meeting, provider=provider)
    with transaction.atomic():
        records = attendance_score_meeting(meeting=meeting, final=True)
        audit_record(
            actor_label="system",
            action="attendance.finalised",
            target=meeting,
            details={"records": len(records), "filled_from_report": filled},
        )
    return records


def reconcile_with_report(*, meeting: Meeting, provider=None) -> int:
    """Add the joins and leaves of Zoom's participants report that webhooks missed. Returns
    how many facts were added; a report that cannot be had is logged, not fatal."""
    from meetings.providers.base import MeetingProviderError
    from meetings.zoom.factory import provider_for_meeting

    if not meeting.zoom_uuid:
        return 0
    try:
        provider = provider or provider_for_meeting(meeting)
        rows, token = [], ""
        while True:
            page = provider.report_participants(meeting.zoom_uuid, page_token=token)
            rows.extend(page.items)
            token = page.next_page_token
            if not token:
                break
    except MeetingProviderError as exc:
        logger.warning("no participants report for meeting %s: %s", meeting.pk, exc)
        return 0
    with transaction.atomic():
        _meeting_lock(meeting.zoom_meeting_id)  # webhooks may still be arriving
        # What the webhooks gave, by (kind, instant): one read, matched below in Python.
        known: dict[tuple[str, datetime], list[tuple[str, str, str, str]]] = {}
        for kind, at, *who in ParticipantEvent.objects.filter(meeting=meeting).values_list(
            "kind", "at", "participant_key", "name", "email", "registrant_id"
        ):
            known.setdefault((kind, at), []).append(tuple(who))
        facts, keys = [], {}
        for row in rows:
            participant = {
                "id": row.participant_id,
                "user_id": row.user_id,
                "user_name": row.name,
                "email": row.email,
                "registrant_id": row.registrant_id,
                "participant_uuid": row.participant_uuid,
            }
            # The same key as the webhook's when the report carries the participant uuid;
            # otherwise a key of its own, and the union per person absorbs the overlap.
            key = participant_key(participant)

            def same_person(who, key=key, row=row) -> bool:
                their_key, name, email, registrant_id = who
                return (
                    their_key == key
                    or name == row.name
                    or bool(row.email and email.lower() == row.email.lower())
                    or bool(row.registrant_id and registrant_id == row.registrant_id)
                )

            for kind, at in (
                (ParticipantEvent.Kind.JOIN, row.join_time),
                (ParticipantEvent.Kind.LEAVE, row.leave_time),
            ):
                # A fact the webhooks already gave, under their own key, is not added again.
                if at is None or any(map(same_person, known.get((kind, at), ()))):
                    continue
                facts.append(
                    participant_fact(
                        meeting=meeting, kind=kind, at=at, participant=participant, source="report"
                    )
                )
                keys[key] = ""
        if facts:
            participants_apply(meeting, facts, keys)
    return len(facts)


def _record_event(record: AttendanceRecord) -> AttendanceUpdated:
    return AttendanceUpdated(
        meeting_id=record.meeting_id,
        student_id=record.student_id,
        status=record.status,
        attended_seconds=record.attended_seconds,
        final=record.is_final,
    )


def attendance_override(
    *, actor, record: AttendanceRecord, status: str, reason: str, ip: str | None = None
) -> AttendanceRecord:
    """A teacher's correction, with a reason; audited; kept through rescoring."""
    access_meeting_for_manage(actor, record.meeting)
    if status not in AttendanceStatus.values:
        raise ValidationError({"status": f"Unknown attendance status {status!r}."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the record is changed."})
    previous = record.status
    record.override_status = status
    record.override_reason = reason.strip()[:500]
    record.overridden_by = actor
    record.overridden_at = timezone.now()
    record.save()
    audit_record(
        actor=actor,
        action="attendance.overridden",
        target=record,
        ip=ip,
        details={
            "meeting": record.meeting_id,
            "student": record.student.email,
            "from": previous,
            "to": status,
            "reason": record.override_reason,
        },
    )
    publish(AttendanceScored(meeting_id=record.meeting_id, final=record.is_final, records=1))
    publish(_record_event(record))
    return record


def attendance_policy_set(
    *,
    actor,
    present_minutes: int | None = None,
    present_share: float | None = None,
    grace_minutes: int | None = None,
    ip: str | None = None,
) -> AttendancePolicy:
    access_admin(actor)
    try:
        Policy(present_minutes=present_minutes, present_share=present_share)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    row = attendance_policy_row()
    row.present_minutes = present_minutes
    row.present_share = present_share
    if grace_minutes is not None:
        row.grace_minutes = grace_minutes
    row.save()
    audit_record(
        actor=actor,
        action="attendance.policy_changed",
        target=row,
        ip=ip,
        details={"present_minutes": present_minutes, "present_share": present_share},
    )
    return row


# --- unmatched participants -------------------------------------------------------------------


def participant_resolve(
    *, actor, meeting: Meeting, participant_key: str, user: User, ip: str | None = None
) -> int:
    """The teacher says who an unmatched participant was. Remembered for later classes (by
    Zoom id when there is one, else by name), and the attendance rescored."""
    access_meeting_for_manage(actor, meeting)
    meeting.refresh_from_db()
    sessions = ParticipantSession.objects.filter(meeting=meeting, participant_key=participant_key)
    first = sessions.first()
    if first is None:
        raise ValidationError("No such participant in this class.")
    if user.pk not in set(_people_of(meeting)):
        raise PermissionDenied("That person is not in this class.")
    with transaction.atomic():
        _meeting_lock(meeting.zoom_meeting_id)  # not while a worker rebuilds these sessions
        if first.zoom_participant_id:
            kind, value = ParticipantIdentity.Kind.ZOOM_ID, first.zoom_participant_id
        elif first.email:
            kind, value = ParticipantIdentity.Kind.EMAIL, first.email.lower()
        else:
            kind, value = ParticipantIdentity.Kind.NAME, first.name.strip().lower()
        ParticipantIdentity.objects.update_or_create(
            kind=kind, value=value, defaults={"user": user, "resolved_by": actor}
        )
        role = _role_of(meeting, user, "", "")
        changed = sessions.update(user=user, role=role)
        audit_record(
            actor=actor,
            action="attendance.participant_resolved",
            target=meeting,
            ip=ip,
            details={"participant": first.name, "user": user.email, "remembered_by": kind},
        )
        attendance_score_meeting(meeting=meeting, final=meeting.status == Meeting.Status.ENDED)
    return changed
