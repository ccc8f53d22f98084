"""The meeting-provider interface. Zoom is the one provider today (meetings.zoom); services talk
to this interface only, and tests can run against the Zoom sandbox or requests-mock."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from meetings.recurrence import RecurrenceRule

T = TypeVar("T")

MeetingKind = Literal["instant", "scheduled", "recurring"]


# --- exceptions ----------------------------------------------------------------------------

# One message for every way of not getting an answer (refused, timed out, no such host, an
# address the platform does not call): telling them apart would map a network for whoever chose
# the address. The cause is logged.
UNREACHABLE = "Zoom could not be reached. Try again later; if it persists, check the Zoom status."


class MeetingProviderError(Exception):
    """Base of every provider failure. `status` is the HTTP status, `code` the provider's own
    error code (Zoom's `code` field), when known."""

    def __init__(self, message: str, *, status: int | None = None, code: int | str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class AuthenticationError(MeetingProviderError):
    """Credentials rejected: wrong client id/secret, revoked or expired grant."""


class InvalidGrantError(AuthenticationError):
    """A refresh token or authorization code is no longer valid: the user must reconnect."""


class AccountError(AuthenticationError):
    """The account id does not match the credentials (Server-to-Server apps)."""


class ScopeError(MeetingProviderError):
    """The token lacks a scope the call needs."""


class RateLimitError(MeetingProviderError):
    """Rate limited and out of retries. `retry_after` seconds, when the provider said."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class NotFoundError(MeetingProviderError):
    """The meeting, user or recording does not exist (or not for this account)."""


class ProviderValidationError(MeetingProviderError):
    """The provider refused the request's content (bad time, bad recurrence, bad email...)."""


class ProviderUnavailableError(MeetingProviderError):
    """Unreachable, timed out, or failing with 5xx after retries."""


class FileTooLargeError(MeetingProviderError):
    """A downloaded file is larger than the caller allows (`limit` bytes): not worth a retry."""

    def __init__(self, message: str, *, limit: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.limit = limit


# --- data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingRequest:
    topic: str
    kind: MeetingKind = "scheduled"
    start_time: datetime | None = None  # aware; None for instant meetings
    duration_minutes: int = 60
    timezone: str = "UTC"
    agenda: str = ""
    recurrence: RecurrenceRule | None = None
    registration: bool = False
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Occurrence:
    occurrence_id: str
    start_time: datetime
    duration_minutes: int
    status: str = "available"


@dataclass(frozen=True)
class ProviderMeeting:
    id: str  # Zoom's numeric meeting id, as a string
    uuid: str
    topic: str
    kind: MeetingKind
    start_time: datetime | None
    duration_minutes: int
    timezone: str
    join_url: str
    start_url: str
    host_id: str
    status: str = "waiting"
    registration_url: str = ""
    occurrences: tuple[Occurrence, ...] = ()
    agenda: str = ""
    recurrence: RecurrenceRule | None = None  # a recurring meeting's rule, when Zoom gave one


@dataclass(frozen=True)
class RegistrantResult:
    registrant_id: str
    join_url: str
    occurrence_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegistrantRef:
    """A registration to act on: Zoom's registrant id and the email it was made with."""

    registrant_id: str
    email: str


@dataclass(frozen=True)
class Participant:
    participant_id: str  # Zoom's per-meeting participant id ("id"); not a person id
    name: str
    email: str
    user_id: str
    registrant_id: str
    join_time: datetime | None
    leave_time: datetime | None
    duration_seconds: int
    participant_uuid: str = ""


@dataclass(frozen=True)
class RecordingFile:
    id: str
    file_type: str  # MP4, M4A, TRANSCRIPT, CHAT, ...
    download_url: str
    play_url: str
    recording_start: datetime | None
    recording_end: datetime | None
    file_size: int = 0
    recording_type: str = ""  # shared_screen_with_speaker_view, audio_only, audio_transcript...
    file_extension: str = ""
    status: str = ""  # the provider's: completed, processing


@dataclass(frozen=True)
class Recording:
    meeting_id: str
    uuid: str
    topic: str
    start_time: datetime | None
    share_url: str
    files: tuple[RecordingFile, ...] = ()
    duration_minutes: int = 0
    total_size: int = 0

    def transcript_files(self) -> tuple[RecordingFile, ...]:
        """Its finished transcript files, earliest first (a recording paused and resumed has
        one per segment). A file with no status counts as finished: Zoom marks an unfinished
        one ("processing") and its `recording.transcript_completed` is itself the word that
        the file is done; a fetch that comes too early finds no link and is retried."""
        return tuple(
            sorted(
                (
                    file
                    for file in self.files
                    if file.file_type.upper() == "TRANSCRIPT"
                    and (file.status or "completed").lower() == "completed"
                ),
                key=lambda file: (
                    file.recording_start is None,
                    file.recording_start.isoformat() if file.recording_start else "",
                    file.id,
                ),
            )
        )


@dataclass(frozen=True)
class RecordingFileLink:
    """A recording file's links as the provider hands them out for one person, now: they
    carry a short-lived token or passcode, so they are followed at once and never stored."""

    file_id: str
    play_url: str  # "" when the file cannot be played in a browser
    download_url: str


@dataclass(frozen=True)
class TranscriptEntry:
    index: int
    start_seconds: float
    end_seconds: float
    speaker: str
    text: str


@dataclass(frozen=True)
class Transcript:
    meeting_uuid: str
    entries: tuple[TranscriptEntry, ...]
    skipped: int = 0  # malformed cues left out
    file_ids: tuple[str, ...] = ()  # the transcript files it was made of, in order

    @property
    def text(self) -> str:
        return "\n".join(f"{e.speaker}: {e.text}" if e.speaker else e.text for e in self.entries)


@dataclass(frozen=True)
class ProviderUser:
    id: str
    email: str
    account_id: str = ""
    display_name: str = ""


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_page_token: str = ""


# --- the interface -------------------------------------------------------------------------


class MeetingProvider(abc.ABC):
    name: str

    @abc.abstractmethod
    def authenticate(self) -> ProviderUser:
        """Obtain a token and make one cheap call; return who the credentials act as."""

    @abc.abstractmethod
    def create_meeting(self, host_user_id: str, request: MeetingRequest) -> ProviderMeeting: ...

    @abc.abstractmethod
    def get_meeting(self, meeting_id: str, *, occurrence_id: str = "") -> ProviderMeeting: ...

    @abc.abstractmethod
    def list_meetings(
        self, host_user_id: str, *, kind: str = "scheduled", page_token: str = ""
    ) -> Page[ProviderMeeting]: ...

    @abc.abstractmethod
    def update_meeting(
        self, meeting_id: str, request: MeetingRequest, *, occurrence_id: str = ""
    ) -> None: ...

    @abc.abstractmethod
    def delete_meeting(self, meeting_id: str, *, occurrence_id: str = "") -> None:
        """Delete (or, with an occurrence id, cancel one occurrence). Already gone is fine."""

    @abc.abstractmethod
    def end_meeting(self, meeting_id: str) -> None:
        """End a running meeting for everyone. Not running is fine."""

    @abc.abstractmethod
    def add_registrant(
        self,
        meeting_id: str,
        *,
        email: str,
        first_name: str,
        last_name: str = "",
        occurrence_ids: Sequence[str] = (),
    ) -> RegistrantResult: ...

    @abc.abstractmethod
    def cancel_registrants(
        self,
        meeting_id: str,
        *,
        registrants: Sequence[RegistrantRef],
        occurrence_id: str = "",
    ) -> None:
        """Cancel these registrations (all occurrences, or one with `occurrence_id`): their
        join links stop working. A meeting already gone is fine."""

    @abc.abstractmethod
    def list_participants(self, meeting_uuid: str, *, page_token: str = "") -> Page[Participant]:
        """Participants of a past meeting instance (by uuid), one row per join segment."""

    def report_participants(self, meeting_uuid: str, *, page_token: str = "") -> Page[Participant]:
        """The provider's fullest record of who attended (what reconciliation reads); by
        default the past participants."""
        return self.list_participants(meeting_uuid, page_token=page_token)

    @abc.abstractmethod
    def get_recording(self, meeting_uuid: str) -> Recording:
        """The cloud recording of a meeting instance; NotFoundError when it has none."""

    @abc.abstractmethod
    def recording_file_links(self, meeting_uuid: str) -> tuple[RecordingFileLink, ...]:
        """Fresh, authorised links to each file of the instance's recording (NotFoundError
        when it has none). They open the file without signing in to the provider: hand them
        to the person who asked, at once; never store or log them."""

    @abc.abstractmethod
    def delete_recording(self, meeting_uuid: str, *, file_id: str = "") -> bool:
        """Delete the instance's recording for good (or one file of it). False when it was
        already gone (the outcome the caller wanted), True when the provider deleted it."""

    @abc.abstractmethod
    def get_transcript(
        self, meeting_uuid: str, *, max_bytes: int | None = None
    ) -> Transcript | None:
        """The meeting's transcript, parsed from VTT, or None when its recording lists no
        finished one; NotFoundError when there is no recording; FileTooLargeError when its
        files add up to more than `max_bytes`."""
