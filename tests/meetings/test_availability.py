"""Suggested times (meetings.availability, pure): within school hours on the school's wall
clock, across daylight-saving changes (a time that does not exist that day is not offered, one
that happens twice is offered once), free of every busy interval, earliest first, spread over
the days; and the interval arithmetic under it."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from meetings.availability import (
    MAX_PER_DAY,
    Interval,
    SchoolHours,
    intervals_merge,
    intervals_subtract,
    overlapping,
    slots_suggest,
    wall_instant,
)

NEW_YORK = "America/New_York"  # summer time 2026-03-08 .. 2026-11-01 (changes at 02:00)
LONDON = "Europe/London"  # summer time 2026-03-29 .. 2026-10-25 (changes at 01:00 / 02:00)
DHAKA = "Asia/Dhaka"  # UTC+6 all year
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
HOUR = timedelta(hours=1)


def _hours(tz, start=time(9), end=time(17), days=WEEKDAYS) -> SchoolHours:
    return SchoolHours(day_start=start, day_end=end, school_days=days, timezone=tz)


def _local(slot: Interval, tz: str) -> str:
    return slot.start.astimezone(ZoneInfo(tz)).strftime("%a %m-%d %H:%M")


def _week(tz: str, monday: date) -> tuple[datetime, datetime]:
    start = datetime.combine(monday, time(0), ZoneInfo(tz))
    return start, start + timedelta(days=7)


def _suggest(hours, start, end, *, busy=(), first=50, duration=HOUR, max_per_day=MAX_PER_DAY):
    return slots_suggest(
        hours=hours,
        busy=list(busy),
        duration=duration,
        start=start,
        end=end,
        first=first,
        max_per_day=max_per_day,
    )


# --- daylight saving ------------------------------------------------------------------------------


def test_the_week_after_new_yorks_spring_change_keeps_nine_oclock():
    # given: school days 09:00-17:00 in New York; the clocks went forward on Sunday 8 March
    start, end = _week(NEW_YORK, date(2026, 3, 5))  # Thursday 5 .. Wednesday 11 March

    # when: one slot a day
    slots = _suggest(_hours(NEW_YORK), start, end, max_per_day=1)

    # then: 09:00 by the clock every school day; 14:00 UTC before the change, 13:00 after
    assert [_local(s, NEW_YORK) for s in slots] == [
        "Thu 03-05 09:00",
        "Fri 03-06 09:00",
        "Mon 03-09 09:00",
        "Tue 03-10 09:00",
        "Wed 03-11 09:00",
    ]
    assert [s.start.astimezone(UTC).hour for s in slots] == [14, 14, 13, 13, 13]


def test_the_week_of_londons_autumn_change_keeps_nine_oclock():
    start, end = _week(LONDON, date(2026, 10, 22))  # the clocks go back on Sunday 25 October

    slots = _suggest(_hours(LONDON), start, end, max_per_day=1)

    assert [_local(s, LONDON) for s in slots] == [
        "Thu 10-22 09:00",
        "Fri 10-23 09:00",
        "Mon 10-26 09:00",
        "Tue 10-27 09:00",
        "Wed 10-28 09:00",
    ]
    assert [s.start.astimezone(UTC).hour for s in slots] == [8, 8, 9, 9, 9]


def test_dhaka_has_no_change_and_every_day_is_the_same_in_utc():
    start, end = _week(DHAKA, date(2026, 3, 23))  # the week London changes

    slots = _suggest(_hours(DHAKA), start, end, max_per_day=1)

    assert [_local(s, DHAKA) for s in slots][0] == "Mon 03-23 09:00"
    assert len(slots) == 5
    assert {s.start.astimezone(UTC).time() for s in slots} == {time(3, 0)}


def _night_school(tz, day):
    """A school that meets on the night of a change, 00:00-04:00, every day."""
    hours = _hours(tz, start=time(0), end=time(4), days=EVERY_DAY)
    start = datetime.combine(day, time(0), ZoneInfo(tz))
    return hours, start, start + timedelta(days=1)


def test_a_time_skipped_by_the_spring_change_is_not_offered():
    # given: New York skips 02:00-02:59 on 8 March; half-hour classes, all of them wanted
    hours, start, end = _night_school(NEW_YORK, date(2026, 3, 8))

    # when
    slots = _suggest(hours, start, end, duration=timedelta(minutes=15), max_per_day=99)

    # then: 02:xx is never offered; 03:45 is the last start whose 15 minutes end by 04:00
    shown = [_local(s, NEW_YORK)[-5:] for s in slots]
    assert not [t for t in shown if t.startswith("02:")]
    assert shown[:8] == ["00:00", "00:15", "00:30", "00:45", "01:00", "01:15", "01:30", "01:45"]
    assert shown[8:] == ["03:00", "03:15", "03:30", "03:45"]
    assert len({s.start for s in slots}) == len(slots)


def test_a_time_repeated_by_the_autumn_change_is_offered_once():
    # given: London's clock shows 01:00-01:59 twice on 25 October
    hours, start, end = _night_school(LONDON, date(2026, 10, 25))

    # when
    slots = _suggest(hours, start, end, duration=timedelta(minutes=30), max_per_day=99)

    # then: one 01:00 and one 01:30 (the first of each), and each slot lasts 30 real minutes
    shown = [_local(s, LONDON)[-5:] for s in slots]
    assert shown == ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]
    first_one = slots[2].start
    assert first_one == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 01:00 BST
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)


def test_wall_instant_says_which_times_exist():
    zone = ZoneInfo(NEW_YORK)
    assert wall_instant(date(2026, 3, 8), time(2, 30), zone) is None
    assert wall_instant(date(2026, 3, 8), time(3, 0), zone) == datetime(2026, 3, 8, 7, tzinfo=UTC)
    # ambiguous: the first time (still summer time, UTC-4)
    assert wall_instant(date(2026, 11, 1), time(1, 30), zone) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )


# --- hours, days, busy times ---------------------------------------------------------------------


def test_school_hours_and_days_are_respected():
    # given: 08:30-12:00 on Sunday to Thursday (Dhaka)
    hours = _hours(DHAKA, start=time(8, 30), end=time(12), days=frozenset({6, 0, 1, 2, 3}))
    start, end = _week(DHAKA, date(2026, 5, 4))

    # when
    slots = _suggest(hours, start, end, duration=timedelta(minutes=45), max_per_day=99)

    # then
    zone = ZoneInfo(DHAKA)
    assert slots
    for slot in slots:
        local_start, local_end = slot.start.astimezone(zone), slot.end.astimezone(zone)
        assert local_start.weekday() in {6, 0, 1, 2, 3}
        assert time(8, 30) <= local_start.time() and local_end.time() <= time(12)
        assert local_start.minute % 15 == 0
    # non-overlapping within a day: 08:30, 09:15, 10:00, 10:45 (11:30 would end at 12:15)
    monday = [_local(s, DHAKA) for s in slots if _local(s, DHAKA).startswith("Mon")]
    assert monday == ["Mon 05-04 08:30", "Mon 05-04 09:15", "Mon 05-04 10:00", "Mon 05-04 10:45"]


def test_busy_times_are_avoided_to_the_quarter_hour():
    # given: Monday 09:00-10:15 and 11:00-12:00 busy (Dhaka); an hour-long class
    zone = ZoneInfo(DHAKA)
    monday = date(2026, 5, 4)
    busy = [
        Interval(
            datetime.combine(monday, time(9), zone), datetime.combine(monday, time(10, 15), zone)
        ),
        Interval(
            datetime.combine(monday, time(11), zone), datetime.combine(monday, time(12), zone)
        ),
    ]
    start = datetime.combine(monday, time(0), zone)

    # when
    slots = _suggest(_hours(DHAKA), start, start + timedelta(days=1), busy=busy, max_per_day=99)

    # then: nothing overlaps; 10:15-11:00 is too short for an hour; 12:00 is the next free
    assert [_local(s, DHAKA)[-5:] for s in slots] == ["12:00", "13:00", "14:00", "15:00", "16:00"]


def test_suggestions_are_spread_over_a_month_rather_than_packed_into_its_first_day():
    start, end = _week(LONDON, date(2026, 6, 1))
    end = start + timedelta(days=30)

    slots = _suggest(_hours(LONDON), start, end, first=20)

    days = [s.start.astimezone(ZoneInfo(LONDON)).date() for s in slots]
    assert len(slots) == 20
    assert len(set(days)) == 20  # one a school day
    assert slots == sorted(slots)


def test_a_week_gives_at_most_three_a_day_that_do_not_overlap():
    start, end = _week(LONDON, date(2026, 6, 1))

    slots = _suggest(_hours(LONDON), start, end, first=20)

    assert len(slots) == 15
    by_day: dict = {}
    for slot in slots:
        by_day.setdefault(slot.start.date(), []).append(slot)
    for day_slots in by_day.values():
        assert len(day_slots) == MAX_PER_DAY
        assert all(a.end <= b.start for a, b in zip(day_slots, day_slots[1:], strict=False))


def test_nothing_before_the_window_or_after_it():
    zone = ZoneInfo(LONDON)
    start = datetime(2026, 6, 1, 10, 5, tzinfo=zone)
    end = datetime(2026, 6, 1, 13, 0, tzinfo=zone)

    slots = _suggest(_hours(LONDON), start, end, max_per_day=99)

    assert [_local(s, LONDON)[-5:] for s in slots] == ["10:15", "11:15"]


# --- intervals ----------------------------------------------------------------------------------------


def _at(hour: float) -> datetime:
    return datetime(2026, 1, 5, tzinfo=UTC) + timedelta(hours=hour)


def _iv(a: float, b: float) -> Interval:
    return Interval(_at(a), _at(b))


def test_merge_joins_overlapping_and_touching_intervals():
    merged = intervals_merge([_iv(3, 4), _iv(1, 2), _iv(2, 2.5), _iv(1.5, 1.75), _iv(5, 5)])

    assert merged == [_iv(1, 2.5), _iv(3, 4)]


def test_subtract_leaves_what_is_outside():
    left = intervals_subtract([_iv(1, 5), _iv(6, 7)], [_iv(2, 3), _iv(4, 6.5)])

    assert left == [_iv(1, 2), _iv(3, 4), _iv(6.5, 7)]


def test_overlapping_pairs_planned_times_with_what_they_touch():
    planned = [_iv(1, 2), _iv(5, 6)]
    busy = [_iv(0, 1), _iv(1.5, 3), _iv(0, 10), _iv(6, 7)]

    pairs = overlapping(planned, busy)

    assert pairs == [
        (_iv(1, 2), _iv(0, 10)),
        (_iv(1, 2), _iv(1.5, 3)),
        (_iv(5, 6), _iv(0, 10)),
    ]


intervals = st.lists(
    st.tuples(st.integers(0, 7 * 24 * 4), st.integers(1, 16)).map(
        lambda p: Interval(_at(p[0] / 4), _at(p[0] / 4 + p[1] / 4))
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(
    intervals,
    st.sampled_from([NEW_YORK, LONDON, DHAKA, "Australia/Lord_Howe"]),
    st.integers(15, 180),
    st.integers(1, 30),
)
def test_every_suggestion_is_free_in_hours_and_in_order(busy, tz, minutes, first):
    # given: a week with random busy times
    hours = _hours(tz, start=time(8), end=time(18), days=frozenset({0, 1, 2, 3, 6}))
    start, end = _at(0), _at(7 * 24)

    # when
    slots = _suggest(hours, start, end, busy=busy, first=first, duration=timedelta(minutes=minutes))

    # then
    zone = ZoneInfo(tz)
    assert len(slots) <= first
    assert slots == sorted(set(slots))
    assert not overlapping(slots, busy)
    for slot in slots:
        assert start <= slot.start and slot.end <= end
        assert slot.end - slot.start == timedelta(minutes=minutes)
        local = slot.start.astimezone(zone)
        assert local.weekday() in hours.school_days
        assert time(8) <= local.time() and slot.end.astimezone(zone).time() <= time(18)
        assert slot.end.astimezone(zone).date() == local.date()
