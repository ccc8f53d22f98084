"""Free times and clashes for scheduling a class: `suggestSlots` and `schedulingClashes`, for
whoever may schedule for the class (its teachers, admins). The busy times and the arithmetic
are `meetings.availability_selectors` and `meetings.availability`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from django.core.exceptions import ValidationError
from django.utils.timezone import now as time_now
from django.utils.translation import gettext as _
from strawberry.types import Info

from meetings import availability_selectors as availability
from meetings.graphql.recurrence import RecurrenceInput, rule_from_input
from meetings.models import Meeting
from meetings.policy import access_class
from meetings.recurrence import RecurrenceError
from meetings.services.scheduling import planned_starts
from tenants.accounts.models import User, timezone_validate
from tenants.graphql.context import NotAllowed, require_user
from tenants.ids import pk_or_none
from tenants.school.models import SchoolClass
from tenants.selectors import school_timezone


@strawberry.type
class Slot:
    start: datetime
    end: datetime


@strawberry.type(description="Times the class could take.")
class SlotSuggestions:
    slots: list[Slot]
    timezone: str = strawberry.field(
        description="The school's, in which school hours were applied."
    )
    calendar_checked: bool = strawberry.field(
        description="The teacher's connected calendar was asked for free/busy."
    )
    calendar_problem: str | None = strawberry.field(
        description="Why it could not be (our words), else null."
    )


@strawberry.enum
class ClashKind(Enum):
    TEACHER_SESSION = "teacher_session"
    CLASS_SESSION = "class_session"
    STUDENT_SESSION = "student_session"
    TEACHER_CALENDAR = "teacher_calendar"


@strawberry.type(description="Something busy at a time the class is planned for.")
class Clash:
    kind: ClashKind
    start: datetime
    end: datetime
    title: str | None = strawberry.field(
        description="Null for calendar busy times and sessions the viewer may not see."
    )
    meeting_id: strawberry.ID | None = strawberry.field(description="Likewise.")
    occurrence_start: datetime = strawberry.field(
        description="Which occurrence of the planned class clashes (the start itself for a "
        "single class)."
    )


def clash_from(row: availability.Clash) -> Clash:
    return Clash(
        kind=ClashKind(row.kind.value),
        start=row.start,
        end=row.end,
        title=row.title,
        meeting_id=strawberry.ID(str(row.meeting_id)) if row.meeting_id is not None else None,
        occurrence_start=row.occurrence_start,
    )


def _for_manage(user: User, class_id: strawberry.ID) -> SchoolClass:
    """The class, if `user` may schedule for it; "No such class." otherwise."""
    return access_class(user, class_id, to="manage")


def _ids(meeting_id: strawberry.ID | None) -> frozenset[int]:
    """The session being moved, if it is one (a garbage id excludes nothing)."""
    pk = pk_or_none(meeting_id) if meeting_id is not None else None
    return frozenset({pk}) if pk is not None else frozenset()


def _refuse(exc: ValidationError) -> NotAllowed:
    return NotAllowed(" ".join(exc.messages))


@strawberry.type
class AvailabilityQuery:
    @strawberry.field(
        description="Times between `from` and `to` within school hours (the school's timezone)"
        " when the class's teachers, the class and its students are free, and the teachers'"
        " connected calendars too; earliest first, spread over the days, at most `first`"
        " (capped at 50). For whoever may schedule for the class."
    )
    def suggest_slots(
        self,
        info: Info,
        class_id: strawberry.ID,
        duration_minutes: int,
        start_from: Annotated[datetime, strawberry.argument(name="from")],
        start_to: Annotated[datetime, strawberry.argument(name="to")],
        first: int = 20,
    ) -> SlotSuggestions:
        user = require_user(info)
        school_class = _for_manage(user, class_id)
        if first < 1:
            raise NotAllowed(_("first must be at least 1."))
        try:
            found = availability.class_slots_suggest(
                school_class=school_class,
                duration_minutes=duration_minutes,
                start=start_from,
                end=start_to,
                first=first,
                now=time_now(),
            )
        except ValidationError as exc:
            raise _refuse(exc) from exc
        return SlotSuggestions(
            slots=[Slot(start=s.start, end=s.end) for s in found.slots],
            timezone=found.timezone,
            calendar_checked=found.calendar.checked,
            calendar_problem=found.calendar.problem,
        )

    @strawberry.field(
        description="What a planned class would clash with: sessions of its teachers, of the"
        " class and of its students, and the teachers' connected calendars; for a series"
        " (`recurrence`, in `timezone`, else the school's) every occurrence, all within the"
        " scheduling horizon (as for scheduling). `meetingId`: the"
        " session being moved (not a clash with itself). For whoever may schedule for the"
        " class."
    )
    def scheduling_clashes(
        self,
        info: Info,
        class_id: strawberry.ID,
        start: datetime,
        duration_minutes: int,
        recurrence: RecurrenceInput | None = None,
        timezone: str | None = None,
        meeting_id: strawberry.ID | None = None,
    ) -> list[Clash]:
        user = require_user(info)
        school_class = _for_manage(user, class_id)
        zone = timezone or school_timezone()
        try:
            timezone_validate(zone)
            availability.times_check(duration_minutes=duration_minutes, start=start, now=time_now())
        except ValidationError as exc:
            raise _refuse(exc) from exc
        try:
            # Occurrences beyond the scheduling horizon are refused, as scheduling them is.
            starts = planned_starts(
                start_time=start, recurrence=rule_from_input(recurrence), timezone_name=zone
            )
        except RecurrenceError as exc:
            raise NotAllowed(str(exc)) from exc
        except ValidationError as exc:
            raise _refuse(exc) from exc
        rows = availability.class_clashes(
            viewer=user,
            school_class=school_class,
            starts=starts,
            duration_minutes=duration_minutes,
            exclude_meeting_ids=_ids(meeting_id),
        )
        return [clash_from(row) for row in rows]


@dataclass(frozen=True)
class Scheduled:
    """A class just scheduled or moved, for its payload's `clashes`."""

    viewer: User
    meeting: Meeting
    whole_series: bool  # every session of its series (just scheduled), or this one (moved)


def clashes_of_scheduled(done: Scheduled) -> list[Clash]:
    """What a class just scheduled (or moved) clashes with, itself left out."""
    meeting = done.meeting
    if meeting.school_class is None:
        return []
    if done.whole_series and meeting.series_id:
        sessions = list(
            Meeting.objects.filter(series_id=meeting.series_id)
            .exclude(status=Meeting.Status.CANCELLED)
            .values_list("pk", "start_time")
        )
    else:
        sessions = [(meeting.pk, meeting.start_time)]
    rows = availability.class_clashes(
        viewer=done.viewer,
        school_class=meeting.school_class,
        starts=[start for _pk, start in sessions],
        duration_minutes=meeting.duration_minutes,
        exclude_meeting_ids={pk for pk, _start in sessions},
    )
    return [clash_from(row) for row in rows]
