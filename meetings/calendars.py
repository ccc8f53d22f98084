"""The one iCalendar (RFC 5545) builder: the per-person feed (PUBLISH), invitations and their
updates (REQUEST) and cancellations (CANCEL) are all made here, over the `icalendar` library
(escaping, folding, TZID and VTIMEZONE, RRULE values).

A session is an event of its own; a series is one event with an RRULE made from the stored
recurrence rule (Zoom's rules: weeks start on Sunday, monthly on a day or on a weekday of a
week, a count or an end date), EXDATEs for cancelled sessions and an override (RECURRENCE-ID)
for each session that moved away from where the rule puts it or has a join link of its own.
Times carry the class's TZID, so a 09:00 class stays at 09:00 across daylight-saving changes in
every calendar.

Links are the platform's own, given by the caller: a page and the person's join link
(`meetings.joining.links.join_url_for`), never a Zoom URL."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress

from meetings.recurrence import WEEKDAY_NAMES, Frequency, RecurrenceRule

logger = logging.getLogger(__name__)

Method = Literal["PUBLISH", "REQUEST", "CANCEL"]
PRODID = "-//liveroll//classes//EN"
# VTIMEZONE definitions cover this span around the events (the library's rules are a table of
# transitions; a generous span keeps every occurrence inside it).
_ZONE_MARGIN = timedelta(days=400)


@dataclass(frozen=True)
class Person:
    """An organizer or attendee: an address and a display name."""

    email: str
    name: str = ""
    # For attendees: whether a reply is asked for, and their answer as iCalendar says it.
    rsvp: bool = True
    partstat: str = "NEEDS-ACTION"


@dataclass(frozen=True)
class Override:
    """One session of a series as it is: `original` is where the rule puts it (its
    RECURRENCE-ID); it may have moved, and it has its own join link."""

    original: datetime
    start: datetime
    end: datetime
    join_url: str = ""


@dataclass(frozen=True)
class CalendarItem:
    """One event: a session, or a whole series when `rule` is given (`start`/`end` are then
    the first occurrence as the rule puts it)."""

    uid: str
    sequence: int
    title: str
    start: datetime
    end: datetime
    timezone: str = "UTC"
    description: str = ""
    cancelled: bool = False
    page_url: str = ""  # the platform's page of the class
    join_url: str = ""  # the person's platform join link
    # A series' `start` may be given in its zone at the rule's wall-clock time where that time
    # does not exist (`RecurrenceRule.wall_clock_starts`): DTSTART says that time.
    rule: RecurrenceRule | None = None
    exdates: tuple[datetime, ...] = ()  # originals of cancelled sessions
    overrides: tuple[Override, ...] = ()
    stamp: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def rrule_for(rule: RecurrenceRule, *, timezone: str) -> dict[str, Any]:
    """The RRULE value of a stored rule, as the icalendar library takes it."""
    value: dict[str, Any] = {"freq": rule.frequency.upper(), "interval": rule.interval}
    if rule.frequency == Frequency.WEEKLY:
        value["byday"] = [WEEKDAY_NAMES[d] for d in rule.weekdays]
        # Zoom's weeks start on Sunday: "every 2 weeks on Sunday and Monday" depends on it.
        value["wkst"] = "SU"
    elif rule.frequency == Frequency.MONTHLY:
        if rule.month_weekday is not None:
            value["byday"] = [f"{rule.month_week}{WEEKDAY_NAMES[rule.month_weekday]}"]
        else:
            value["bymonthday"] = [rule.month_day]
    if rule.count is not None:
        value["count"] = rule.count
    elif rule.until is not None:
        # UNTIL is in UTC when DTSTART has a TZID (RFC 5545 3.3.10): the end of that local day.
        local_end = datetime.combine(rule.until, time(23, 59, 59), ZoneInfo(timezone))
        value["until"] = local_end.astimezone(UTC)
    return value


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    # A time already in the zone is kept as it is written (Python leaves it unchanged), a
    # wall-clock time that does not exist included.
    return value.astimezone(zone)


def _on_wall(value: datetime, zone: ZoneInfo, wall: datetime) -> datetime:
    """An occurrence of a series (an EXDATE, a RECURRENCE-ID) as the RRULE names it: on the
    rule's wall clock, even on a day when that time does not exist (02:30 on the spring
    change is the instant 03:30 summer time); anything else as it reads in the zone."""
    local = value.astimezone(zone)
    for day in (local.date(), local.date() - timedelta(days=1)):
        named = datetime.combine(day, wall.timetz())
        if named.astimezone(UTC) == value.astimezone(UTC):
            return named
    return local


def _description(item: CalendarItem) -> str:
    parts = [item.description.strip()]
    if item.join_url:
        parts.append(f"Join: {item.join_url}")
    if item.page_url:
        parts.append(f"Class page: {item.page_url}")
    return "\n\n".join(p for p in parts if p)


def _event(
    item: CalendarItem,
    *,
    stamp: datetime,
    organizer: Person | None,
    attendees: Sequence[Person],
    cancelled: bool,
) -> Event:
    zone = ZoneInfo(item.timezone)
    event = Event()
    event.add("uid", item.uid)
    event.add("sequence", item.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", _local(item.start, zone))
    event.add("dtend", _local(item.end, zone))
    event.add("summary", item.title)
    description = _description(item)
    if description:
        event.add("description", description)
    if item.page_url:
        event.add("url", item.page_url)
    if item.join_url:
        event.add("location", item.join_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if organizer is not None:
        address = vCalAddress(f"mailto:{organizer.email}")
        if organizer.name:
            address.params["cn"] = organizer.name
        event.add("organizer", address)
    for person in attendees:
        address = vCalAddress(f"mailto:{person.email}")
        if person.name:
            address.params["cn"] = person.name
        address.params["role"] = "REQ-PARTICIPANT"
        address.params["partstat"] = person.partstat
        address.params["rsvp"] = "TRUE" if person.rsvp else "FALSE"
        event.add("attendee", address)
    return event


def _series_events(item: CalendarItem, *, stamp: datetime, **people: Any) -> list[Event]:
    assert item.rule is not None
    zone = ZoneInfo(item.timezone)
    master = _event(item, stamp=stamp, cancelled=item.cancelled, **people)
    master.add("rrule", rrule_for(item.rule, timezone=item.timezone))
    wall = _local(item.start, zone)
    if item.exdates:
        master.add("exdate", [_on_wall(d, zone, wall) for d in sorted(item.exdates)])
    events = [master]
    if item.cancelled:
        return events
    for override in item.overrides:
        one = _event(
            CalendarItem(
                uid=item.uid,
                sequence=item.sequence,
                title=item.title,
                start=override.start,
                end=override.end,
                timezone=item.timezone,
                description=item.description,
                page_url=item.page_url,
                join_url=override.join_url or item.join_url,
            ),
            stamp=stamp,
            cancelled=False,
            **people,
        )
        one.add("recurrence-id", _on_wall(override.original, zone, wall))
        events.append(one)
    return events


def calendar_build(
    *,
    method: Method,
    items: Iterable[CalendarItem],
    name: str = "",
    organizer: Person | None = None,
    attendees: Sequence[Person] = (),
) -> bytes:
    """A whole VCALENDAR. With METHOD:CANCEL every event is cancelled. One item that cannot be
    rendered (a date whose end overflows, an unknown zone) is logged and left out: it must not
    take the whole feed, and every calendar of the class with it, down."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    now = datetime.now(UTC).replace(microsecond=0)
    first: date | None = None
    last: date | None = None
    for item in items:
        stamp = item.stamp or now
        try:
            people: dict[str, Any] = {"organizer": organizer, "attendees": attendees}
            if item.rule is not None:
                events = _series_events(item, stamp=stamp, **people)
            else:
                cancelled = item.cancelled or method == "CANCEL"
                events = [_event(item, stamp=stamp, cancelled=cancelled, **people)]
            if method == "CANCEL":
                for event in events:
                    event["status"] = "CANCELLED"
            item_first = (item.start - _ZONE_MARGIN).date()
            # A series runs on past its first occurrence: at most the scheduling window (years).
            item_last = (item.end + _ZONE_MARGIN * (4 if item.rule else 1)).date()
        except (OverflowError, ValueError, KeyError) as exc:
            logger.error("calendar: event %s left out: %r", item.uid, exc)
            continue
        for event in events:
            calendar.add_component(event)
        first = item_first if first is None else min(first, item_first)
        last = item_last if last is None else max(last, item_last)
    if first is not None and last is not None:
        calendar.add_missing_timezones(first_date=first, last_date=last)
    body: bytes = calendar.to_ical()
    return body
