from meetings.events import MeetingSummary
from meetings.models import Meeting, ZoomConnection


def meeting_summary(meeting: Meeting) -> dict:
    """A meeting as realtime events and snapshots carry it: plain data."""
    return MeetingSummary.of(meeting).data()


def zoom_connection_for(*, user) -> ZoomConnection | None:
    return ZoomConnection.objects.filter(user=user).first()
