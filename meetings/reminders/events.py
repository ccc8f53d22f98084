"""The realtime events the reminders publish (see realtime.events)."""

from __future__ import annotations

from dataclasses import dataclass

from realtime.events import Event, GroupParts


@dataclass(frozen=True)
class MeetingReminder(Event):
    """A session the person may join starts in `minutes_before` minutes, on their
    `myNotifications` stream. `join_url` is their own platform link (never Zoom's)."""

    name = "meeting.reminder"
    user_id: int
    meeting_id: int
    title: str
    start_time: str
    minutes_before: int
    join_url: str

    def groups(self) -> list[GroupParts]:
        return [("user", self.user_id)]
