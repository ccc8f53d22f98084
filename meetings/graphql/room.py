"""The one place meetings' GraphQL reads attendance (the documented exception to the layers):
the Meeting type's `participants`, `attendance` and `guestAttendance` fields —
their types, the rows to prefetch for them, and building them under attendance's visibility
rule. Nothing else in meetings imports attendance."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from django.db.models import Prefetch

from attendance.models import AttendanceRecord as AttendanceRecordRow
from attendance.models import GuestAttendance as GuestAttendanceRow
from attendance.models import ParticipantSession
from attendance.policy import guest_record_visible, record_visible
from meetings.models import Meeting
from tenants.accounts.models import User as UserRow
from tenants.graphql.types import User, user_from


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
    """What to prefetch with the meetings for the room fields a query selected (fresh
    Prefetch objects each time: they are not shared between requests)."""
    lookups: list[str | Prefetch[Any]] = []
    if "participants" in fields:
        lookups.append(
            Prefetch(
                "participant_sessions",
                queryset=ParticipantSession.objects.order_by("joined_at", "id"),
            )
        )
    if "attendance" in fields:
        lookups.append(
            Prefetch(
                "attendance_records",
                queryset=AttendanceRecordRow.objects.select_related("student").prefetch_related(
                    "student__parent_links"
                ),
            )
        )
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
    return [participant_from(s) for s in meeting.participant_sessions.all()]


def attendance_of(meeting: Meeting, viewer: UserRow, *, manages: bool) -> list[AttendanceRecord]:
    return [
        record_from(r)
        for r in meeting.attendance_records.all()
        if record_visible(viewer, r, manages=manages)
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
