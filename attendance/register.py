"""A session's register and its timeline, as a viewer may see them (reads only).

The register lists everyone expected: every student enrolled in the class, and any other
student who was scored. A student with a stored record shows it; one without (the class is
running and they have not left yet, or scoring has not run) gets a provisional row computed
here from their segments with the same pure scoring, so the register never shows only those
who left. Nothing is written.

The timeline is each person's join/leave segments on the class's time axis. Those who manage
the meeting see everyone who was in the room (teachers, unidentified participants, guests);
a student sees their own row, a parent their children's, and only the segments that count
(those Zoom or a teacher vouches for, unless the school counts typed names).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from attendance.models import (
    AttendancePolicy,
    AttendanceRecord,
    GuestAttendance,
    ParticipantRole,
    ParticipantSession,
)
from attendance.policy import guest_record_visible
from attendance.scoring import Policy, Segment, score_many
from meetings.models import Meeting
from meetings.policy import can_manage_meeting
from tenants.accounts.models import Role, User


@dataclass(frozen=True)
class RegisterSegment:
    joined_at: datetime | None
    left_at: datetime | None
    verified: bool


@dataclass
class RegisterRow:
    student: User
    status: str
    computed_status: str
    attended_seconds: int
    share: float  # of the class window, 0..1
    is_final: bool
    recorded: bool  # False: computed here, no record stored yet
    overridden: bool
    override_reason: str
    first_joined_at: datetime | None
    last_left_at: datetime | None


@dataclass
class TimelineRow:
    key: str
    name: str
    role: str
    student_id: int | None
    segments: list[RegisterSegment] = field(default_factory=list)


@dataclass
class Register:
    meeting: Meeting
    manages: bool
    window_start: datetime
    window_end: datetime
    final: bool
    rows: list[RegisterRow]
    guests: list[GuestAttendance]
    timeline: list[TimelineRow]


def policy_row() -> AttendancePolicy:
    """The school's policy as stored, or the defaults (unsaved) if it never was."""
    return AttendancePolicy.objects.first() or AttendancePolicy()


def policy_of(row: AttendancePolicy) -> Policy:
    if row.present_share is not None:
        return Policy(present_minutes=None, present_share=row.present_share)
    minutes = row.present_minutes
    return Policy(present_minutes=15 if minutes is None else minutes, present_share=None)


def class_window(meeting: Meeting) -> tuple[datetime, datetime]:
    """The span attendance counts: actual start (or scheduled) to actual end (or the
    scheduled length)."""
    start = meeting.actual_start or meeting.start_time
    end = meeting.actual_end or (start + timedelta(minutes=meeting.duration_minutes))
    return start, max(end, start)


def _visible_student_ids(viewer: User, ids: set[int], *, manages: bool) -> set[int]:
    if manages:
        return ids
    if viewer.role == Role.STUDENT:
        return ids & {viewer.pk}
    if viewer.role == Role.PARENT:
        children = User.objects.filter(pk__in=ids, parent_links__parent=viewer)
        return set(children.values_list("pk", flat=True))
    return set()


