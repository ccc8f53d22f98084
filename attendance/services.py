"""Stored Zoom events → meeting status, participant sessions, identities and attendance.

Processing is idempotent and order-independent: join and leave events are kept as facts
(ParticipantEvent) and a participant's segments are rebuilt from all of their facts each time,
so a duplicate, a leave before its join, or a leave after `meeting.ended` gives the same
segments as a tidy stream. Changes are committed, then published to the tenant's groups.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

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
from meetings.models import Meeting, Registrant
from meetings.policy import access_admin, access_meeting_for_manage
from meetings.selectors import meeting_summary
from realtime.groups import publish, publish_many
from tenants.accounts.models import Role, User
from tenants.audit.services import audit_record, ip_hash

logger = logging.getLogger(__name__)

# How far from its scheduled start an occurrence may begin and still be recognised.
OCCURRENCE_MATCH_WINDOW = timedelta(hours=12)


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


@dataclass
class _Outbox:
    """Realtime messages to publish once the transaction has committed."""

    messages: list[tuple[tuple, str, dict]]

    def add(self, group_parts: tuple, event: str, data: dict) -> None:
        self.messages.append((group_parts, event, data))


def webhook_event_process(*, event_id: int) -> str | None:
    """Process one stored event. Safe to repeat: processed events are skipped, and every
    effect is an idempotent upsert. A failure is recorded on the event and re-raised for the
    worker's retry with backoff."""
    schema = connection.schema_name
    outbox = _Outbox([])
    try:
        with transaction.atomic():
            event = (
                WebhookEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id).first()
            )
            if event is None or event.status in (
                WebhookEvent.Status.PROCESSED,
                WebhookEvent.Status.IGNORED,
            ):
                return None  # gone, done, or being processed by another worker right now
            outcome = _dispatch(event, outbox)
            event.status = outcome
            event.attempts += 1
            event.last_error = ""
            event.processed_at = timezone.now()
            event.save(update_fields=["status", "attempts", "last_error", "processed_at"])
    except Exception:
        WebhookEvent.objects.filter(pk=event_id).update(
            status=WebhookEvent.Status.FAILED,
            attempts=F("attempts") + 1,
            last_error=traceback.format_exc()[-4000:],
        )
        logger.exception("processing Zoom event %s in %s failed", event_id, schema)
        raise
    publish_many(outbox.messages, schema_name=schema)
    return outcome


def _dispatch(event: WebhookEvent, outbox: _Outbox) -> str:
    body = event.body if isinstance(event.body, dict) else {}
    obj = (body.get("payload") or {}).get("object") or {}
    handler = _HANDLERS.get(body.get("event", ""))
    if handler is None or not isinstance(obj, dict):
        return WebhookEvent.Status.IGNORED
    return handler(event, obj, outbox)


# --- meetings -------------------------------------------------------------------------------


def meeting_for_zoom_object(obj: dict, *, at: datetime) -> Meeting | None:
    """The session a Zoom event is about. By uuid when known; else, for a recurring meeting,
    the not-yet-started occurrence nearest in time (which then takes the uuid)."""
    uuid = str(obj.get("uuid") or "")
    zoom_id = str(obj.get("id") or "")
    if uuid:
        meeting = Meeting.objects.filter(zoom_uuid=uuid).first()
        if meeting is not None:
            return meeting
    if not zoom_id:
        return None
    # Lock this Zoom meeting's sessions: two events of a new instance must pick one session.
    candidates = list(
        Meeting.objects.select_for_update()
        .filter(zoom_meeting_id=zoom_id)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("start_time")
    )
    if not candidates:
        return None
    if uuid:
        # A transaction we waited for on those locks may have given the uuid to a session,
        # or made a session for it: a fresh query sees both.
        meeting = Meeting.objects.filter(zoom_uuid=uuid).first()
        if meeting is not None:
            return meeting
    if len(candidates) == 1 and not candidates[0].series_id:
        meeting = candidates[0]
    else:
        free = [m for m in candidates if not m.zoom_uuid and m.status == Meeting.Status.SCHEDULED]
        free = [m for m in free if abs(m.start_time - at) <= OCCURRENCE_MATCH_WINDOW]
        if free:
            meeting = min(free, key=lambda m: abs(m.start_time - at))
        elif uuid:
            # The host started the recurring meeting away from every session (a class moved
            # at short notice): a session of its own, so that it is seen live and its
            # attendance is kept apart from the scheduled ones.
            meeting = _unscheduled_session(
                min(candidates, key=lambda m: abs(m.start_time - at)), at
            )
        else:
            return None
    if uuid and meeting.zoom_uuid != uuid:
        meeting.zoom_uuid = uuid
        meeting.save(update_fields=["zoom_uuid", "updated_at"])
    return meeting


