"""Telling guests when a session they are invited to moves or is cancelled. Scheduling (the
one writer of sessions) calls `guests_on_change` inside its transaction; the mails go through
the outbox after commit. Kept apart from guests.services, which imports the registrants
service and so cannot be imported by scheduling."""

from __future__ import annotations

from typing import Literal

from meetings.guests.selectors import guests_of_meeting
from meetings.joining.links import join_url_for_guest, school_origin
from meetings.models import Meeting
from tenants.mail.services import mail_queue

Change = Literal["changed", "cancelled"]


def guests_on_change(*, meetings: list[Meeting], change: Change) -> int:
    """Mail each active guest of these sessions: the new time and their link, or that the
    session is cancelled. Keyed by session, guest and the calendar's SEQUENCE, so a retry or
    a second call for the same change mails once. Returns the mails queued."""
    origin = school_origin()
    queued = 0
    for meeting in meetings:
        guests = list(guests_of_meeting(meeting).filter(revoked_at__isnull=True))
        if not guests:
            continue
        sequence = meeting.calendar_event.sequence if hasattr(meeting, "calendar_event") else 0
        for guest in guests:
            queued += mail_queue(
                key=f"guest.{change}:{meeting.pk}:{guest.pk}:{sequence}",
                to=guest.email,
                template="guest_session_changed",
                context={
                    "guest_name": guest.name,
                    "title": meeting.title,
                    "cancelled": change == "cancelled",
                    "start": meeting.start_time,
                    "minutes": meeting.duration_minutes,
                    "meeting_timezone": meeting.timezone or "UTC",
                    "join_url": ""
                    if change == "cancelled"
                    else join_url_for_guest(guest=guest, meeting=meeting, origin=origin),
                },
            )
    return queued
