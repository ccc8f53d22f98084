from meetings.models import Meeting, ZoomConnection


def meeting_summary(meeting: Meeting) -> dict:
    """A meeting as realtime events and snapshots carry it: plain data."""
    return {
        "id": meeting.pk,
        "title": meeting.title,
        "status": meeting.status,
        "started_at": meeting.actual_start.isoformat() if meeting.actual_start else None,
        "ended_at": meeting.actual_end.isoformat() if meeting.actual_end else None,
    }


def zoom_connection_for(*, user) -> ZoomConnection | None:
    return ZoomConnection.objects.filter(user=user).first()