def _unscheduled_session(like: Meeting, at: datetime) -> Meeting:
    meeting = Meeting.objects.create(
        school_class=like.school_class,
        series=like.series,
        host=like.host,
        title=like.title,
        description=like.description,
        kind=like.kind,
        start_time=at,
        duration_minutes=like.duration_minutes,
        timezone=like.timezone,
        target_audience=like.target_audience,
        registration_enabled=False,
        zoom_account=like.zoom_account,
        zoom_meeting_id=like.zoom_meeting_id,
    )
    meeting.invitees.set(like.invitees.all())
    audit_record(
        actor_label="zoom",
        action="meeting.unscheduled_session",
        target=meeting,
        details={"zoom_meeting_id": like.zoom_meeting_id, "nearest_session": like.pk},
    )
    return meeting


def _on_meeting_started(event, obj, outbox) -> str:
    at = parse_time(obj.get("start_time")) or _event_time(event)
    meeting = meeting_for_zoom_object(obj, at=at)
    if meeting is None:
        return WebhookEvent.Status.IGNORED
    meeting.actual_start = meeting.actual_start or at
    if meeting.status == Meeting.Status.SCHEDULED:
        meeting.status = Meeting.Status.STARTED
    meeting.save(update_fields=["actual_start", "status", "updated_at"])
    _publish_meeting(meeting, outbox, "meeting.started")
    return WebhookEvent.Status.PROCESSED


def _on_meeting_ended(event, obj, outbox) -> str:
    at = parse_time(obj.get("end_time")) or _event_time(event)
    start = parse_time(obj.get("start_time")) or at
    meeting = meeting_for_zoom_object(obj, at=start)
    if meeting is None:
        return WebhookEvent.Status.IGNORED
    meeting.actual_start = meeting.actual_start or start
    meeting.actual_end = at
    meeting.status = Meeting.Status.ENDED
    meeting.save(update_fields=["actual_start", "actual_end", "status", "updated_at"])
    attendance_score_meeting(meeting=meeting, outbox=outbox)
    _publish_meeting(meeting, outbox, "meeting.ended")
    _schedule_finalize(meeting)
    return WebhookEvent.Status.PROCESSED


def _publish_meeting(meeting: Meeting, outbox: _Outbox, name: str) -> None:
    data = {"meeting": meeting_summary(meeting), "count": live_count(meeting)}
    outbox.add(("meeting", meeting.pk), name, data)
    outbox.add(("live",), name, data)


def _schedule_finalize(meeting: Meeting) -> None:
    from attendance.actors import attendance_finalize

    grace = _policy_row().grace_minutes
    transaction.on_commit(
        lambda: attendance_finalize.send_with_options(args=(meeting.pk,), delay=grace * 60_000)
    )


def _on_recording_completed(event, obj, outbox) -> str:
    at = parse_time(obj.get("start_time")) or _event_time(event)
    meeting = meeting_for_zoom_object(obj, at=at)
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
    outbox.add(("meeting", meeting.pk), "recording.completed", {"meeting_id": meeting.pk})
    return WebhookEvent.Status.PROCESSED


# --- participants -----------------------------------------------------------------------------


