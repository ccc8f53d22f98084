"""A session with a stored transcript, for the summary tests (the rows the transcript fetch
writes: a ready Transcript and its cues)."""

from datetime import UTC, datetime

from attendance.recordings.models import RecordingSettings, Transcript, TranscriptCue
from meetings.models import Meeting

CLASS_START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def session_make(world, *, title="Photosynthesis", school_class=None, host=None) -> Meeting:
    """A finished session of the world's class (call inside its schema)."""
    return Meeting.objects.create(
        school_class=school_class or world.school_class,
        host=host or world.users["teacher"],
        title=title,
        start_time=CLASS_START,
        duration_minutes=60,
        zoom_meeting_id="81234567890",
        zoom_account=Meeting.Account.USER,
    )


def transcript_store(meeting, cues, *, status=Transcript.Status.READY) -> Transcript:
    transcript = Transcript.objects.create(
        meeting=meeting,
        status=status,
        cue_count=len(cues),
        duration_seconds=(cues[-1].start_ms // 1000 + 5) if cues else 0,
    )
    TranscriptCue.objects.bulk_create(
        TranscriptCue(
            transcript=transcript,
            meeting=meeting,
            position=i,
            start_ms=cue.start_ms,
            end_ms=cue.start_ms + 4000,
            speaker=cue.speaker,
            text=cue.text,
        )
        for i, cue in enumerate(cues)
    )
    return transcript


def recording_settings_set(**fields) -> RecordingSettings:
    return RecordingSettings.objects.update_or_create(singleton=True, defaults=fields)[0]
