"""GraphQL types. Plain strawberry types built from model rows by `*_from` functions, so that
nothing is resolved lazily later (on a websocket, lazily means outside the tenant's schema).
Visibility of nested lists is decided when the type is built, through the policy modules."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from tenants.accounts.models import Role as RoleCode


@strawberry.enum
class Role(Enum):
    ADMIN = "admin"
    TEACHER = "teacher"
    STUDENT = "student"
    PARENT = "parent"


ROLE_FROM_CODE = {
    RoleCode.ADMIN: Role.ADMIN,
    RoleCode.TEACHER: Role.TEACHER,
    RoleCode.STUDENT: Role.STUDENT,
    RoleCode.PARENT: Role.PARENT,
}


@strawberry.enum
class MeetingStatus(Enum):
    SCHEDULED = "scheduled"
    STARTED = "started"
    ENDED = "ended"
    CANCELLED = "cancelled"


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


@strawberry.enum
class MeetingWhen(Enum):
    UPCOMING = "upcoming"
    LIVE = "live"
    PAST = "past"


@strawberry.enum
class TargetAudience(Enum):
    ALL = "all"
    STUDENTS = "students"
    TEACHERS = "teachers"
    CLASS = "class"
    PERSONAL = "personal"


@strawberry.enum
class Frequency(Enum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@strawberry.enum
class ParticipantEventKind(Enum):
    SNAPSHOT = "snapshot"
    JOINED = "joined"
    LEFT = "left"
    STATUS = "status"


@strawberry.type
class User:
    id: strawberry.ID
    email: str
    name: str
    role: Role


def user_from(row) -> User:
    return User(
        id=strawberry.ID(str(row.pk)),
        email=row.email,
        name=row.name or row.email,
        role=ROLE_FROM_CODE.get(row.role, Role.STUDENT),
    )


@strawberry.type
class Person:
    """Someone as others see them: a name."""

    id: strawberry.ID
    name: str


def person_from(row) -> Person:
    return Person(id=strawberry.ID(str(row.pk)), name=row.name or row.email)


@strawberry.type
class SchoolClass:
    id: strawberry.ID
    name: str
    teachers: list[Person]
    students: list[User]


@strawberry.type
class Participant:
    key: str
    name: str
    role: ParticipantRole
    joined_at: datetime | None
    left_at: datetime | None


@strawberry.type
class AttendanceRecord:
    student: User
    status: AttendanceStatus
    attended_seconds: int
    is_final: bool
    overridden: bool
    override_reason: str


@strawberry.type
class Registrant:
    user: User
    status: str
    zoom_registrant_id: str
    last_error: str


@strawberry.type
class RecordingFile:
    file_type: str
    play_url: str


@strawberry.type
class Recording:
    share_url: str
    files: list[RecordingFile]


@strawberry.type
class Meeting:
    id: strawberry.ID
    title: str
    description: str
    status: MeetingStatus
    start_time: datetime
    duration_minutes: int
    timezone: str
    zoom_meeting_id: str | None
    target_audience: TargetAudience
    registration_enabled: bool
    class_id: strawberry.ID | None
    class_name: str | None
    teacher: Person
    started_at: datetime | None
    ended_at: datetime | None
    can_manage: bool
    participants: list[Participant]
    attendance: list[AttendanceRecord]
    registrants: list[Registrant]
    recordings: list[Recording]


@strawberry.type
class MeetingPage:
    items: list[Meeting]
    total_count: int
    has_more: bool


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


@strawberry.type
class AuditEntry:
    id: strawberry.ID
    created_at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    details: strawberry.scalars.JSON


@strawberry.type
class AuditPage:
    items: list[AuditEntry]
    total_count: int


@strawberry.type
class ZoomTest:
    ok: bool
    outcome: str
    message: str
    tested_at: datetime | None


@strawberry.type
class ZoomSettings:
    """Secrets are write-only: only whether they are set, and their last four characters."""

    client_id: str
    client_secret_hint: str
    account_id: str
    account_host_user: str
    redirect_url: str
    webhook_secret_hint: str
    api_base_url: str
    oauth_base_url: str
    last_test: ZoomTest | None


@strawberry.type
class ZoomConnection:
    status: str
    zoom_email: str
    expires_at: datetime | None
    scopes: list[str]
    last_error: str


@strawberry.type
class AttendancePolicy:
    present_minutes: int | None
    present_share: float | None
    grace_minutes: int


@strawberry.type
class UnmatchedParticipant:
    key: str
    name: str
    email: str


@strawberry.type
class FieldError:
    """What went wrong, for people: `field` is the input field, or null for the whole."""

    field: str | None
    message: str
    code: str


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


@strawberry.type
class Notification:
    kind: str
    data: strawberry.scalars.JSON
