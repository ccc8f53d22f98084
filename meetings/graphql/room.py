"""The one place meetings' GraphQL reads attendance (the documented exception to the layers):
the Meeting type's `participants`, `attendance` and `guestAttendance` fields —
their types, the rows to prefetch for them, and building them under attendance's visibility
rule. Nothing else in meetings imports attendance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from django.db.models import Prefetch

from attendance.models import AttendanceRecord as AttendanceRecordRow
from attendance.models import GuestAttendance as GuestAttendanceRow
from attendance.models import ParticipantSession
from attendance.policy import guest_record_visible, student_record_visible
from meetings.models import Meeting
from tenants.accounts.models import Role
from tenants.accounts.models import User as UserRow
from tenants.graphql.types import ROLE_FROM_CODE, User, user_from
from tenants.graphql.types import Role as Role_
from tenants.school.models import ParentLink


@strawberry.enum
class AttendanceStatus(Enum):
    PRESENT = "present"
    PARTIAL = "partial"
    ABSENT = "absent"
    EXCUSED = "excused"


@strawberry.enum
class ParticipantRole(Enum):
    HOST = "host"
    TEACHER = "teacher"
    STUDENT = "student"
    GUEST = "guest"


@strawberry.type
class Participant:
    key: str
    name: str
    role: ParticipantRole
    joined_at: datetime | None
    left_at: datetime | None
    verified: bool = strawberry.field(
        description="Zoom (a personal join link, a guest's included) or a teacher vouches for who"
        " this is; false for someone unidentified and for a name or email typed into Zoom that"
        " no teacher confirmed yet."
    )


@strawberry.type
class AttendanceRecord:
    student: User
    status: AttendanceStatus
    attended_seconds: int
    is_final: bool
    overridden: bool
    override_reason: str


@strawberry.type(description="A guest's attendance (no account; not a student of the class).")
class GuestAttendanceRecord:
    guest_id: strawberry.ID
    name: str
    role: ParticipantRole
    status: AttendanceStatus
    attended_seconds: int
    is_final: bool


def prefetches(fields: frozenset[str]) -> list[str | Prefetch[Any]]:
    """What to prefetch with the meetings for the guests' records, when selected (fresh
    Prefetch objects each time: they are not shared between requests). Participants and
    students' records are loaded by `load` instead."""
    lookups: list[str | Prefetch[Any]] = []
    if "guestAttendance" in fields:
        lookups.append(
            Prefetch(
                "guest_attendance",
                queryset=GuestAttendanceRow.objects.select_related("guest").order_by(
                    "guest__name", "guest_id"
                ),
            )
        )
    return lookups


_PARTICIPANTS = "_room_participants"  # list[Participant] on each row, set by load()
_RECORDS = "_room_records"  # list[_Record] on each row, set by load()


@dataclass(frozen=True, slots=True)
class _Record:
    """A student's record as the visibility rule needs it: the built type, whose it is and
    the ids of that student's parents (only when the viewer is a parent)."""

    record: AttendanceRecord
    student_id: int
    parent_ids: frozenset[int]


def load(meetings: list[Meeting], fields: frozenset[str], viewer: UserRow | None) -> None:
    """The room fields `fields` select, for every meeting at once: one query each for the
    participants and the records (two with a parent viewing), however many meetings and
    people. Plain values, not model instances: a dashboard page holds a thousand rows, and
    Django's prefetching builds an instance and a related manager per row, which cost ten
    times the SQL."""
    ids = [m.pk for m in meetings]
    if "participants" in fields:
        participants: dict[int, list[Participant]] = {pk: [] for pk in ids}
        rows = (
            ParticipantSession.objects.filter(meeting_id__in=ids)
            .order_by("joined_at", "id")
            .values_list(
                "meeting_id", "participant_key", "name", "email", "role", "joined_at",
                "left_at", "verified",
            )
        )  # fmt: skip
        for meeting_id, key, name, email, role, joined_at, left_at, verified in rows:
            participants[meeting_id].append(
                Participant(
                    key=key,
                    name=name or email or "Participant",
                    role=ParticipantRole(role),
                    joined_at=joined_at,
                    left_at=left_at,
                    verified=verified,
                )
            )
        for meeting in meetings:
            setattr(meeting, _PARTICIPANTS, participants[meeting.pk])
    if "attendance" in fields:
        _records_load(meetings, viewer)


