"""Classes, meetings, registrants and Zoom as GraphQL shows them: plain strawberry types built
eagerly (`meetings.graphql.build`), so nothing is resolved lazily later."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from meetings.graphql.room import AttendanceRecord, GuestAttendanceRecord, Participant
from meetings.guests.graphql.types import Guest
from meetings.invitations.graphql.types import MeetingRsvp, RsvpCounts, RsvpResponse
from meetings.models import SchedulingPolicy as SchedulingPolicyRow
from tenants.graphql.types import Person, User


@strawberry.enum
class MeetingStatus(Enum):
    SCHEDULED = "scheduled"
    STARTED = "started"
    ENDED = "ended"
    CANCELLED = "cancelled"


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


@strawberry.type
class SchoolClass:
    id: strawberry.ID
    name: str
    description: str
    teachers: list[Person]
    students: list[User] = strawberry.field(
        description="The students the viewer may see: all for its teachers and admins, "
        "themselves for a student, their children for a parent."
    )
    student_count: int = strawberry.field(
        description="How many students the class has (all of them, whoever asks)."
    )


@strawberry.type
class Registrant:
    user: User
    status: str
    zoom_registrant_id: str
    last_error: str


@strawberry.enum
class InvitationMailStatus(Enum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


@strawberry.type
class RosterEntry:
    """One invited person of a session, for those who manage it: their Zoom registration
    (null: none yet), the latest invitation mail about it (null: none), their answer (null:
    pending)."""

    user: User
    registration: str | None
    invitation: InvitationMailStatus | None
    rsvp: RsvpResponse | None


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
    series_id: strawberry.ID | None = strawberry.field(
        description="The series of a recurring class's session (null: a single class)."
    )
    teacher: Person
    started_at: datetime | None
    ended_at: datetime | None
    can_manage: bool
    participants: list[Participant]
    attendance: list[AttendanceRecord]
    guest_attendance: list[GuestAttendanceRecord] = strawberry.field(
        description="The guests' attendance (those who manage the meeting only; empty for others)."
    )
    registrants: list[Registrant]
    guests: list[Guest] = strawberry.field(
        description="Guests invited to this session or its series (those who manage it only;"
        " empty for others)."
    )
    join_url: str | None = strawberry.field(
        description="The viewer's own link to join this class (the platform's, never Zoom's); "
        "null for someone who may not join it (its teachers and admins start it instead)."
    )
    my_rsvp: RsvpResponse | None = strawberry.field(
        default=None, description="The viewer's answer to the invitation (null: pending)."
    )
    rsvp_counts: RsvpCounts | None = strawberry.field(
        default=None, description="The invitees' answers, for those who manage the meeting."
    )
    rsvps: list[MeetingRsvp] = strawberry.field(
        default_factory=list,
        description="Each invitee's answer, for those who manage the meeting.",
    )
    roster: list[RosterEntry] = strawberry.field(
        default_factory=list,
        description="Each invited person's registration, invitation and answer, sorted by name"
        " (those who manage the meeting only; empty for others).",
    )


@strawberry.type
class ChildSessions:
    """A parent's child and the classes still to come that the child is in."""

    child: User
    upcoming: list[Meeting]


@strawberry.type
class MeetingPage:
    items: list[Meeting]
    total_count: int
    has_more: bool


@strawberry.type
class ZoomTest:
    ok: bool
    outcome: str = strawberry.field(
        description="ok, not_configured, bad_credentials, wrong_account, missing_scope, "
        "unreachable or error."
    )
    message: str
    tested_at: datetime | None
    zoom_status: int | None = strawberry.field(
        default=None,
        description="What Zoom answered, when it did: its HTTP status.",
    )
    zoom_code: str = strawberry.field(default="", description="Zoom's error code, if it gave one.")


@strawberry.type
class ZoomSettings:
    """Secrets are write-only: only whether they are set, and their last four characters."""

    client_id: str
    client_secret_hint: str
    account_id: str
    account_host_user: str
    # Always the school's own callback (never typed): what to enter in the Zoom app.
    redirect_url: str
    webhook_url: str = strawberry.field(
        description="The school's own event (webhook) endpoint: what to enter in the Zoom app's "
        "event subscription."
    )
    webhook_secret_hint: str
    api_base_url: str
    oauth_base_url: str
    last_test: ZoomTest | None
    configured: bool = strawberry.field(
        description="Client id, client secret and webhook secret token are all set."
    )
    scopes: list[str] = strawberry.field(
        description="The scopes to add to the Zoom app (every call the platform makes)."
    )
    event_types: list[str] = strawberry.field(
        description="The event types to subscribe the Zoom app to."
    )


@strawberry.type
class ZoomConnection:
    status: str
    zoom_email: str
    expires_at: datetime | None
    scopes: list[str]
    last_error: str


@strawberry.type
class SchedulingPolicy:
    """The school's scheduling rules."""

    teachers_may_address_school: bool = strawberry.field(
        description="Teachers may publish classes to the whole school, all students or all "
        "teachers; otherwise only admins may."
    )
    day_start: str = strawberry.field(
        description='When the school day starts ("HH:MM", in `timezone`): suggested times '
        "fall within school hours."
    )
    day_end: str = strawberry.field(description='When the school day ends ("HH:MM").')
    school_days: list[int] = strawberry.field(
        description="The days classes are held, Monday = 0 … Sunday = 6."
    )
    timezone: str = strawberry.field(
        description="The school's timezone, in which school hours apply."
    )


def scheduling_policy_from(row: SchedulingPolicyRow, *, timezone: str) -> SchedulingPolicy:
    return SchedulingPolicy(
        teachers_may_address_school=row.teachers_may_address_school,
        day_start=row.day_start.strftime("%H:%M"),
        day_end=row.day_end.strftime("%H:%M"),
        school_days=sorted(int(d) for d in row.school_days),
        timezone=timezone,
    )
