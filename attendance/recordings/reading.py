"""A session's transcript as a viewer may read it, cue by cue (`sessionTranscript`)."""

from __future__ import annotations

from attendance.recordings.models import Transcript, TranscriptCue
from attendance.recordings.policy import meetings_with_recordings_visible
from meetings.policy import NotFound
from tenants.accounts.models import User
from tenants.ids import pk_or_none

MAX_CUES = 500  # a page of cues; a 2-hour class has about 1,400


class CuesRefused(ValueError):
    """A page of cues that cannot be given (its size); the message says why, for people."""


def transcript_for_viewer(*, user: User, meeting_id: object) -> Transcript | None:
    """The transcript of session `meeting_id` (None: it has none yet). A session `user` cannot
    see, or whose recordings the school does not show them, is the same NotFound as a missing
    one."""
    pk = pk_or_none(meeting_id)
    meeting = (
        meetings_with_recordings_visible(user).select_related("transcript").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if meeting is None:
        raise NotFound("meeting")
    try:
        return meeting.transcript
    except Transcript.DoesNotExist:
        return None


def transcript_cues(*, transcript: Transcript, first: int, offset: int) -> list[TranscriptCue]:
    """`first` cues (at most MAX_CUES) of `transcript` after `offset`, in order."""
    if not 1 <= first <= MAX_CUES:
        raise CuesRefused(f"first must be from 1 to {MAX_CUES}.")
    start = max(offset, 0)
    cues = TranscriptCue.objects.filter(transcript=transcript).order_by("position")
    return list(cues.defer("search")[start : start + first])
