from typing import Any

from meetings.events import MeetingSummary
from meetings.models import Meeting, SchedulingPolicy, ZoomConnection
from tenants.accounts.models import User


def meeting_summary(meeting: Meeting) -> dict[str, Any]:
    """A meeting as realtime events and snapshots carry it: plain data."""
    return MeetingSummary.of(meeting).data()


def zoom_connection_for(*, user: User) -> ZoomConnection | None:
    return ZoomConnection.objects.filter(user=user).first()


def scheduling_policy() -> SchedulingPolicy:
    """The school's scheduling rules: its row, or the defaults (unsaved) when it has none."""
    return SchedulingPolicy.objects.filter(singleton=True).first() or SchedulingPolicy()
