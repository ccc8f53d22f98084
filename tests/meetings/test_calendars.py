"""The iCalendar builder: what calendars will show is what the platform stores. Each series'
RRULE is expanded by a maintained RRULE implementation (dateutil, which the icalendar library
builds on) and compared with the platform's own expansion (the sessions it stores and creates on
Zoom), across Zoom's rules and daylight-saving changes."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from meetings.calendars import CalendarItem, Override, Person, calendar_build
from meetings.recurrence import Frequency, RecurrenceRule

LONDON = "Europe/London"  # summer time starts 2026-03-29, ends 2026-10-25
NEW_YORK = "America/New_York"  # summer time starts 2026-03-08, ends 2026-11-01


def _series_item(rule: RecurrenceRule, first: datetime, tz: str, **extra) -> CalendarItem:
    # As the invitations give it: the first occurrence on the rule's wall clock.
    starts = rule.wall_clock_starts(first, timezone=tz)
    return CalendarItem(
        uid="series-1@alpha.liveroll",
        sequence=0,
        title="Algebra",
        start=starts[0],
        end=starts[0].astimezone(UTC) + timedelta(minutes=45),
        timezone=tz,
        rule=rule,
        **extra,
    )


def _expand(body: bytes) -> list[datetime]:
    """Every start a calendar computes from the (only) master event, in UTC."""
    calendar = Calendar.from_ical(body)
    (master,) = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e]
    start = master.decoded("DTSTART")
    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=start)
    excluded = set()
    for exdate in (
        master.get("EXDATE", [])
        if isinstance(master.get("EXDATE"), list)
        else ([master["EXDATE"]] if "EXDATE" in master else [])
    ):
        excluded |= {d.dt.astimezone(UTC) for d in exdate.dts}
    return [d.astimezone(UTC) for d in rule if d.astimezone(UTC) not in excluded]


CASES = [
    # daily across the London spring change, 10 times
    (RecurrenceRule(Frequency.DAILY, count=10), datetime(2026, 3, 25, 9, 0), LONDON),
    # every 2 days until a date, across New York's autumn change
    (
        RecurrenceRule(Frequency.DAILY, interval=2, until=date(2026, 11, 10)),
        datetime(2026, 10, 20, 17, 30),
        NEW_YORK,
    ),
    # weekly on Monday and Wednesday, starting on a Tuesday (not itself an occurrence)
    (
        RecurrenceRule(Frequency.WEEKLY, weekdays=(0, 2), count=8),
        datetime(2026, 3, 17, 8, 0),
        LONDON,
    ),
    # every 2 weeks on Sunday and Monday: Zoom's weeks start on Sunday (WKST=SU)
    (
        RecurrenceRule(Frequency.WEEKLY, interval=2, weekdays=(6, 0), count=9),
        datetime(2026, 3, 2, 18, 0),
        NEW_YORK,
    ),
    # every 3 weeks on Friday, until a date across the autumn change
    (
        RecurrenceRule(Frequency.WEEKLY, interval=3, weekdays=(4,), until=date(2026, 12, 31)),
        datetime(2026, 9, 4, 10, 0),
        LONDON,
    ),
    # monthly on the 31st: months without one are skipped, on both sides
    (RecurrenceRule(Frequency.MONTHLY, month_day=31, count=6), datetime(2026, 1, 31, 9, 0), LONDON),
    # every 2 months on the 15th, until a date
    (
        RecurrenceRule(Frequency.MONTHLY, interval=2, month_day=15, until=date(2027, 3, 1)),
        datetime(2026, 2, 15, 16, 0),
        NEW_YORK,
    ),
    # monthly on the second Tuesday, starting mid-month
    (
        RecurrenceRule(Frequency.MONTHLY, month_week=2, month_weekday=1, count=7),
        datetime(2026, 2, 20, 9, 0),
        LONDON,
    ),
    # monthly on the last Friday
    (
        RecurrenceRule(Frequency.MONTHLY, month_week=-1, month_weekday=4, count=12),
        datetime(2026, 1, 1, 15, 0),
        NEW_YORK,
    ),
    # weekly on Sunday at 02:30, its first Sunday the spring change (no 02:30 that day)
    (
        RecurrenceRule(Frequency.WEEKLY, weekdays=(6,), count=5),
        datetime(2026, 3, 6, 2, 30),
        NEW_YORK,
    ),
    # daily at 00:30 in Santiago, whose clocks go forward at midnight (2026-09-06)
    (
        RecurrenceRule(Frequency.DAILY, count=4),
        datetime(2026, 9, 5, 0, 30),
        "America/Santiago",
    ),
]


@pytest.mark.parametrize(("rule", "wall", "tz"), CASES, ids=[r.describe() for r, _, _ in CASES])
def test_the_rrule_expands_to_the_sessions_the_platform_stores(rule, wall, tz):
    # given: the sessions the platform stores for this rule (one per occurrence)
    first = wall.replace(tzinfo=ZoneInfo(tz))
    stored = rule.occurrences(first, timezone=tz)
    # when
    body = calendar_build(method="REQUEST", items=[_series_item(rule, first, tz)])
    # then: a calendar expanding the RRULE finds exactly those starts
    assert _expand(body) == stored


def test_a_series_keeps_its_wall_clock_time_across_the_change():
    rule = RecurrenceRule(Frequency.DAILY, count=10)
    first = datetime(2026, 3, 25, 9, 0, tzinfo=ZoneInfo(LONDON))
    body = calendar_build(method="REQUEST", items=[_series_item(rule, first, LONDON)])
    text = body.decode()
    assert "DTSTART;TZID=Europe/London:20260325T090000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/London" in text
    starts = _expand(body)
    assert {s.astimezone(ZoneInfo(LONDON)).hour for s in starts} == {9}
    assert {s.hour for s in starts} == {9, 8}  # in UTC the class moves an hour


def test_a_series_whose_first_day_has_no_such_time_keeps_its_wall_clock():
    # given: a class on Sundays at 02:30, from the Friday before New York's spring change
    rule = RecurrenceRule(Frequency.WEEKLY, weekdays=(6,), count=3)
    first = datetime(2026, 3, 6, 2, 30, tzinfo=ZoneInfo(NEW_YORK))
    stored = rule.occurrences(first, timezone=NEW_YORK)

    # when: its first occurrence is cancelled and its second moved
    moved_to = stored[2] + timedelta(hours=1)
    item = _series_item(
        rule,
        first,
        NEW_YORK,
        exdates=(stored[0],),
        overrides=(
            Override(original=stored[2], start=moved_to, end=moved_to + timedelta(hours=1)),
        ),
    )
    body = calendar_build(method="REQUEST", items=[item])
    text = body.decode()

    # then: 02:30 that day reads as 03:30 summer time (RFC 5545 3.3.5), the later ones at 02:30
    assert [s.astimezone(ZoneInfo(NEW_YORK)).strftime("%d %H:%M") for s in stored] == [
        "08 03:30",
        "15 02:30",
        "22 02:30",
    ]
    assert "DTSTART;TZID=America/New_York:20260308T023000" in text
    assert "EXDATE;TZID=America/New_York:20260308T023000" in text
    assert "RECURRENCE-ID;TZID=America/New_York:20260322T023000" in text
    assert _expand(body) == stored[1:]


def test_until_is_the_end_of_the_local_day_in_utc():
    rule = RecurrenceRule(Frequency.DAILY, until=date(2026, 6, 3))
    first = datetime(2026, 6, 1, 23, 30, tzinfo=ZoneInfo(NEW_YORK))
    body = calendar_build(method="REQUEST", items=[_series_item(rule, first, NEW_YORK)])
    assert "UNTIL=20260604T035959Z" in body.decode()
    assert len(_expand(body)) == 3


def test_cancelled_and_moved_sessions_become_exdates_and_overrides():
    tz = LONDON
    rule = RecurrenceRule(Frequency.WEEKLY, weekdays=(0,), count=4)
    first = datetime(2026, 4, 6, 9, 0, tzinfo=ZoneInfo(tz))
    starts = rule.occurrences(first, timezone=tz)
    moved_to = starts[2] + timedelta(hours=2)
    item = _series_item(
        rule,
        first,
        tz,
        exdates=(starts[1],),
        overrides=(
            Override(original=starts[2], start=moved_to, end=moved_to + timedelta(hours=1)),
        ),
    )
    body = calendar_build(method="REQUEST", items=[item])
    text = body.decode()
    assert "EXDATE;TZID=Europe/London:20260413T090000" in text
    assert "RECURRENCE-ID;TZID=Europe/London:20260420T090000" in text
    assert "DTSTART;TZID=Europe/London:20260420T110000" in text
    assert _expand(body) == [starts[0], starts[2], starts[3]]


def test_request_and_cancel_carry_method_sequence_people_and_platform_links():
    start = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    item = CalendarItem(
        uid="meeting-1-abc@alpha.liveroll",
        sequence=3,
        title="Algebra, part 2; revision",
        description="Bring a calculator",
        start=start,
        end=start + timedelta(hours=1),
        timezone="Asia/Dhaka",
        page_url="https://alpha.example/meetings/1/",
        join_url="https://alpha.example/join/tok/",
    )
    people = {
        "organizer": Person(email="noreply@alpha.example", name="Alpha School"),
        "attendees": [Person(email="s@alpha.test", name="Sam, Student")],
    }
    request = Calendar.from_ical(calendar_build(method="REQUEST", items=[item], **people))
    cancel = Calendar.from_ical(calendar_build(method="CANCEL", items=[item], **people))

    assert request["METHOD"] == "REQUEST" and cancel["METHOD"] == "CANCEL"
    (event,) = request.walk("VEVENT")
    assert event["UID"] == item.uid and event["SEQUENCE"] == 3
    assert event["SUMMARY"] == "Algebra, part 2; revision"  # escaped and read back whole
    assert event["STATUS"] == "CONFIRMED"
    assert event["LOCATION"] == "https://alpha.example/join/tok/"
    assert "https://alpha.example/join/tok/" in event["DESCRIPTION"]
    assert event.decoded("DTSTART") == start
    assert event["DTSTART"].params["TZID"] == "Asia/Dhaka"
    assert str(event["ORGANIZER"]) == "mailto:noreply@alpha.example"
    assert str(event["ATTENDEE"]) == "mailto:s@alpha.test"
    assert event["ATTENDEE"].params["CN"] == "Sam, Student"
    assert event["ATTENDEE"].params["RSVP"] == "TRUE"
    (cancelled,) = cancel.walk("VEVENT")
    assert cancelled["STATUS"] == "CANCELLED" and cancelled["UID"] == item.uid


def test_a_title_cannot_inject_properties_or_events():
    start = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    item = CalendarItem(
        uid="u@x",
        sequence=0,
        title="Maths\r\nEND:VEVENT\rBEGIN:VEVENT\nSUMMARY:evil",
        start=start,
        end=start + timedelta(hours=1),
    )
    body = calendar_build(method="PUBLISH", items=[item])
    assert body.split(b"\r\n").count(b"BEGIN:VEVENT") == 1
    assert len(Calendar.from_ical(body).walk("VEVENT")) == 1


def test_an_item_that_cannot_be_rendered_is_left_out_and_logged(caplog):
    start = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    good = CalendarItem(uid="good@x", sequence=0, title="Good", start=start, end=start)
    bad = CalendarItem(
        uid="bad@x", sequence=0, title="Bad", start=start, end=start, timezone="Mars/Olympus"
    )
    body = calendar_build(method="PUBLISH", items=[bad, good]).decode()
    assert "SUMMARY:Good" in body and "SUMMARY:Bad" not in body
    assert "bad@x" in caplog.text


def test_monthly_on_a_weekday_round_trips_through_zooms_recurrence_object():
    # Zoom numbers weekdays 1 = Sunday ... 7 = Saturday; monthly_week -1 is the last week.
    rule = RecurrenceRule(Frequency.MONTHLY, month_week=-1, month_weekday=4, count=3)
    body = rule.to_zoom(timezone=LONDON)
    assert body == {
        "repeat_interval": 1,
        "type": 3,
        "monthly_week": -1,
        "monthly_week_day": 6,
        "end_times": 3,
    }
    assert RecurrenceRule.from_zoom(body, timezone=LONDON) == rule
    assert rule.describe() == "every month on the last Friday, 3 times"
