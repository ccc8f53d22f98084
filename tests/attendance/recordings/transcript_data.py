"""Sessions with transcripts for the search and reading tests: cues written directly (the
ingest writes them the same way, in bulk), in the current tenant's schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from attendance.recordings.models import RecordingSettings, Transcript, TranscriptCue
from meetings.models import Meeting
from tenants.accounts.models import Role, User
from tenants.accounts.services import user_create

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def session_with_transcript(
    *,
    host: User,
    cues: list[str | tuple[str, str]],
    school_class=None,
    title: str = "Maths",
    start: datetime = START,
    status: str = Transcript.Status.READY,
    person: User | None = None,
    meeting_id: int | None = None,
) -> Meeting:
    """A session of `school_class` whose transcript holds `cues` (text, or (speaker, text)),
    four seconds apart."""
    meeting = Meeting.objects.create(
        pk=meeting_id,
        school_class=school_class,
        host=host,
        title=title,
        start_time=start,
        status=Meeting.Status.ENDED,
    )
    transcript = Transcript.objects.create(
        meeting=meeting, status=status, cue_count=len(cues), duration_seconds=4 * len(cues)
    )
    TranscriptCue.objects.bulk_create(
        TranscriptCue(
            transcript=transcript,
            meeting=meeting,
            position=number,
            start_ms=number * 4000,
            end_ms=number * 4000 + 3500,
            speaker=cue[0] if isinstance(cue, tuple) else "Teacher",
            person=person,
            text=cue[1] if isinstance(cue, tuple) else cue,
        )
        for number, cue in enumerate(cues)
    )
    return meeting


def school_allows(*, students: bool, parents: bool) -> None:
    RecordingSettings.objects.update_or_create(
        singleton=True, defaults={"students_may_view": students, "parents_may_view": parents}
    )


def person(email: str, role: Role) -> User:
    return user_create(email=email, password=None, role=role, name=email.split("@")[0])


def hours(n: int) -> timedelta:
    return timedelta(hours=n)
