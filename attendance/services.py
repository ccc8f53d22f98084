"""Writes of the attendance app: participants' facts and segments, scoring and storing
attendance records, reconciliation with Zoom's participants report, and the teachers' and
admins' commands (override, policy, resolving a participant). Inbox processing is in
attendance.inbox, what each Zoom event does in attendance.handlers, matching in
attendance.identity."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from attendance import segments
from attendance.events import (
    AttendanceScored,
    AttendanceUpdated,
    LiveCount,
    ParticipantChange,
    ParticipantsChanged,
)
from attendance.identity import (
    Described,
    MatchedBy,
    identity_guests,
    identity_match_many,
    participant_key,
    people_of,
    role_of,
)
from attendance.inbox import lock
from attendance.models import (
    AttendancePolicy,
    AttendanceRecord,
    AttendanceStatus,
    GuestAttendance,
    ParticipantEvent,
    ParticipantIdentity,
    ParticipantRole,
    ParticipantSession,
    WebhookEvent,
)
from attendance.scoring import Policy, Score, Segment, score_many
from attendance.selectors import participant_of
from meetings.guests.selectors import guests_of_meeting
from meetings.models import Meeting
from meetings.policy import access_admin, access_meeting_for_manage
from meetings.reminders.services import absence_notices_queue
from realtime.events import publish
from tenants.accounts.models import Role, User
from tenants.audit.services import audit_entry, audit_record, audit_record_many, ip_hash

if TYPE_CHECKING:
    from meetings.providers.base import MeetingProvider
    from meetings.providers.base import Participant as ReportRow
    from tenants.school.models import SchoolClass

logger = logging.getLogger(__name__)


def participant_fact(
    *,
    meeting: Meeting,
    kind: str,
    at: datetime,
    participant: dict[str, Any],
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
        # The intake keeps a keyed hash only (attendance.inbox.scrub); a report row has none.
        ip_hash=str(participant.get("ip_address_hash") or ip_hash(participant.get("ip_address")))[
            :64
        ],
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
    sessions = _segments_rebuild(meeting, facts, host_ids)
    if announce:
        _after_participants_change(meeting, facts, sessions)
    return sessions


_DESCRIBED = ("name", "email", "registrant_id", "zoom_participant_id")


def _spans(
    facts: list[segments.Fact],
) -> list[tuple[datetime | None, datetime | None, segments.Fact | None]]:
    """Segments from one participant's facts in time order (joins before leaves at the same
    instant): (joined, left, the leave) each, None for an end not seen."""
    spans: list[tuple[datetime | None, datetime | None, segments.Fact | None]] = []
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


def _latest(facts: list[segments.Fact]) -> dict[str, str]:
    latest = {}
    for fact in facts:  # the most complete description wins, latest first
        for name in (*_DESCRIBED, "ip_hash"):
            if value := getattr(fact, name):
                latest[name] = value
    return latest


def _segments_rebuild(
    meeting: Meeting, new_facts: list[ParticipantEvent], host_ids: dict[str, str]
) -> dict[str, list[ParticipantSession]]:
    """Keep the new facts; each participant's segments made anew from all of their facts,
    whatever the order in which the facts came. Four statements for a batch of unknown
    participants, whatever its size (attendance.segments)."""
    keys = list(host_ids)
    facts = segments.facts_keep_and_read(meeting_id=meeting.pk, facts=new_facts, keys=keys)
    previous = segments.sessions_previous(meeting_id=meeting.pk, keys=keys)

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
    matched = identity_match_many(
        meeting=meeting,
        people=to_match,
        not_users={
            key: not_user_id
            for key in to_match
            if key in previous and (not_user_id := previous[key].not_user_id) is not None
        },
    )
    # Whom Zoom registered as a guest, among those no person of the school matched verified
    # (a guest's registration outweighs a claim: their Zoom email may be a parent's, say).
    guests = identity_guests(
        meeting=meeting,
        registrant_ids={
            d.registrant_id
            for k, d in to_match.items()
            if d.registrant_id and not (k in matched and matched[k].verified)
        },
    )
    answers: dict[str, _Who] = {}
    for key in keys:
        before = previous.get(key)
        not_user_id = before.not_user_id if before else None
        if key not in to_match:
            assert before is not None  # only a participant seen before is not matched again
            answers[key] = _Who(
                before.user,
                before.role,
                before.matched_by,
                before.verified,
                not_user_id,
                before.guest_id,
            )
            continue
        zoom_id, host_zoom_id = to_match[key].zoom_id, host_ids[key]
        match = matched.get(key)
        user, by = (match.user, match.by) if match else (None, "")
        if (match is None or not match.verified) and zoom_id and zoom_id == host_zoom_id:
            user, by = meeting.host, MatchedBy.HOST  # Zoom says this is the meeting's host
        elif before and before.verified and user is not None and before.user_id == user.pk:
            by = before.matched_by  # a teacher's confirmation holds for the same person
        verified_user = by in MatchedBy.VERIFIED
        guest = None if verified_user else guests.get(to_match[key].registrant_id)
        if guest is not None:
            answers[key] = _Who(None, ParticipantRole.GUEST, MatchedBy.GUEST, True, None, guest.pk)
            continue
        role = role_of(meeting, user, zoom_id, host_zoom_id)
        answers[key] = _Who(user, role, by, by in MatchedBy.VERIFIED, not_user_id)
    _verified_first(meeting, answers)
    rows = []
    for key in keys:
        who = answers[key]
        user, role = who.user, who.role
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
                matched_by=who.by,
                verified=who.verified,
                not_user_id=who.not_user_id,
                guest_id=who.guest_id,
            )
            for start, end, leave in _spans(facts[key])
        ]
    segments.sessions_replace(meeting_id=meeting.pk, keys=keys, sessions=rows)
    rebuilt: dict[str, list[ParticipantSession]] = {key: [] for key in keys}
    for session in rows:
        rebuilt[session.participant_key].append(session)
    return rebuilt


@dataclass
class _Who:
    """A participant's answer: who, as what, how matched, whether vouched for, whom not; or
    which guest."""

    user: User | None
    role: str
    by: str
    verified: bool
    not_user_id: int | None
    guest_id: int | None = None


def _verified_first(meeting: Meeting, answers: dict[str, _Who]) -> None:
    """A verified identity wins over a claim: a participant who only claims (by name or email)
    to be someone who is in the class verified is not that person. Settled both ways: for the
    claims among `answers` (changed in place), and for the meeting's other participants
    claiming someone verified here. One read and at most one write a batch, whatever its
    size."""
    claimed = {a.user.pk for a in answers.values() if a.user is not None and not a.verified}
    verified_here = {a.user.pk for a in answers.values() if a.user is not None and a.verified}
    if not claimed and not verified_here:
        return
    others = ParticipantSession.objects.filter(
        meeting=meeting, user_id__in=claimed | verified_here
    ).exclude(participant_key__in=list(answers))
    vouched = set(verified_here)
    stale_claims = set()  # the meeting's earlier claimants of someone verified here
    elsewhere = segments.verified_elsewhere(
        meeting_id=meeting.pk, user_ids=claimed | verified_here, keys=list(answers)
    )
    for user_id, verified in elsewhere:
        if verified:
            vouched.add(user_id)
        elif user_id in verified_here:
            stale_claims.add(user_id)
    for key, who in answers.items():
        if who.user is not None and not who.verified and who.user.pk in vouched:
            displaced = _Who(None, ParticipantRole.GUEST, MatchedBy.DISPLACED, False, who.user.pk)
            answers[key] = displaced
    if stale_claims:
        others.filter(user_id__in=stale_claims, verified=False).update(
            not_user=F("user"),
            user=None,
            role=ParticipantRole.GUEST,
            matched_by=MatchedBy.DISPLACED,
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
    # The batch read the meeting when it began; a teacher may have ended the class since.
    meeting.status, count = segments.room_now(meeting_id=meeting.pk)
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
    entries, to_score, guests_changed = [], set(), False
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
        if session.guest_id is not None and (left or meeting.status == Meeting.Status.ENDED):
            guests_changed = True
    audit_record_many(entries)
    for record in attendance_score_students(meeting=meeting, student_ids=to_score):
        publish(_record_event(record))
    if guests_changed:
        attendance_score_guests(meeting=meeting, final=False)


# --- attendance -----------------------------------------------------------------------------


def attendance_policy_row() -> AttendancePolicy:
    """The school's attendance policy (made with the defaults the first time)."""
    row, _ = AttendancePolicy.objects.get_or_create(singleton=True)
    return row