def session_register(*, meeting: Meeting, viewer: User) -> Register:
    """The register and timeline of `meeting` (which the caller got through the policy) as
    `viewer` may see them: all of it for those who manage the meeting; a student's own row;
    a parent's children's rows."""
    manages = can_manage_meeting(viewer, meeting)
    start, end = class_window(meeting)
    row = policy_row()
    policy = policy_of(row)
    counts = row.unverified_matches_count

    enrolled: set[int] = set()
    if meeting.school_class_id is not None:
        enrolled = set(
            meeting.school_class.students.values_list("pk", flat=True)  # type: ignore[union-attr]
        )
    records = {
        r.student_id: r
        for r in AttendanceRecord.objects.filter(meeting=meeting).select_related("student")
    }
    sessions = list(
        ParticipantSession.objects.filter(meeting=meeting)
        .select_related("user", "guest")
        .order_by("joined_at", "id")
    )
    student_sessions: dict[int, list[ParticipantSession]] = {}
    for s in sessions:
        if s.user_id is not None and s.role == ParticipantRole.STUDENT:
            student_sessions.setdefault(s.user_id, []).append(s)

    expected = _visible_student_ids(viewer, enrolled | set(records), manages=manages)
    students = {u.pk: u for u in User.objects.filter(pk__in=expected)}
    counted = {
        pk: [Segment(s.joined_at, s.left_at) for s in rows if s.verified or counts]
        for pk, rows in student_sessions.items()
        if pk in expected
    }
    ended = meeting.status == Meeting.Status.ENDED
    now = None if ended else timezone.now()
    computed = score_many(
        {pk: v for pk, v in counted.items() if pk not in records},
        window_start=start,
        window_end=end,
        policy=policy,
        enrolled=[pk for pk in expected if pk not in records],
        now=now,
    )
    window_seconds = max((end - start).total_seconds(), 1.0)
    rows: list[RegisterRow] = []
    for pk in expected:
        student = students.get(pk)
        if student is None:
            continue
        record = records.get(pk)
        if record is not None:
            seconds = record.attended_seconds
            rows.append(
                RegisterRow(
                    student=student,
                    status=record.status,
                    computed_status=record.computed_status,
                    attended_seconds=seconds,
                    share=min(seconds / window_seconds, 1.0),
                    is_final=record.is_final,
                    recorded=True,
                    overridden=bool(record.override_status),
                    override_reason=record.override_reason,
                    first_joined_at=record.first_joined_at,
                    last_left_at=record.last_left_at,
                )
            )
            continue
        score = computed[pk]
        segments = counted.get(pk, [])
        starts = [s.start for s in segments if s.start]
        ends = [s.end for s in segments if s.end]
        rows.append(
            RegisterRow(
                student=student,
                status=score.status.value,
                computed_status=score.status.value,
                attended_seconds=score.attended_seconds,
                share=min(score.attended_seconds / window_seconds, 1.0),
                is_final=False,
                recorded=False,
                overridden=False,
                override_reason="",
                first_joined_at=min(starts) if starts else None,
                last_left_at=max(ends) if ends else None,
            )
        )
    rows.sort(key=lambda r: ((r.student.name or r.student.email).casefold(), r.student.pk))

    guests: list[GuestAttendance] = []
    if guest_record_visible(viewer, manages=manages):
        guests = list(
            GuestAttendance.objects.filter(meeting=meeting)
            .select_related("guest")
            .order_by("guest__name", "guest_id")
        )

    timeline = _timeline(sessions, expected, manages=manages, counts=counts)
    final = bool(rows) and all(r.is_final for r in rows)
    return Register(
        meeting=meeting,
        manages=manages,
        window_start=start,
        window_end=end,
        final=final,
        rows=rows,
        guests=guests,
        timeline=timeline,
    )


def _timeline(
    sessions: list[ParticipantSession], students: set[int], *, manages: bool, counts: bool
) -> list[TimelineRow]:
    """One row per person: a matched person (student, teacher) by account, a guest by their
    invitation, anyone else by their Zoom participant key. Sorted by name."""
    rows: dict[str, TimelineRow] = {}
    for s in sessions:
        vouched = s.user_id is not None and (s.verified or counts)
        is_student = vouched and s.role == ParticipantRole.STUDENT
        if not manages and not (is_student and s.user_id in students):
            continue
        if vouched:
            key, name = f"u{s.user_id}", s.user.name or s.name  # type: ignore[union-attr]
        elif s.guest_id is not None:
            key, name = f"g{s.guest_id}", s.guest.name or s.name  # type: ignore[union-attr]
        else:
            key, name = f"p{s.participant_key}", s.name or s.email
        row = rows.get(key)
        if row is None:
            row = rows[key] = TimelineRow(
                key=key,
                name=name,
                role=s.role,
                student_id=s.user_id if is_student else None,
            )
        row.segments.append(RegisterSegment(s.joined_at, s.left_at, s.verified))
    return sorted(rows.values(), key=lambda r: (r.name.casefold(), r.key))