def _on_participant(kind: str):
    def handler(event, obj, outbox) -> str:
        participant = obj.get("participant") or {}
        if not isinstance(participant, dict):
            return WebhookEvent.Status.IGNORED
        field_name = "join_time" if kind == ParticipantEvent.Kind.JOIN else "leave_time"
        at = parse_time(participant.get(field_name)) or _event_time(event)
        meeting = meeting_for_zoom_object(obj, at=at)
        if meeting is None:
            return WebhookEvent.Status.IGNORED
        key = participant_key(participant)
        participant_event_record(
            meeting=meeting,
            kind=kind,
            at=at,
            key=key,
            participant=participant,
            host_zoom_id=str(obj.get("host_id") or ""),
            webhook_event=event,
            outbox=outbox,
        )
        return WebhookEvent.Status.PROCESSED

    return handler


def participant_event_record(
    *,
    meeting: Meeting,
    kind: str,
    at: datetime,
    key: str,
    participant: dict,
    host_zoom_id: str = "",
    webhook_event: WebhookEvent | None = None,
    source: str = "webhook",
    outbox: _Outbox | None = None,
) -> list[ParticipantSession]:
    """Keep one join or leave, rebuild that participant's segments, match their identity."""
    with connection.cursor() as cursor:  # one participant at a time; other participants go on
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"p:{meeting.pk}:{key}"])
    email = str(participant.get("email") or participant.get("user_email") or "").strip()
    # One statement: a fact already kept (a redelivery under another dedupe key) is skipped.
    ParticipantEvent.objects.bulk_create(
        [
            ParticipantEvent(
                meeting=meeting,
                participant_key=key,
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
        ],
        ignore_conflicts=True,
    )
    sessions = _segments_rebuild(meeting, key, host_zoom_id=host_zoom_id)
    if outbox is not None and sessions:
        _after_participant_change(meeting, kind, sessions, outbox)
    return sessions


def _segments_rebuild(meeting: Meeting, key: str, *, host_zoom_id: str) -> list[ParticipantSession]:
    events = list(
        ParticipantEvent.objects.filter(meeting=meeting, participant_key=key).order_by("at", "kind")
    )
    # Joins sort before leaves at the same instant ("join" < "leave").
    spans: list[tuple[datetime | None, datetime | None, ParticipantEvent | None]] = []
    open_at: datetime | None = None
    for fact in events:
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

    latest = {}
    for fact in events:  # the most complete description wins, latest first
        for name in ("name", "email", "registrant_id", "zoom_participant_id", "ip_hash"):
            if getattr(fact, name):
                latest[name] = getattr(fact, name)
    zoom_id = latest.get("zoom_participant_id", "")
    sessions = ParticipantSession.objects.filter(meeting=meeting, participant_key=key)
    previous = sessions.select_related("user").first()
    described = ("name", "email", "registrant_id", "zoom_participant_id")
    if previous is not None and all(getattr(previous, f) == latest.get(f, "") for f in described):
        # Same participant, same description (a leave, a rejoin): the same answer as before,
        # including a teacher's resolution.
        user, role = previous.user, previous.role
    else:
        user = identity_match(
            meeting=meeting,
            registrant_id=latest.get("registrant_id", ""),
            email=latest.get("email", ""),
            zoom_id=zoom_id,
            name=latest.get("name", ""),
        )
        if user is None and zoom_id and zoom_id == host_zoom_id:
            user = meeting.host  # Zoom says this participant is the meeting's host
        role = _role_of(meeting, user, zoom_id, host_zoom_id)
    sessions.delete()
    return ParticipantSession.objects.bulk_create(
        [
            ParticipantSession(
                meeting=meeting,
                participant_key=key,
                user=user,
                role=role,
                name=latest.get("name", ""),
                email=latest.get("email", ""),
                registrant_id=latest.get("registrant_id", ""),
                zoom_participant_id=latest.get("zoom_participant_id", ""),
                joined_at=start,
                left_at=end,
                ip_hash=latest.get("ip_hash", ""),
                leave_reason=leave.leave_reason if leave else "",
            )
            for start, end, leave in spans
        ]
    )


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


def identity_match(
    *, meeting: Meeting, registrant_id: str, email: str, zoom_id: str, name: str
) -> User | None:
    """Registrant id, then email, then a remembered resolution, then an exact unique name."""
    if registrant_id:
        registrant = (
            Registrant.objects.filter(
                meeting__zoom_meeting_id=meeting.zoom_meeting_id, zoom_registrant_id=registrant_id
            )
            .select_related("user")
            .first()
        )
        if registrant is not None:
            return registrant.user
    if email:
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is not None:
            return user
    if zoom_id:
        from meetings.models import ZoomConnection

        connected = ZoomConnection.objects.filter(zoom_user_id=zoom_id).select_related("user")
        connection_row = connected.first()
        if connection_row is not None:
            return connection_row.user
    remembered = [
        (ParticipantIdentity.Kind.ZOOM_ID, zoom_id),
        (ParticipantIdentity.Kind.EMAIL, email.lower()),
        (ParticipantIdentity.Kind.NAME, name.strip().lower()),
    ]
    for kind, value in remembered:
        if value:
            identity = ParticipantIdentity.objects.filter(kind=kind, value=value).first()
            if identity is not None:
                return identity.user
    if name.strip() and meeting.school_class_id:
        people = User.objects.filter(is_active=True, name__iexact=name.strip()).filter(
            pk__in=_people_of(meeting)
        )
        found = list(people[:2])
        if len(found) == 1:
            return found[0]
    return None


def _people_of(meeting: Meeting) -> list[int]:
    school_class = meeting.school_class
    ids = {meeting.host_id}
    if school_class is not None:
        ids |= set(school_class.students.values_list("pk", flat=True))
        ids |= set(school_class.teachers.values_list("pk", flat=True))
    return list(ids)


def live_count(meeting: Meeting) -> int:
    """People in the room now: participants with an open segment."""
    if meeting.status == Meeting.Status.ENDED:
        return 0
    return (
        ParticipantSession.objects.filter(meeting=meeting, left_at__isnull=True)
        .exclude(joined_at__isnull=True)
        .values("participant_key")
        .distinct()
        .count()
    )


def _after_participant_change(meeting, kind, sessions, outbox: _Outbox) -> None:
    session = sessions[-1]
    count = live_count(meeting)
    name = "participant.joined" if kind == ParticipantEvent.Kind.JOIN else "participant.left"
    data = {
        "meeting_id": meeting.pk,
        "participant": {
            "key": session.participant_key,
            "name": session.name,
            "role": session.role,
            "joined_at": session.joined_at.isoformat() if session.joined_at else None,
            "left_at": session.left_at.isoformat() if session.left_at else None,
        },
        "count": count,
        "status": meeting.status,
    }
    outbox.add(("meeting", meeting.pk), name, data)
    outbox.add(("live",), "live.count", {"meeting_id": meeting.pk, "count": count})
    audit_record(
        actor=session.user,
        actor_label=session.name or session.email or "unknown participant",
        action=f"meeting.{name}",
        target=meeting,
        details={"role": session.role, "key": session.participant_key},
    )
    # During class attended time only grows when a segment closes: score then, not at every
    # join. After the end, any late fact changes the record.
    if (
        (kind == ParticipantEvent.Kind.LEAVE or meeting.status == Meeting.Status.ENDED)
        and session.user is not None
        and session.role == ParticipantRole.STUDENT
    ):
        record = attendance_score_student(meeting=meeting, student=session.user)
        if record is not None:
            outbox.add(("user", session.user.pk), "attendance.updated", _record_data(record))


_HANDLERS = {
    "meeting.started": _on_meeting_started,
    "meeting.ended": _on_meeting_ended,
    "meeting.participant_joined": _on_participant(ParticipantEvent.Kind.JOIN),
    "meeting.participant_left": _on_participant(ParticipantEvent.Kind.LEAVE),
    "recording.completed": _on_recording_completed,
}


# --- attendance -----------------------------------------------------------------------------


def _policy_row() -> AttendancePolicy:
    row, _ = AttendancePolicy.objects.get_or_create(singleton=True)
    return row


def policy_current() -> Policy:
    row = _policy_row()
    if row.present_share is not None:
        return Policy(present_minutes=None, present_share=row.present_share)
    return Policy(present_minutes=row.present_minutes or 15, present_share=None)


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
    now = timezone.now()
    records = []
    for student_id, score in scores.items():
        segments = people.get(student_id, [])
        starts = [s.start for s in segments if s.start]
        ends = [s.end for s in segments if s.end]
        record, _ = AttendanceRecord.objects.update_or_create(
            meeting=meeting,
            student_id=student_id,
            defaults={
                "computed_status": AttendanceStatus(score.status.value.lower()),
                "attended_seconds": score.attended_seconds,
                "first_joined_at": min(starts) if starts else None,
                "last_left_at": max(ends) if ends else None,
                "is_final": final,
                "computed_at": now,
            },
        )
        records.append(record)
    return records


def attendance_score_student(*, meeting: Meeting, student: User) -> AttendanceRecord | None:
    """Provisional score of one student while the class runs."""
    if student.pk not in set(_enrolled_ids(meeting)):
        return None
    start, end = attendance_window(meeting)
    people = _student_segments(meeting, [student.pk])
    now = None if meeting.status == Meeting.Status.ENDED else timezone.now()
    scores = score_many(
        people,
        window_start=start,
        window_end=end,
        policy=policy_current(),
        enrolled=[student.pk],
        now=now,
    )
    return _store(meeting, {student.pk: scores[student.pk]}, people, final=False)[0]


def attendance_score_meeting(
    *, meeting: Meeting, final: bool = False, outbox: _Outbox | None = None
) -> list[AttendanceRecord]:
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
    data = {"meeting_id": meeting.pk, "final": final, "records": len(records)}
    if outbox is not None:
        outbox.add(("meeting", meeting.pk), "attendance.updated", data)
    else:
        schema = connection.schema_name
        transaction.on_commit(
            lambda: publish(
                "meeting", meeting.pk, event="attendance.updated", data=data, schema_name=schema
            )
        )
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
            page = _report_page(provider, meeting.zoom_uuid, token)
            rows.extend(page.items)
            token = page.next_page_token
            if not token:
                break
    except MeetingProviderError as exc:
        logger.warning("no participants report for meeting %s: %s", meeting.pk, exc)
        return 0
    added = 0
    with transaction.atomic():
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
            same_person = Q(participant_key=key) | Q(name=row.name)
            if row.email:
                same_person |= Q(email__iexact=row.email)
            if row.registrant_id:
                same_person |= Q(registrant_id=row.registrant_id)
            for kind, at in (
                (ParticipantEvent.Kind.JOIN, row.join_time),
                (ParticipantEvent.Kind.LEAVE, row.leave_time),
            ):
                # A fact the webhooks already gave, under their own key, is not added again.
                already = ParticipantEvent.objects.filter(
                    same_person, meeting=meeting, kind=kind, at=at
                )
                if at is None or already.exists():
                    continue
                participant_event_record(
                    meeting=meeting,
                    kind=kind,
                    at=at,
                    key=key,
                    participant=participant,
                    source="report",
                )
                added += 1
    return added


def _report_page(provider, uuid: str, token: str):
    report = getattr(provider, "report_participants", None)
    if report is not None:
        return report(uuid, page_token=token)
    return provider.list_participants(uuid, page_token=token)


def _record_data(record: AttendanceRecord) -> dict:
    return {
        "meeting_id": record.meeting_id,
        "status": record.status,
        "attended_seconds": record.attended_seconds,
        "final": record.is_final,
    }


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
    schema = connection.schema_name
    data = _record_data(record)
    transaction.on_commit(
        lambda: (
            publish(
                "meeting",
                record.meeting_id,
                event="attendance.updated",
                data=data,
                schema_name=schema,
            ),
            publish(
                "user", record.student_id, event="attendance.updated", data=data, schema_name=schema
            ),
        )
    )
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
    row = _policy_row()
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