def policy_current() -> Policy:
    return _policy_of(attendance_policy_row())


def _policy_of(row: AttendancePolicy) -> Policy:
    if row.present_share is not None:
        return Policy(present_minutes=None, present_share=row.present_share)
    minutes = row.present_minutes
    return Policy(present_minutes=15 if minutes is None else minutes, present_share=None)


def attendance_window(meeting: Meeting) -> tuple[datetime, datetime]:
    start = meeting.actual_start or meeting.start_time
    end = meeting.actual_end or (start + timedelta(minutes=meeting.duration_minutes))
    return start, max(end, start)


def _student_segments(
    meeting: Meeting, student_ids: Iterable[int] | None = None, *, unverified_count: bool
) -> dict[int, list[Segment]]:
    """Each matched person's segments: only those Zoom or a teacher vouches for, unless the
    school counts unverified matches."""
    sessions = ParticipantSession.objects.filter(meeting=meeting, user__isnull=False)
    if not unverified_count:
        sessions = sessions.filter(verified=True)
    if student_ids is not None:
        sessions = sessions.filter(user_id__in=student_ids)
    people: dict[int, list[Segment]] = {}
    for user_id, joined, left in sessions.values_list("user_id", "joined_at", "left_at"):
        people.setdefault(user_id, []).append(Segment(joined, left))
    return people


