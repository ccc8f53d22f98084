"""Attendance and the live room as GraphQL shows them. The room's own types (Participant,
AttendanceRecord, ...) are defined with the Meeting type that carries them
(`meetings.graphql.room`) and re-exported here, so attendance's resolvers and subscriptions
name every type through this module."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

# Re-exported (the `X as X` form says so to mypy and ruff).
from meetings.graphql.room import AttendanceRecord as AttendanceRecord
from meetings.graphql.room import AttendanceStatus as AttendanceStatus
from meetings.graphql.room import GuestAttendanceRecord as GuestAttendanceRecord
from meetings.graphql.room import Participant as Participant
from meetings.graphql.room import ParticipantRole as ParticipantRole
from meetings.graphql.types import Meeting as Meeting
from meetings.graphql.types import MeetingStatus as MeetingStatus
from tenants.graphql.types import Person as Person
from tenants.graphql.types import User as User


@strawberry.enum
class ParticipantEventKind(Enum):
    SNAPSHOT = "snapshot"
    JOINED = "joined"
    LEFT = "left"
    STATUS = "status"
    ATTENDANCE = "attendance"


@strawberry.type
class LiveClass:
    id: strawberry.ID
    title: str
    teacher: Person
    started_at: datetime | None
    participant_count: int


@strawberry.type
class AttendanceCell:
    meeting_id: strawberry.ID
    status: AttendanceStatus | None
    attended_seconds: int
    is_final: bool = False


@strawberry.type
class AttendanceRow:
    student: User
    cells: list[AttendanceCell]


@strawberry.type
class ClassAttendance:
    meetings: list[Meeting]
    rows: list[AttendanceRow]


@strawberry.type
class StudentAttendance:
    meeting_id: strawberry.ID
    meeting_title: str
    start_time: datetime
    status: AttendanceStatus
    attended_seconds: int
    is_final: bool = strawberry.field(
        description="Scored for good (after the grace period); provisional otherwise."
    )
    class_id: strawberry.ID | None
    class_name: str | None
    overridden: bool
    override_reason: str


@strawberry.type(description="A parent's child and their attendance, newest class first.")
class ChildAttendance:
    student: User
    attendance: list[StudentAttendance]


@strawberry.type(description="One stretch of one person in the room.")
class TimelineSegment:
    joined_at: datetime | None = strawberry.field(
        description="Null: a leave seen without its join (in since the class began)."
    )
    left_at: datetime | None = strawberry.field(description="Null: still in the room.")
    verified: bool


@strawberry.type(description="One person on a session's timeline, with their segments.")
class TimelineRow:
    key: str
    name: str
    role: ParticipantRole
    student_id: strawberry.ID | None = strawberry.field(
        description="The student this row is, when it is a student of the school."
    )
    segments: list[TimelineSegment]


@strawberry.type(description="One expected student in a session's register.")
class RegisterRow:
    student: User
    status: AttendanceStatus
    computed_status: AttendanceStatus = strawberry.field(
        description="What scoring says, before any override."
    )
    attended_seconds: int
    share: float = strawberry.field(description="Of the class's time, 0 to 1.")
    is_final: bool
    recorded: bool = strawberry.field(
        description="False: nothing is stored yet; computed now from who was in the room."
    )
    overridden: bool
    override_reason: str
    first_joined_at: datetime | None
    last_left_at: datetime | None


@strawberry.type(
    description="A session's attendance as the viewer may see it: the register (every expected"
    " student; managers all, a student themself, a parent their children), guests (managers),"
    " and the join/leave timeline."
)
class SessionAttendance:
    meeting_id: strawberry.ID
    can_manage: bool
    window_start: datetime
    window_end: datetime
    final: bool
    rows: list[RegisterRow]
    guests: list[GuestAttendanceRecord]
    timeline: list[TimelineRow]


@strawberry.type
class AttendancePolicy:
    present_minutes: int | None
    present_share: float | None
    grace_minutes: int
    unverified_matches_count: bool = strawberry.field(
        description="Whether participants matched only by a name or email typed into Zoom count"
        " before a teacher confirms them (off by default)."
    )


@strawberry.type(
    description="A participant for a teacher to resolve: unidentified, or matched only by the"
    " name or email they typed into Zoom (a claim; `suggested` is whom they claim to be)."
)
class UnmatchedParticipant:
    key: str
    name: str = strawberry.field(description="The name as typed into Zoom.")
    email: str = strawberry.field(description="The email as typed into Zoom, if any.")
    suggested: Person | None = strawberry.field(
        description="Whom the typed name or email matches; confirm with resolveParticipant"
        " (this person's id) or reject with rejectParticipant."
    )
    matched_by: str = strawberry.field(
        description="How `suggested` was found: email, name, remembered_email, remembered_name;"
        " or why there is none: rejected, displaced (that person is here verified), or empty."
    )
    joined_at: datetime | None
    left_at: datetime | None


# --- subscription payloads ------------------------------------------------------------------


@strawberry.type
class ParticipantsEvent:
    kind: ParticipantEventKind
    meeting_id: strawberry.ID
    status: MeetingStatus
    count: int
    participants: list[Participant]


@strawberry.type
class LiveClassesEvent:
    kind: str
    classes: list[LiveClass]
    meeting_id: strawberry.ID | None
    count: int | None


@strawberry.enum
class DataExportStatus(Enum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"


@strawberry.type(description="Everything the school holds about one person, as a JSON file.")
class DataExport:
    id: strawberry.ID
    person_id: strawberry.ID
    status: DataExportStatus
    created_at: datetime
    expires_at: datetime | None
    download_url: str | None = strawberry.field(
        description="While ready: where the person or an admin downloads it (signed in)."
    )
