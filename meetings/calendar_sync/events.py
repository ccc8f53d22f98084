"""The realtime events of the calendar sync (see realtime.events): to the person whose
calendar it is."""

from __future__ import annotations

from dataclasses import dataclass

from realtime.events import Event, GroupParts


@dataclass(frozen=True)
class CalendarNeedsReconnect(Event):
    """The provider no longer accepts the person's grant: they must connect it again."""

    name = "calendar.needs_reconnect"
    user_id: int
    provider: str
    message: str

    def groups(self) -> list[GroupParts]:
        return [("user", self.user_id)]


@dataclass(frozen=True)
class CalendarSyncChanged(Event):
    """A whole sync of one of the person's calendars began or ended (re-read `myCalendars`)."""

    name = "calendar.sync"
    user_id: int
    provider: str
    syncing: bool
    done: int
    total: int

    def groups(self) -> list[GroupParts]:
        return [("user", self.user_id)]