def _enrolled_ids(meeting: Meeting) -> list[int]:
    if meeting.school_class_id is None:
        return []
    school_class = cast("SchoolClass", meeting.school_class)  # school_class_id is set
    return list(school_class.students.values_list("pk", flat=True))


def _scored(score: Score, segments: list[Segment]) -> dict[str, Any]:
    """A record's computed fields (a student's or a guest's): status, time, first and last."""
    starts = [s.start for s in segments if s.start]
    ends = [s.end for s in segments if s.end]
    return {
        "computed_status": AttendanceStatus(score.status.value),
        "attended_seconds": score.attended_seconds,
        "first_joined_at": min(starts) if starts else None,
        "last_left_at": max(ends) if ends else None,
    }


def _store(
    meeting: Meeting,
    scores: dict[int, Score],
    people: dict[int, list[Segment]],
    *,
    final: bool,
) -> list[AttendanceRecord]:
    """Upsert the records (one statement; a teacher's override is left alone) and read them
    back with their overrides."""
    now = timezone.now()
    rows = []
    for student_id, score in scores.items():
        rows.append(
            AttendanceRecord(
                meeting=meeting,
                student_id=student_id,
                is_final=final,
                computed_at=now,
                **_scored(score, people.get(student_id, [])),
            )
        )
    if not rows:
        return []
    # Final absences already noticed (the parents' mail went when they were written).
    noticed = _final_absent_ids(meeting, list(scores)) if final else set()
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
    records = list(
        AttendanceRecord.objects.filter(meeting=meeting, student_id__in=list(scores)).order_by(
            "student_id"
        )
    )
    if final:
        # A final record that came out ABSENT (a teacher's override counts): the parents who
        # opted in hear of it, once per record (meetings.reminders).
        absences = {
            r.pk: r.student_id
            for r in records
            if r.status == AttendanceStatus.ABSENT and r.student_id not in noticed
        }
        if absences:
            absence_notices_queue(meeting=meeting, absences=absences)
    return records


def _final_absent_ids(meeting: Meeting, student_ids: list[int]) -> set[int]:
    rows = AttendanceRecord.objects.filter(
        meeting=meeting, student_id__in=student_ids, is_final=True
    ).values_list("student_id", "override_status", "computed_status")
    return {
        student_id
        for student_id, override, computed in rows
        if (override or computed) == AttendanceStatus.ABSENT
    }


def attendance_score_students(
    *, meeting: Meeting, student_ids: Collection[int]
) -> list[AttendanceRecord]:
    """Provisional scores of some students (the enrolled among them) while the class runs."""
    if not student_ids:
        return []
    enrolled = set(_enrolled_ids(meeting)) & set(student_ids)
    if not enrolled:
        return []
    start, end = attendance_window(meeting)
    row = attendance_policy_row()
    people = _student_segments(meeting, enrolled, unverified_count=row.unverified_matches_count)
    now = None if meeting.status == Meeting.Status.ENDED else timezone.now()
    scores = score_many(
        people,
        window_start=start,
        window_end=end,
        policy=_policy_of(row),
        enrolled=sorted(enrolled),
        now=now,
    )
    return _store(meeting, scores, people, final=False)


def attendance_score_meeting(*, meeting: Meeting, final: bool = False) -> list[AttendanceRecord]:
    """Score every enrolled student (and any matched student who came). Final after the
    grace period; overrides are kept either way."""
    start, end = attendance_window(meeting)
    row = attendance_policy_row()
    people = _student_segments(meeting, unverified_count=row.unverified_matches_count)
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
        policy=_policy_of(row),
        enrolled=enrolled,
        now=now,
    )
    records = _store(meeting, scores, people, final=final)
    attendance_score_guests(meeting=meeting, final=final)
    publish(AttendanceScored(meeting_id=meeting.pk, final=final, records=len(records)))
    return records