def _records_load(meetings: list[Meeting], viewer: UserRow | None) -> None:
    records: dict[int, list[_Record]] = {m.pk: [] for m in meetings}
    rows = list(
        AttendanceRecordRow.objects.filter(meeting_id__in=list(records))
        .order_by("id")
        .values_list(
            "meeting_id", "student_id", "student__email", "student__name", "student__role",
            "computed_status", "override_status", "attended_seconds", "is_final",
            "override_reason",
        )
    )  # fmt: skip
    # Only a parent's view depends on who a student's parents are (attendance.policy).
    parents: dict[int, set[int]] = {}
    if viewer is None or viewer.role == Role.PARENT:
        links = ParentLink.objects.filter(student_id__in={row[1] for row in rows})
        for student_id, parent_id in links.values_list("student_id", "parent_id"):
            parents.setdefault(student_id, set()).add(parent_id)
    students: dict[int, User] = {}  # one User per student, shared by their records
    for row in rows:
        meeting_id, student_id, email, name, role, computed, override, seconds, final, reason = row
        student = students.get(student_id)
        if student is None:
            student = students[student_id] = User(
                id=strawberry.ID(str(student_id)),
                email=email,
                name=name or email,
                role=ROLE_FROM_CODE.get(role, Role_.STUDENT),
            )
        record = AttendanceRecord(
            student=student,
            status=AttendanceStatus(override or computed),
            attended_seconds=seconds,
            is_final=final,
            overridden=bool(override),
            override_reason=reason,
        )
        records[meeting_id].append(
            _Record(record, student_id, frozenset(parents.get(student_id, ())))
        )
    for meeting in meetings:
        setattr(meeting, _RECORDS, records[meeting.pk])


def participant_from(session: ParticipantSession) -> Participant:
    return Participant(
        key=session.participant_key,
        name=session.name or session.email or "Participant",
        role=ParticipantRole(session.role),
        joined_at=session.joined_at,
        left_at=session.left_at,
        verified=session.verified,
    )


def record_from(record: AttendanceRecordRow) -> AttendanceRecord:
    return AttendanceRecord(
        student=user_from(record.student),
        status=AttendanceStatus(record.status),
        attended_seconds=record.attended_seconds,
        is_final=record.is_final,
        overridden=bool(record.override_status),
        override_reason=record.override_reason,
    )


def participants_of(meeting: Meeting, *, manages: bool) -> list[Participant]:
    """The room: for those who manage the meeting only."""
    if not manages:
        return []
    if not hasattr(meeting, _PARTICIPANTS):
        load([meeting], frozenset({"participants"}), None)
    participants: list[Participant] = getattr(meeting, _PARTICIPANTS)
    return participants


def attendance_of(meeting: Meeting, viewer: UserRow, *, manages: bool) -> list[AttendanceRecord]:
    if not hasattr(meeting, _RECORDS):
        _records_load([meeting], viewer)
    records: list[_Record] = getattr(meeting, _RECORDS)
    return [
        r.record
        for r in records
        if student_record_visible(
            viewer, student_id=r.student_id, parent_ids=r.parent_ids, manages=manages
        )
    ]


def guest_attendance_of(
    meeting: Meeting, viewer: UserRow, *, manages: bool
) -> list[GuestAttendanceRecord]:
    """Guests' records, shown as guests: to those who manage the meeting only."""
    if not guest_record_visible(viewer, manages=manages):
        return []
    return [
        GuestAttendanceRecord(
            guest_id=strawberry.ID(str(r.guest_id)),
            name=r.guest.name,
            role=ParticipantRole.GUEST,
            status=AttendanceStatus(r.status),
            attended_seconds=r.attended_seconds,
            is_final=r.is_final,
        )
        for r in meeting.guest_attendance.all()
    ]
