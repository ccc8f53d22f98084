"""What a school's admin picks when creating its Zoom app: the scopes the platform's calls need
and the event types its webhook handles. The setup guide of the app shows them; tests hold them
to the calls (the sandbox's scopes) and to the webhook handlers."""

from __future__ import annotations

# Every Zoom API call the platform makes, by the scope Zoom checks for it.
ZOOM_APP_SCOPES: tuple[str, ...] = (
    "meeting:read",  # meetings, past meetings and their participants
    "meeting:write",  # create, change, cancel, end meetings; register students
    "user:read",  # who the connected account is
    "recording:read",  # recordings of a class, and fresh links to play or download them
    "recording:write",  # delete a class's recording at Zoom (a teacher, or the retention)
    "report:read",  # the participants report (attendance reconciliation)
)

# The events to subscribe the app to (Zoom's names), for the event (webhook) URL.
ZOOM_EVENT_TYPES: tuple[str, ...] = (
    "meeting.started",
    "meeting.ended",
    "meeting.updated",
    "meeting.deleted",
    "meeting.participant_joined",
    "meeting.participant_left",
    "recording.completed",
    "recording.transcript_completed",
    "app_deauthorized",
)