def attendance_score_guests(*, meeting: Meeting, final: bool = False) -> list[GuestAttendance]:
    """Score the meeting's guests as students are scored (the same policy; an invited guest
    who never came is absent), into their own records: a guest is not a student of the
    class. Only what Zoom vouches for counts: a guest is matched by their registrant id."""
    start, end = attendance_window(meeting)
    people: dict[int, list[Segment]] = {}
    sessions = ParticipantSession.objects.filter(meeting=meeting, guest__isnull=False)
    for guest_id, joined, left in sessions.values_list("guest_id", "joined_at", "left_at"):
        people.setdefault(guest_id, []).append(Segment(joined, left))
    invited = list(
        guests_of_meeting(meeting).filter(revoked_at__isnull=True).values_list("pk", flat=True)
    )
    if not people and not invited:
        return []
    now = None if meeting.status == Meeting.Status.ENDED else timezone.now()
    scores = score_many(
        people,
        window_start=start,
        window_end=end,
        policy=policy_current(),
        enrolled=invited,
        now=now,
    )
    computed_at = timezone.now()
    rows = []
    for guest_id, score in scores.items():
        rows.append(
            GuestAttendance(
                meeting=meeting,
                guest_id=guest_id,
                is_final=final,
                computed_at=computed_at,
                **_scored(score, people.get(guest_id, [])),
            )
        )
    GuestAttendance.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["meeting", "guest"],
        update_fields=[
            "computed_status",
            "attended_seconds",
            "first_joined_at",
            "last_left_at",
            "is_final",
            "computed_at",
        ],
    )
    return list(GuestAttendance.objects.filter(meeting=meeting).order_by("guest_id"))


def attendance_finalize(
    *, meeting_id: int, provider: MeetingProvider | None = None
) -> list[AttendanceRecord]:
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


def reconcile_with_report(*, meeting: Meeting, provider: MeetingProvider | None = None) -> int:
    """Add the joins and leaves of Zoom's participants report that webhooks missed. Returns
    how many facts were added; a report that cannot be had is logged, not fatal."""
    from meetings.providers.base import MeetingProviderError
    from meetings.zoom.factory import provider_for_meeting

    if not meeting.zoom_uuid:
        return 0
    try:
        provider = provider or provider_for_meeting(meeting)
        rows: list[ReportRow] = []
        token = ""
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
        lock.meeting_lock(meeting.zoom_meeting_id)  # webhooks may still be arriving
        # What the webhooks gave, by (kind, instant): one read, matched below in Python; each
        # as (participant key, name, email, registrant id).
        known: dict[tuple[str, datetime], list[tuple[str, ...]]] = {}
        for known_kind, known_at, *who in ParticipantEvent.objects.filter(
            meeting=meeting
        ).values_list("kind", "at", "participant_key", "name", "email", "registrant_id"):
            known.setdefault((known_kind, known_at), []).append(tuple(who))
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

            def same_person(who: tuple[str, ...], key: str = key, row: ReportRow = row) -> bool:
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
    *, actor: User, record: AttendanceRecord, status: str, reason: str, ip: str | None = None
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


GRACE_MINUTES_MAX = 1440  # a day: final scores later than that help nobody


def attendance_policy_set(
    *,
    actor: User,
    present_minutes: int | None = None,
    present_share: float | None = None,
    grace_minutes: int | None = None,
    unverified_matches_count: bool | None = None,
    ip: str | None = None,
) -> AttendancePolicy:
    access_admin(actor)
    try:
        Policy(present_minutes=present_minutes, present_share=present_share)
    except ValueError as exc:
        # Named by the field it is about, so that a form shows it next to that field.
        field = "present_share" if present_share is not None else "present_minutes"
        raise ValidationError({field: str(exc)}) from exc
    if grace_minutes is not None and not 0 <= grace_minutes <= GRACE_MINUTES_MAX:
        raise ValidationError({"grace_minutes": f"Between 0 and {GRACE_MINUTES_MAX} minutes."})
    row = attendance_policy_row()
    row.present_minutes = present_minutes
    row.present_share = present_share
    if grace_minutes is not None:
        row.grace_minutes = grace_minutes
    if unverified_matches_count is not None:
        row.unverified_matches_count = unverified_matches_count
    row.save()
    audit_record(
        actor=actor,
        action="attendance.policy_changed",
        target=row,
        ip=ip,
        details={
            "present_minutes": present_minutes,
            "present_share": present_share,
            "unverified_matches_count": row.unverified_matches_count,
        },
    )
    return row


# --- unmatched participants -------------------------------------------------------------------


