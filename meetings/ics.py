"""iCalendar (RFC 5545) rendering of meetings for the per-user feed."""

from collections.abc import Iterable
from datetime import UTC, datetime

from django.utils import timezone

from meetings.models import Meeting


def _escape(text: str) -> str:
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


def calendar_render(*, meetings: Iterable[Meeting], name: str, join_base: str) -> str:
    """Join links in the feed are the platform's own (`/meetings/<id>/`), never Zoom's."""
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
        event = getattr(meeting, "calendar_event", None)
        if event is None:
            continue
        link = f"{join_base.rstrip('/')}/meetings/{meeting.pk}/"
        description = meeting.description + ("\n\n" if meeting.description else "") + link
        lines += [
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
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
