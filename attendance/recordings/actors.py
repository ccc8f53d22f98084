"""The recordings pipeline's actors: thin, tenant-bound, taking ids. Workers import this module
through attendance.actors."""

import dramatiq


@dramatiq.actor(tenancy="tenant", max_retries=5, min_backoff=30_000, max_backoff=1_800_000)
def transcript_fetch(meeting_id: int) -> None:
    """Download, parse and store a session's transcript (attendance.recordings.transcripts),
    then have its summary written."""
    from attendance.recordings.transcripts import transcript_fetch as fetch

    fetch(meeting_id=meeting_id)


@dramatiq.actor(tenancy="tenant", max_retries=3, min_backoff=30_000)
def summary_write(meeting_id: int) -> None:
    """Write a session's summary and action items from its transcript
    (attendance.recordings.summaries)."""
    from attendance.recordings.summaries import summary_write as write

    write(meeting_id=meeting_id)
