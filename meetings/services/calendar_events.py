"""The calendar event of each class session (ICS feeds)."""

from __future__ import annotations

import logging
import secrets

from meetings.models import CalendarEvent, Meeting
from tenants.connection import tenant_connection

logger = logging.getLogger(__name__)


# --- calendar events ------------------------------------------------------------------------


def _calendar_event_upsert(meeting: Meeting) -> CalendarEvent:
    """Every change of a session passes here: its ICS identity moves on, and the people's
    connected calendars follow (one message per transaction, after it commits)."""
    from meetings.calendar_sync.services import calendar_meetings_changed_queue

    status = (
        CalendarEvent.Status.CANCELLED
        if meeting.status == Meeting.Status.CANCELLED
        else CalendarEvent.Status.CONFIRMED
    )
    uid = f"meeting-{meeting.pk}-{secrets.token_hex(6)}@{tenant_connection().schema_name}.liveroll"
    event, created = CalendarEvent.objects.get_or_create(
        meeting=meeting, defaults={"uid": uid, "status": status}
    )
    if not created:
        event.sequence += 1
        event.status = status
        event.save(update_fields=["sequence", "status", "updated_at"])
    calendar_meetings_changed_queue(meeting_ids=[meeting.pk])
    return event
