"""Recurring classes expanded by dateutil's RRULE implementation with Zoom's rules: weeks that
start on Sunday, monthly on a day (a month without it skipped) or on the nth / last weekday,
`count` or `until` (the last local day, inclusive), at most 60 occurrences, wall-clock times in
the class's zone across daylight-saving changes. Known cases first, then properties: for any
rule the expansion is what the Zoom sandbox (which stands in for Zoom, written independently
from Zoom's documentation) generates from our `recurrence` object, and what a calendar reading
our iCalendar RRULE generates."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from meetings.calendars import CalendarItem, calendar_build
from meetings.recurrence import (
    MAX_INTERVAL,
    MAX_OCCURRENCES,
    Frequency,
    RecurrenceError,
    RecurrenceRule,
    wall_clocks_at,
)
from zoom_sandbox.occurrences import RecurrenceInvalid, expand

NEW_YORK = "America/New_York"  # summer time 2026-03-08 .. 2026-11-01
LONDON = "Europe/London"  # summer time 2026-03-29 .. 2026-10-25


def _local(starts: list[datetime], tz: str) -> list[str]:
    return [s.astimezone(ZoneInfo(tz)).strftime("%a %Y-%m-%d %H:%M") for s in starts]


def _at(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


# --- known cases -------------------------------------------------------------------------------


def test_every_two_weeks_on_sunday_and_monday_counts_weeks_from_sunday():
    # given: a class every 2 weeks on Sunday and Monday, first asked for on Monday 2 March
    rule = RecurrenceRule(Frequency.WEEKLY, interval=2, weekdays=(6, 0), count=5)

    # when
    starts = rule.occurrences(_at(NEW_YORK, 2026, 3, 2, 18, 0), timezone=NEW_YORK)

    # then: Zoom's week of 2 March began on Sunday 1 March (already past), so the next
    # Sunday-Monday pair is two weeks on; Monday-first weeks would give 8 March instead.
    assert _local(starts, NEW_YORK) == [
        "Mon 2026-03-02 18:00",
        "Sun 2026-03-15 18:00",
        "Mon 2026-03-16 18:00",
        "Sun 2026-03-29 18:00",
        "Mon 2026-03-30 18:00",
    ]


def test_monthly_on_the_31st_skips_months_without_one():
    rule = RecurrenceRule(Frequency.MONTHLY, month_day=31, count=4)

    starts = rule.occurrences(_at(LONDON, 2026, 1, 31, 9, 0), timezone=LONDON)

    assert _local(starts, LONDON) == [
        "Sat 2026-01-31 09:00",
        "Tue 2026-03-31 09:00",
        "Sun 2026-05-31 09:00",
        "Fri 2026-07-31 09:00",
    ]


def test_monthly_on_the_last_friday_and_on_the_second_tuesday():
    last_friday = RecurrenceRule(Frequency.MONTHLY, month_week=-1, month_weekday=4, count=3)
    second_tuesday = RecurrenceRule(Frequency.MONTHLY, month_week=2, month_weekday=1, count=2)

    fridays = last_friday.occurrences(_at(LONDON, 2026, 1, 1, 10, 0), timezone=LONDON)
    tuesdays = second_tuesday.occurrences(_at(LONDON, 2026, 1, 14, 10, 0), timezone=LONDON)

    assert _local(fridays, LONDON) == [
        "Fri 2026-01-30 10:00",
        "Fri 2026-02-27 10:00",
        "Fri 2026-03-27 10:00",
    ]
    # 14 January is after January's second Tuesday (the 13th): February's comes first.
    assert _local(tuesdays, LONDON) == ["Tue 2026-02-10 10:00", "Tue 2026-03-10 10:00"]


def test_until_is_the_last_local_day_inclusive_and_matches_the_same_count():
    # given: a late-evening class in New York (already the next day in UTC)
    first = _at(NEW_YORK, 2026, 4, 6, 23, 30)
    by_until = RecurrenceRule(Frequency.DAILY, interval=2, until=date(2026, 4, 12))
    by_count = RecurrenceRule(Frequency.DAILY, interval=2, count=4)

    # when
    until_starts = by_until.occurrences(first, timezone=NEW_YORK)
    count_starts = by_count.occurrences(first, timezone=NEW_YORK)

    # then: the 12th itself is included, on the local day
    assert _local(until_starts, NEW_YORK)[-1] == "Sun 2026-04-12 23:30"
    assert until_starts == count_starts
    assert len(until_starts) == 4


def test_a_dst_week_in_new_york_keeps_the_wall_clock():
    rule = RecurrenceRule(Frequency.DAILY, count=5)

    starts = rule.occurrences(_at(NEW_YORK, 2026, 3, 6, 9, 0), timezone=NEW_YORK)

    assert {s.astimezone(ZoneInfo(NEW_YORK)).hour for s in starts} == {9}
    # 14:00 UTC in winter (UTC-5), 13:00 UTC from Sunday 8 March (UTC-4)
    assert [s.astimezone(UTC).hour for s in starts] == [14, 14, 13, 13, 13]


def test_a_dst_week_in_london_keeps_the_wall_clock():
    rule = RecurrenceRule(Frequency.WEEKLY, weekdays=(4, 6, 0), count=4)

    starts = rule.occurrences(_at(LONDON, 2026, 10, 23, 9, 0), timezone=LONDON)

    assert _local(starts, LONDON) == [
        "Fri 2026-10-23 09:00",
        "Sun 2026-10-25 09:00",
        "Mon 2026-10-26 09:00",
        "Fri 2026-10-30 09:00",
    ]
    # 08:00 UTC in summer time (UTC+1), 09:00 UTC from Sunday 25 October
    assert [s.astimezone(UTC).hour for s in starts] == [8, 9, 9, 9]


def test_a_wall_time_that_does_not_exist_that_day_is_placed_as_zoom_places_it():
    # given: a 02:30 class in New York, and 8 March 2026 has no 02:30
    rule = RecurrenceRule(Frequency.DAILY, count=3)
    first = _at(NEW_YORK, 2026, 3, 7, 2, 30)

    # when
    starts = rule.occurrences(first, timezone=NEW_YORK)

    # then: the sandbox (Zoom) and we agree, an hour later by the clock on that day
    assert starts == expand(rule.to_zoom(timezone=NEW_YORK), first, NEW_YORK)
    assert _local(starts, NEW_YORK) == [
        "Sat 2026-03-07 02:30",
        "Sun 2026-03-08 03:30",
        "Mon 2026-03-09 02:30",
    ]


def test_sixty_occurrences_by_until_are_allowed_and_sixty_one_are_not():
    first = _at(LONDON, 2026, 1, 1, 9, 0)
    sixty = RecurrenceRule(Frequency.DAILY, until=date(2026, 3, 1))  # 1 Jan .. 1 Mar = 60 days
    sixty_one = RecurrenceRule(Frequency.DAILY, until=date(2026, 3, 2))

    assert len(sixty.occurrences(first, timezone=LONDON)) == MAX_OCCURRENCES
    with pytest.raises(RecurrenceError, match="more than 60 occurrences"):
        sixty_one.occurrences(first, timezone=LONDON)
    with pytest.raises(RecurrenceError, match="1 to 60 occurrences"):
        RecurrenceRule(Frequency.DAILY, count=61)


def test_a_rule_that_ends_before_its_first_class_is_refused():
    rule = RecurrenceRule(Frequency.MONTHLY, month_day=31, until=date(2026, 4, 29))

    with pytest.raises(RecurrenceError, match="no class before it ends"):
        rule.occurrences(_at(LONDON, 2026, 4, 1, 9, 0), timezone=LONDON)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"frequency": "weekly", "count": 2}, "at least one day"),
        ({"frequency": "weekly", "weekdays": (7,), "count": 2}, "0 \\(Monday\\) to 6"),
        ({"frequency": "daily", "interval": 100, "count": 2}, "every 1 to 99 days"),
        ({"frequency": "monthly", "month_day": 32, "count": 2}, "from 1 to 31"),
        ({"frequency": "monthly", "month_week": 5, "month_weekday": 0, "count": 2}, "1 to 4"),
        ({"frequency": "daily"}, "how many times"),
        ({"frequency": "daily", "count": 2, "until": date(2026, 1, 1)}, "how many times"),
    ],
)
def test_rules_zoom_cannot_schedule_are_refused_with_a_reason(values, message):
    with pytest.raises(RecurrenceError, match=message):
        RecurrenceRule(**values)


# --- properties: the sandbox (Zoom) and a calendar agree with us ---------------------------------

ZONES = [
    "UTC",
    NEW_YORK,
    LONDON,
    "Asia/Dhaka",  # no daylight saving
    "Australia/Lord_Howe",  # a half-hour change
    "America/Santiago",  # changes at midnight: some days have no 00:00
    "Pacific/Chatham",  # UTC+12:45 / +13:45
]


@st.composite
def rules(draw) -> RecurrenceRule:
    frequency = draw(st.sampled_from(list(Frequency)))
    values: dict = {
        "frequency": frequency,
        "interval": draw(st.integers(1, MAX_INTERVAL[frequency])),
    }
    if frequency == Frequency.WEEKLY:
        values["weekdays"] = tuple(draw(st.sets(st.integers(0, 6), min_size=1)))
    elif frequency == Frequency.MONTHLY:
        if draw(st.booleans()):
            values["month_day"] = draw(st.integers(1, 31))
        else:
            values["month_week"] = draw(st.sampled_from([-1, 1, 2, 3, 4]))
            values["month_weekday"] = draw(st.integers(0, 6))
    if draw(st.booleans()):
        values["count"] = draw(st.integers(1, MAX_OCCURRENCES))
    else:
        values["until"] = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 3 * 365)))
    return RecurrenceRule(**values)


# Whole minutes, as classes are scheduled; 2026 to 2028 covers several changes of every zone.
first_starts = st.builds(
    lambda minutes: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes),
    st.integers(0, 3 * 365 * 24 * 60),
)


@settings(max_examples=400, deadline=None)
@given(rules(), first_starts, st.sampled_from(ZONES))
def test_any_rule_expands_as_the_zoom_sandbox_expands_it(rule, first, tz):
    # given: what Zoom is sent
    body = rule.to_zoom(timezone=tz)

    # when
    try:
        ours = rule.occurrences(first, timezone=tz)
    except RecurrenceError as exc:
        ours = exc
    try:
        zooms = expand(body, first, tz)
    except RecurrenceInvalid as exc:
        zooms = exc

    # then
    if isinstance(ours, RecurrenceError):
        if "more than" in str(ours):
            # Zoom stops at its limit; we refuse such a rule rather than cut it short.
            assert len(zooms) == MAX_OCCURRENCES
        else:
            assert isinstance(zooms, RecurrenceInvalid)
    else:
        # The sandbox stops a rule after 20 years (ours end inside the scheduling window).
        assume(ours[-1] < first + timedelta(days=19 * 365))
        assert ours == zooms


def _gaps(tz: str) -> list[tuple[datetime, int]]:
    """Each spring change of `tz` in 2026-2028: the first local time that does not exist
    (naive) and how many minutes do not."""
    zone = ZoneInfo(tz)
    found = []
    at = datetime(2026, 1, 1, tzinfo=UTC)
    while at.year < 2029:
        before, after = at.astimezone(zone), (at + timedelta(minutes=30)).astimezone(zone)
        jump = after.utcoffset() - before.utcoffset()
        if jump > timedelta(0):
            change = at + timedelta(minutes=30)
            while (change - timedelta(minutes=1)).astimezone(zone).utcoffset() == after.utcoffset():
                change -= timedelta(minutes=1)
            missing = change.astimezone(zone).replace(tzinfo=None) - jump
            found.append((missing, int(jump.total_seconds() // 60)))
        at += timedelta(minutes=30)
    return found


GAPS = {tz: _gaps(tz) for tz in ZONES}


@st.composite
def rules_starts_zones(draw) -> tuple[RecurrenceRule, datetime, str]:
    """A rule, a first start and a zone; half of them with the first occurrence on a spring
    change at a wall-clock time that does not exist that day (the class starts at that time
    on an earlier day, and the rule's first day is the change)."""
    rule = draw(rules())
    tz = draw(st.sampled_from(ZONES))
    if not GAPS[tz] or draw(st.booleans()):
        return rule, draw(first_starts), tz
    missing, minutes = draw(st.sampled_from(GAPS[tz]))
    wall = missing + timedelta(minutes=draw(st.integers(0, minutes - 1)))
    zone = ZoneInfo(tz)
    if rule.until is not None:  # an end drawn apart from the change would mostly miss it
        rule = replace(rule, until=wall.date() + timedelta(days=draw(st.integers(0, 400))))
    for days in range(1, 63):
        first = (wall - timedelta(days=days)).replace(tzinfo=zone).astimezone(UTC)
        try:
            starts = rule.wall_clock_starts(first, timezone=tz)
        except RecurrenceError:
            continue
        if starts[0].date() == wall.date():
            return rule, first, tz
    return rule, draw(first_starts), tz


def test_an_instant_just_after_a_spring_change_is_two_wall_clock_times():
    # 07:30 UTC on New York's change is 03:30 summer time, and 02:30 (which does not exist
    # that day) read with the offset from before the gap; an hour later it is only 04:30
    ny = ZoneInfo(NEW_YORK)
    walls = wall_clocks_at(datetime(2026, 3, 8, 7, 30, tzinfo=UTC), timezone=NEW_YORK)
    assert [w.replace(tzinfo=None) for w in walls] == [
        datetime(2026, 3, 8, 3, 30),
        datetime(2026, 3, 8, 2, 30),
    ]
    assert all(w.tzinfo is ny and w.astimezone(UTC).hour == 7 for w in walls)
    later = wall_clocks_at(datetime(2026, 3, 8, 8, 30, tzinfo=UTC), timezone=NEW_YORK)
    assert [w.replace(tzinfo=None) for w in later] == [datetime(2026, 3, 8, 4, 30)]
    # from the gap's time, the rule keeps 02:30 on the later days
    rule = RecurrenceRule(Frequency.WEEKLY, weekdays=(6,), count=2)
    assert _local(rule.occurrences(walls[1], timezone=NEW_YORK), NEW_YORK) == [
        "Sun 2026-03-08 03:30",
        "Sun 2026-03-15 02:30",
    ]
    assert _local(rule.occurrences(walls[0], timezone=NEW_YORK), NEW_YORK) == [
        "Sun 2026-03-08 03:30",
        "Sun 2026-03-15 03:30",
    ]


def test_the_gaps_drawn_are_times_that_do_not_exist():
    assert GAPS[NEW_YORK][0] == (datetime(2026, 3, 8, 2, 0), 60)
    assert GAPS["Australia/Lord_Howe"][0][1] == 30
    assert GAPS["America/Santiago"][0][0].time().hour == 0
    assert GAPS["Asia/Dhaka"] == [] and GAPS["UTC"] == []


@settings(max_examples=400, deadline=None)
@given(rules_starts_zones())
def test_any_rule_expands_as_a_calendar_reads_our_rrule(drawn):
    rule, first, tz = drawn
    # given: the series' event as the feed and the invitations write it (DTSTART the first
    # occurrence on the rule's wall clock, with its TZID), read back from the iCalendar text
    try:
        ours = rule.occurrences(first, timezone=tz)
    except RecurrenceError:
        assume(False)
        return
    zone = ZoneInfo(tz)
    wall = first.astimezone(zone)
    # A wall-clock time that happens twice (the autumn change) cannot be told apart in
    # iCalendar (RFC 5545 3.3.5: the first one): a class first scheduled in the repeated hour
    # is not one a calendar can follow. A time that does not exist is covered.
    assume(wall.replace(fold=1 - wall.fold).utcoffset() == wall.utcoffset())
    start = rule.wall_clock_starts(first, timezone=tz)[0]
    body = calendar_build(
        method="PUBLISH",
        items=[
            CalendarItem(
                uid="series@test",
                sequence=0,
                title="Class",
                start=start,
                end=start.astimezone(UTC) + timedelta(hours=1),
                timezone=tz,
                rule=rule,
            )
        ],
    )
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    dtstart = event.decoded("DTSTART")
    text = event["RRULE"].to_ical().decode()

    # when: a calendar expands it
    theirs = [d.astimezone(UTC) for d in islice(rrulestr(text, dtstart=dtstart), 100)]

    # then
    assert theirs == ours
