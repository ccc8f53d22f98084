from typing import Any

from meetings.models import Meeting, ZoomConnection
from tenants.accounts.models import User


def meeting_summary(meeting: Meeting) -> dict[str, Any]:
    """A meeting as realtime events and snapshots carry it: plain data."""
    return {
        "id": meeting.pk,
        "title": meeting.title,
        "status": meeting.status,
        "started_at": meeting.actual_start.isoformat() if meeting.actual_start else None,
        "ended_at": meeting.actual_end.isoformat() if meeting.actual_end else None,
    }


def zoom_connection_for(*, user: User) -> ZoomConnection | None:
    return ZoomConnection.objects.filter(user=user).first()