def _evidence(sessions: list[ParticipantSession]) -> dict[str, Any]:
    """What the teacher decided on, for the audit: as Zoom reported it, and when."""
    first = sessions[0]
    joins = [s.joined_at for s in sessions if s.joined_at]
    leaves = [s.left_at for s in sessions if s.left_at]
    return {
        "participant": first.name,
        "email_typed": first.email,
        "registrant_id": first.registrant_id,
        "zoom_id": first.zoom_participant_id,
        "matched_by": first.matched_by,
        "suggested": first.user.email if first.user else None,
        "first_joined": min(joins).isoformat() if joins else None,
        "last_left": max(leaves).isoformat() if leaves else None,
    }


def _participant_sessions(
    actor: User, meeting: Meeting, participant_key: str
) -> list[ParticipantSession]:
    access_meeting_for_manage(actor, meeting)
    meeting.refresh_from_db()
    sessions = list(
        ParticipantSession.objects.filter(meeting=meeting, participant_key=participant_key)
        .select_related("user")
        .order_by("joined_at", "id")
    )
    if not sessions:
        raise ValidationError("No such participant in this class.")
    return sessions


def participant_resolve(
    *, actor: User, meeting: Meeting, participant_key: str, user: User, ip: str | None = None
) -> int:
    """The teacher says who a participant was: an unmatched one, or one matched only by what
    they typed into Zoom (confirming the match, or naming someone else). Verified from then on;
    remembered for later classes (by Zoom id when there is one, else by email or name: such a
    remembered claim is suggested next time, not trusted); audited; the attendance rescored."""
    sessions = _participant_sessions(actor, meeting, participant_key)
    first = sessions[0]
    if user.pk not in set(people_of(meeting)):
        raise PermissionDenied("That person is not in this class.")
    evidence = _evidence(sessions)
    with transaction.atomic():
        lock.meeting_lock(meeting.zoom_meeting_id)  # not while a worker rebuilds these sessions
        if first.zoom_participant_id:
            kind, value = ParticipantIdentity.Kind.ZOOM_ID, first.zoom_participant_id
        elif first.email:
            kind, value = ParticipantIdentity.Kind.EMAIL, first.email.lower()
        else:
            kind, value = ParticipantIdentity.Kind.NAME, first.name.strip().lower()
        ParticipantIdentity.objects.update_or_create(
            kind=kind, value=value, defaults={"user": user, "resolved_by": actor}
        )
        role = role_of(meeting, user, "", "")
        changed = ParticipantSession.objects.filter(
            meeting=meeting, participant_key=participant_key
        ).update(
            user=user,
            role=role,
            verified=True,
            matched_by=MatchedBy.TEACHER,
            not_user=None,
            guest=None,
        )
        audit_record(
            actor=actor,
            action="attendance.participant_resolved",
            target=meeting,
            ip=ip,
            details={
                **evidence,
                "user": user.email,
                "confirmed": first.user_id == user.pk,
                "remembered_by": kind,
            },
        )
        attendance_score_meeting(meeting=meeting, final=meeting.status == Meeting.Status.ENDED)
    return changed


def participant_reject(
    *, actor: User, meeting: Meeting, participant_key: str, ip: str | None = None
) -> int:
    """The teacher says a participant matched by what they typed into Zoom is not that person:
    unmatched from then on (never matched to them again in this class), what was remembered
    that matched them forgotten, audited, the attendance rescored."""
    sessions = _participant_sessions(actor, meeting, participant_key)
    first = sessions[0]
    if first.user_id is None:
        raise ValidationError("This participant is not matched to anyone.")
    if first.verified:
        raise ValidationError(
            "Zoom or a teacher vouches for this participant: name who it is instead."
        )
    evidence = _evidence(sessions)
    claimed = first.user_id
    with transaction.atomic():
        lock.meeting_lock(meeting.zoom_meeting_id)
        Kind = ParticipantIdentity.Kind
        ParticipantIdentity.objects.filter(user_id=claimed).filter(
            Q(kind=Kind.EMAIL, value=first.email.lower())
            | Q(kind=Kind.NAME, value=first.name.strip().lower())
        ).delete()
        changed = ParticipantSession.objects.filter(
            meeting=meeting, participant_key=participant_key
        ).update(
            user=None,
            role=ParticipantRole.GUEST,
            verified=False,
            matched_by=MatchedBy.REJECTED,
            not_user=claimed,
        )
        audit_record(
            actor=actor,
            action="attendance.participant_rejected",
            target=meeting,
            ip=ip,
            details=evidence,
        )
        attendance_score_meeting(meeting=meeting, final=meeting.status == Meeting.Status.ENDED)
    return changed
