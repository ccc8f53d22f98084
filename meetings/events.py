"""The realtime events the meetings app publishes (see realtime.events)."""

from __future__ import annotations

from dataclasses import dataclass

from meetings.models import Meeting
from realtime.events import Event, GroupParts, Payload


@dataclass(frozen=True)
class MeetingSummary(Payload):
    """A meeting as events carry it."""

    id: int
    title: str
    status: str
    started_at: str | None
    ended_at: str | None

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingSummary:
        return cls(
            id=meeting.pk,
            title=meeting.title,
            status=meeting.status,
            started_at=meeting.actual_start.isoformat() if meeting.actual_start else None,
            ended_at=meeting.actual_end.isoformat() if meeting.actual_end else None,
        )


@dataclass(frozen=True)
class MeetingStarted(Event):
    """Zoom says the class began; `count` is who is in the room already (joins may be
    processed before the start)."""

    name = "meeting.started"
    meeting: MeetingSummary
    count: int

    def groups(self) -> list[GroupParts]:
        return [("meeting", self.meeting.id), ("live",)]


@dataclass(frozen=True)
class MeetingEnded(Event):
    """The class ended (Zoom's webhook, or the teacher's "end class"). `count` is always 0:
    an ended class has nobody in it (attendance counts only the rooms of running classes),
    so it needs no one's live count; it stays on the wire because clients read it."""

    name = "meeting.ended"
    meeting: MeetingSummary
    count: int = 0

    def groups(self) -> list[GroupParts]:
        return [("meeting", self.meeting.id), ("live",)]


@dataclass(frozen=True)
class ZoomNeedsReconnect(Event):
    """Zoom refused a teacher's refresh token: they must connect Zoom again."""

    name = "zoom.needs_reconnect"
    user_id: int
    message: str

    def groups(self) -> list[GroupParts]:
        return [("user", self.user_id)]
