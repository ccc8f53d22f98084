"""What is busy when a class is scheduled, and the times it could take: the sessions of the
class's teachers (those they host or teach), of the class itself and of its students' other
classes, in one query, plus the teachers' connected calendars' free/busy when they have one.
The arithmetic is `meetings.availability` (pure); access is the caller's (the GraphQL
resolvers check `access_class(..., to="manage")` first)."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    ExpressionWrapper,
    F,
    Q,
    Value,
    When,
)
from django.utils.translation import gettext as _

from meetings.availability import (
    Interval,
    SchoolHours,
    intervals_merge,
    intervals_subtract,
    overlapping,
    slots_suggest,
)
from meetings.calendar_sync.factory import provider_for
from meetings.calendar_sync.models import CalendarConnection
from meetings.calendar_sync.providers.base import (
    CalendarAuthError,
    CalendarError,
    CalendarRateLimited,
    CalendarUnavailable,
)
from meetings.models import Meeting
from meetings.policy import meetings_visible
from meetings.selectors import scheduling_policy
from tenants.accounts.models import User
from tenants.school.models import Enrolment, SchoolClass
from tenants.selectors import school_timezone

logger = logging.getLogger(__name__)

MAX_WINDOW = timedelta(days=62)  # suggestions look at most two months ahead at a time
MAX_SUGGESTIONS = 50  # `first` is capped here
MAX_DURATION_MINUTES = 24 * 60
# A class's teachers rarely have more than one or two calendars between them; each is a call
# someone waits on.
MAX_CALENDARS = 4
# What one free/busy request covers (Google's freeBusy is asked for at most 31 days at a time),
# and how many such requests one question (a suggestion, a clash check) makes at most, over
# all the calendars asked: they are made one after the other while someone waits. A series'
# occurrences beyond what that covers are not checked against the calendars.
CALENDAR_SPAN = timedelta(days=31)
MAX_CALENDAR_REQUESTS = 12


class BusyKind(StrEnum):
    TEACHER_SESSION = "teacher_session"
    CLASS_SESSION = "class_session"
    STUDENT_SESSION = "student_session"
    TEACHER_CALENDAR = "teacher_calendar"


@dataclass(frozen=True)
class Busy:
    """A busy time: a session (with its id and title) or a calendar's busy block (neither)."""

    kind: BusyKind
    start: datetime
    end: datetime
    meeting_id: int | None = None
    title: str = ""


@dataclass(frozen=True)
class CalendarBusy:
    busy: list[Busy] = field(default_factory=list)
    checked: bool = False  # every connected calendar of the class's teachers answered
    problem: str | None = None  # why one could not be asked (our words)


@dataclass(frozen=True)
class Suggestions:
    slots: list[Interval]
    timezone: str
    calendar: CalendarBusy


@dataclass(frozen=True)
class Clash:
    kind: BusyKind
    start: datetime
    end: datetime
    occurrence_start: datetime
    title: str | None  # None when the viewer may not see the session, and for calendars
    meeting_id: int | None


# --- the school's hours --------------------------------------------------------------------------


def school_hours() -> SchoolHours:
    """The school's hours (`SchedulingPolicy`) in its timezone (`Organisation.timezone`)."""
    policy = scheduling_policy()
    return SchoolHours(
        day_start=policy.day_start,
        day_end=policy.day_end,
        school_days=frozenset(int(d) for d in policy.school_days),
        timezone=school_timezone(),
    )


# --- sessions ------------------------------------------------------------------------------------


def _overlapping_any(windows: Sequence[Interval]) -> Q:
    """Sessions overlapping any of `windows` (a session ends `duration_minutes` after it
    starts: the `end_at` annotation)."""
    rule = Q()
    for window in windows:
        rule |= Q(start_time__lt=window.end, end_at__gt=window.start)
    return rule


