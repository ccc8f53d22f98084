"""iCalendar (RFC 5545) rendering of meetings for the per-user feed."""

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from meetings.models import Meeting
from meetings.policy import meetings_visible
from tenants.accounts.models import User

logger = logging.getLogger(__name__)

# What a feed shows: calendars poll it every few minutes, so it stays small whatever the school
# has stored — a month back, a year ahead, at most so many events (the soonest first).
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=366)
FEED_MAX_EVENTS = 1000


def _escape(text: str) -> str:
    # A bare CR is a line break to some calendar parsers: folded into "\n" like the others, so
    # a title cannot start a property or an event of its own.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    # Lines longer than 75 octets are folded with CRLF + space.
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts, start = [], 0
    while start < len(raw):
        size = 75 if start == 0 else 74
        chunk = raw[start : start + size]
        while True:  # do not split a UTF-8 character
            try:
                parts.append(chunk.decode())
                break
            except UnicodeDecodeError:
                chunk = chunk[:-1]
        start += len(chunk)
    return "\r\n ".join(parts)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def feed_meetings(*, user: User) -> QuerySet[Meeting]:
    """The meetings of `user`'s feed, with what rendering reads."""
    now = timezone.now()
    return (
        meetings_visible(user)
        .filter(start_time__gte=now - FEED_PAST, start_time__lte=now + FEED_AHEAD)
        .select_related("calendar_event", "school_class")
        .order_by("start_time", "pk")[:FEED_MAX_EVENTS]
    )


def _event_lines(meeting: Meeting, *, now: str, join_base: str, link: str = "") -> list[str]:
    event = meeting.calendar_event
    link = link or f"{join_base.rstrip('/')}/meetings/{meeting.pk}/"
    description = meeting.description + ("\n\n" if meeting.description else "") + link
    return [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{now}",
        f"DTSTART:{_stamp(meeting.start_time)}",
        f"DTEND:{_stamp(meeting.end_time)}",
        f"SUMMARY:{_escape(meeting.title)}",
        f"DESCRIPTION:{_escape(description)}",
        f"URL:{link}",
        f"STATUS:{event.status}",
        "END:VEVENT",
    ]


def calendar_render(
    *,
    meetings: Iterable[Meeting],
    name: str,
    join_base: str,
    links: Mapping[int, str] | None = None,
) -> str:
    """Links in the feed are the platform's own, never Zoom's: the person's join link
    (`links`, by meeting id) where they may join, else the meeting's page (`/meetings/<id>/`)."""
    links = links or {}
    now = _stamp(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//liveroll//classes//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for meeting in meetings:
        if getattr(meeting, "calendar_event", None) is None:
            continue
        try:
            lines += _event_lines(
                meeting, now=now, join_base=join_base, link=links.get(meeting.pk, "")
            )
        except (OverflowError, ValueError) as exc:
            # One bad row (a start near year 9999 whose end overflows) must not take the whole
            # feed, and every calendar of the class with it, down.
            logger.error("calendar feed: meeting %s skipped: %r", meeting.pk, exc)
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
