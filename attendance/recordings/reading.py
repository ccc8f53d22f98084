"""A session's transcript as a viewer may read it, cue by cue (`sessionTranscript`)."""

from __future__ import annotations

from attendance.recordings.models import Transcript, TranscriptCue
from attendance.recordings.policy import access_session_recordings
from tenants.accounts.models import User

MAX_CUES = 500  # a page of cues; a 2-hour class has about 1,400


class CuesRefused(ValueError):
    """A page of cues that cannot be given (its size); the message says why, for people."""


def transcript_for_viewer(*, user: User, meeting_id: object) -> Transcript | None:
    """The transcript of session `meeting_id`: None while it has none, and for a viewer who
    sees the session but not its recordings; NotFound when they cannot see the session
    (attendance.recordings.policy.access_session_recordings)."""
    access = access_session_recordings(user, meeting_id)
    if not access.shared:
        return None
    return Transcript.objects.filter(meeting=access.meeting).first()


def transcript_cues(*, transcript: Transcript, first: int, offset: int) -> list[TranscriptCue]:
    """`first` cues (at most MAX_CUES) of `transcript` after `offset`, in order."""
    if not 1 <= first <= MAX_CUES:
        raise CuesRefused(f"first must be from 1 to {MAX_CUES}.")
    start = max(offset, 0)
    cues = TranscriptCue.objects.filter(transcript=transcript).order_by("position")
    return list(cues.defer("search")[start : start + first])
