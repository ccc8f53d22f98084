"""The realtime events the attendance app publishes (see realtime.events)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from realtime.events import Event, GroupParts, Payload


@dataclass(frozen=True)
class Participant(Payload):
    """A participant as events and snapshots carry them."""

    key: str
    name: str
    role: str
    joined_at: str | None
    left_at: str | None
    # Zoom (a personal join link, a signed-in account) or a teacher vouches for who this is;
    # False for a guest and for a name or email typed into Zoom that no teacher confirmed yet.
    verified: bool = False


@dataclass(frozen=True)
class ParticipantChange(Payload):
    change: Literal["joined", "left"]  # in the room now, or not
    participant: Participant


@dataclass(frozen=True)
class ParticipantsChanged(Event):
    """One processed batch of a class's joins and leaves: each participant once, as they are
    now, with the live count and the meeting's status after the batch."""

    name = "participants.changed"
    meeting_id: int
    changes: list[ParticipantChange]
    count: int
    status: str

    def groups(self) -> list[GroupParts]:
        return [("meeting", self.meeting_id)]


@dataclass(frozen=True)
class LiveCount(Event):
    """A running class's head count, for the school's live classes."""

    name = "live.count"
    meeting_id: int
    count: int

    def groups(self) -> list[GroupParts]:
        return [("live",)]


@dataclass(frozen=True)
class AttendanceUpdated(Event):
    """A student's attendance record in a class changed (provisional scoring while the class
    runs, or a teacher's override), for that student."""

    name = "attendance.updated"
    meeting_id: int
    student_id: int
    status: str
    attended_seconds: int
    final: bool

    def groups(self) -> list[GroupParts]:
        return [("user", self.student_id)]


@dataclass(frozen=True)
class AttendanceScored(Event):
    """A class's attendance records changed (`records` of them): scored at the end, finalised
    after the grace period, resolved or overridden by a teacher. For the class's watchers,
    who re-read the records."""

    name = "attendance.scored"
    meeting_id: int
    final: bool
    records: int

    def groups(self) -> list[GroupParts]:
        return [("meeting", self.meeting_id)]


@dataclass(frozen=True)
class RecordingCompleted(Event):
    """A session's recording was stored or gained files (recording.completed, or Zoom asked
    when that event was missed): its page may show it."""

    name = "recording.completed"
    meeting_id: int

    def groups(self) -> list[GroupParts]:
        return [("meeting", self.meeting_id)]


@dataclass(frozen=True)
class RecordingDeleted(Event):
    """A session's recording was deleted (here and at Zoom), with its transcript and summary."""

    name = "recording.deleted"
    meeting_id: int
    recording_id: int

    def groups(self) -> list[GroupParts]:
        return [("meeting", self.meeting_id)]


@dataclass(frozen=True)
class TranscriptReady(Event):
    """A session's transcript was fetched and stored (`cue_count` cues), for whoever has the
    session open: it re-reads the transcript (through the recordings policy)."""

    name = "transcript.ready"
    meeting_id: int
    cue_count: int

    def groups(self) -> list[GroupParts]:
        return [("meeting", self.meeting_id)]


@dataclass(frozen=True)
class SummaryReady(Event):
    """A session's summary and action items were written (or written again), for the
    session's page to re-read them (attendance.recordings.summaries)."""

    name = "summary.ready"
    meeting_id: int
    method: Literal["local", "remote"]

    def groups(self) -> list[GroupParts]:
        return [("meeting", self.meeting_id)]