def class_sessions_busy(
    *,
    school_class: SchoolClass,
    windows: Sequence[Interval],
    exclude_meeting_ids: Collection[int] = (),
) -> tuple[list[Busy], list[Interval]]:
    """The sessions, not cancelled, that overlap any of `windows` and take the class's time:
    its own (CLASS_SESSION), its teachers' (hosted, or of a class they teach: TEACHER_SESSION)
    and its students' other classes' (STUDENT_SESSION); one query whatever the number of
    students; `exclude_meeting_ids` left out. Also returned: the times of the teachers'
    sessions, the excluded ones included, which their connected calendars hold too (written
    there by the calendar sync)."""
    if not windows:
        return [], []
    teachers = SchoolClass.teachers.through.objects.filter(schoolclass_id=school_class.pk).values(
        "user_id"
    )
    taught = SchoolClass.teachers.through.objects.filter(user_id__in=teachers).values(
        "schoolclass_id"
    )
    students = Enrolment.objects.filter(school_class_id=school_class.pk).values("student_id")
    attended = Enrolment.objects.filter(student_id__in=students).values("school_class_id")
    teaching = Q(host_id__in=teachers) | Q(school_class_id__in=taught)
    longest = timedelta(minutes=MAX_DURATION_MINUTES)
    rows = (
        Meeting.objects.exclude(status=Meeting.Status.CANCELLED)
        # The index on start_time narrows first; the exact overlap follows.
        .filter(
            start_time__gte=min(w.start for w in windows) - longest,
            start_time__lt=max(w.end for w in windows),
        )
        .annotate(
            end_at=ExpressionWrapper(
                F("start_time") + F("duration_minutes") * timedelta(minutes=1),
                output_field=DateTimeField(),
            ),
            teaching=Case(
                When(teaching, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
        )
        .filter(_overlapping_any(windows))
        .filter(Q(school_class_id=school_class.pk) | teaching | Q(school_class_id__in=attended))
        .order_by()
        .values_list("pk", "school_class_id", "start_time", "end_at", "title", "teaching")
    )
    busy: list[Busy] = []
    teachers_times: list[Interval] = []
    for pk, class_id, start, end, title, is_teaching in rows:
        if is_teaching:
            teachers_times.append(Interval(start, end))
        if pk in exclude_meeting_ids:
            continue
        if class_id == school_class.pk:
            kind = BusyKind.CLASS_SESSION
        elif is_teaching:
            kind = BusyKind.TEACHER_SESSION
        else:
            kind = BusyKind.STUDENT_SESSION
        busy.append(Busy(kind=kind, start=start, end=end, meeting_id=pk, title=title))
    return busy, teachers_times


# --- connected calendars -------------------------------------------------------------------------


def calendar_spans(windows: Sequence[Interval], *, budget: int) -> tuple[list[Interval], bool]:
    """The spans to ask a calendar's free/busy for so that `windows` are covered: the windows
    merged, then joined in order while a span stays within `CALENDAR_SPAN` (one request each;
    a window longer than that costs a request per `CALENDAR_SPAN`), the earliest first, at most
    `budget` requests. Also: whether every window is covered."""
    spans: list[Interval] = []
    for window in intervals_merge(windows):
        if spans and window.end - spans[-1].start <= CALENDAR_SPAN:
            spans[-1] = Interval(spans[-1].start, window.end)
        else:
            spans.append(window)
    asked: list[Interval] = []
    used = 0
    for span in spans:
        cost = -(-(span.end - span.start) // CALENDAR_SPAN)  # ceiling
        if used + cost > budget:
            return asked, False
        asked.append(span)
        used += cost
    return asked, True


def teachers_calendar_busy(
    *, school_class: SchoolClass, windows: Sequence[Interval], ours: Sequence[Interval] = ()
) -> CalendarBusy:
    """The busy times of the class's teachers' connected calendars within `windows`, less
    `ours` (the teachers' sessions, which the calendar sync wrote there: they are busy already,
    and a session being moved is not busy at its old time). Only the windows are asked for, at
    most `MAX_CALENDAR_REQUESTS` requests in all (the earliest windows first: `checked` is
    False when some were left out). A calendar that cannot be asked gives `checked=False` and
    a reason, never an error; a grant found revoked has been marked and its owner told by the
    token source (`meetings.calendar_sync.tokens`)."""
    connections = list(
        CalendarConnection.objects.filter(
            user__in=school_class.teachers.all(), status=CalendarConnection.Status.ACTIVE
        ).order_by("pk")[:MAX_CALENDARS]
    )
    if not connections or not windows:
        return CalendarBusy()
    spans, complete = calendar_spans(
        windows, budget=max(1, MAX_CALENDAR_REQUESTS // len(connections))
    )
    if not complete:
        logger.info(
            "free/busy asked for %d spans up to %s only, of windows up to %s",
            len(spans),
            spans[-1].end if spans else None,
            max(w.end for w in windows),
        )
    found: list[Interval] = []
    for connection in connections:
        try:
            provider = provider_for(connection, interactive=True)
            for span in spans:
                found.extend(
                    Interval(b.start, b.end) for b in provider.busy(start=span.start, end=span.end)
                )
        except CalendarError as exc:
            return CalendarBusy(problem=_calendar_problem(connection, _calendar_reason(exc)))
        except Exception:  # noqa: BLE001 - a calendar must never fail the scheduling form
            logger.exception("free/busy of calendar connection %s failed", connection.pk)
            return CalendarBusy(problem=_calendar_problem(connection, ""))
    return CalendarBusy(
        busy=[
            Busy(kind=BusyKind.TEACHER_CALENDAR, start=i.start, end=i.end)
            for i in intervals_subtract(found, ours)
        ],
        checked=complete,
    )


def _calendar_reason(exc: CalendarError) -> str:
    """Why a calendar could not be asked, in the reader's language (the provider error's own
    message is English, for the logs)."""
    if isinstance(exc, CalendarAuthError):
        return _("it needs connecting again")
    if isinstance(exc, CalendarRateLimited):
        return _("it is busy; try again in a minute")
    if isinstance(exc, CalendarUnavailable):
        return _("it could not be reached")
    return _("it refused the request")


def _calendar_problem(connection: CalendarConnection, reason: str) -> str:
    calendar = connection.get_provider_display()
    if reason:
        return _("%(calendar)s could not be checked: %(reason)s") % {
            "calendar": calendar,
            "reason": reason,
        }
    return _("%(calendar)s could not be checked.") % {"calendar": calendar}


# --- suggestions and clashes ---------------------------------------------------------------------


def times_check(
    *,
    duration_minutes: int,
    start: datetime,
    now: datetime,
    end: datetime | None = None,
    max_span: timedelta | None = None,
) -> None:
    """ValidationError (per field) for a duration, a start or a window (`end`, at most
    `max_span` after `start`) that cannot be searched: times without a zone, and times more
    than a year ago or beyond the scheduling horizon, are refused."""
    errors: dict[str, str] = {}
    if not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = _("A class lasts 1 minute to 24 hours.")
    last = end if end is not None else start
    years = settings.LIVEROLL_SCHEDULE_YEARS_AHEAD
    if start.tzinfo is None or last.tzinfo is None:
        errors["start"] = _("Times need a timezone.")
    elif start < now - timedelta(days=366) or last > now + timedelta(days=366 * (years + 1)):
        errors["start"] = _("Times from a year ago to %(years)s years ahead can be searched.") % {
            "years": years
        }
    elif end is not None and end <= start:
        errors["end"] = _("The end of the search comes before its start.")
    elif end is not None and max_span is not None and end - start > max_span:
        errors["end"] = _("Look at most %(days)s days ahead at a time.") % {"days": max_span.days}
    if errors:
        raise ValidationError(errors)


def class_slots_suggest(
    *,
    school_class: SchoolClass,
    duration_minutes: int,
    start: datetime,
    end: datetime,
    first: int,
    now: datetime,
) -> Suggestions:
    """Times in [start, end) (not before `now`) within school hours when the class's teachers,
    the class and its students are free, and the teachers' connected calendars too."""
    times_check(
        duration_minutes=duration_minutes, start=start, end=end, now=now, max_span=MAX_WINDOW
    )
    hours = school_hours()
    start = max(start, now)
    if start >= end:
        return Suggestions(slots=[], timezone=hours.timezone, calendar=CalendarBusy())
    sessions, ours = class_sessions_busy(school_class=school_class, windows=[Interval(start, end)])
    calendar = teachers_calendar_busy(
        school_class=school_class, windows=[Interval(start, end)], ours=ours
    )
    slots = slots_suggest(
        hours=hours,
        busy=[*sessions, *calendar.busy],
        duration=timedelta(minutes=duration_minutes),
        start=start,
        end=end,
        first=min(first, MAX_SUGGESTIONS),
    )
    return Suggestions(slots=slots, timezone=hours.timezone, calendar=calendar)


def class_clashes(
    *,
    viewer: User,
    school_class: SchoolClass,
    starts: Sequence[datetime],
    duration_minutes: int,
    exclude_meeting_ids: Collection[int] = (),
) -> list[Clash]:
    """What the planned class (each of `starts`, lasting `duration_minutes`) would clash with:
    sessions of its teachers, of the class and of its students, and its teachers' calendars.
    A session's title and id are given only when `viewer` may see it."""
    length = timedelta(minutes=duration_minutes)
    planned = [Interval(s, s + length) for s in starts]
    if not planned:
        return []
    sessions, ours = class_sessions_busy(
        school_class=school_class, windows=planned, exclude_meeting_ids=exclude_meeting_ids
    )
    # Only the planned occurrences' times are asked for, not the whole span of the series.
    calendar = teachers_calendar_busy(school_class=school_class, windows=planned, ours=ours)
    pairs = overlapping(planned, [*sessions, *calendar.busy])
    ids = {b.meeting_id for _, b in pairs if b.meeting_id is not None}
    seen = (
        set(meetings_visible(viewer).filter(pk__in=ids).values_list("pk", flat=True))
        if ids
        else set()
    )
    return [
        Clash(
            kind=b.kind,
            start=b.start,
            end=b.end,
            occurrence_start=want.start,
            title=b.title if b.meeting_id in seen else None,
            meeting_id=b.meeting_id if b.meeting_id in seen else None,
        )
        for want, b in pairs
    ]
