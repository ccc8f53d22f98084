"""The recordings pipeline's actors: thin, tenant-bound, taking ids. Workers import this module
through attendance.actors."""

import dramatiq
from dramatiq.middleware import CurrentMessage


@dramatiq.actor(tenancy="tenant", max_retries=5, min_backoff=30_000, max_backoff=1_800_000)
def transcript_fetch(meeting_id: int) -> None:
    """Download, parse and store a session's transcript (attendance.recordings.transcripts),
    then have its summary written."""
    from attendance.recordings.transcripts import transcript_fetch as fetch

    fetch(meeting_id=meeting_id, attempt=message_attempt())


def message_attempt() -> int | None:
    """Which attempt of its message the running actor is on (1 first; the Retries middleware
    counts the retries in the message's options), or None outside a worker."""
    message = CurrentMessage.get_current_message()
    if message is None:
        return None
    return int(message.options.get("retries", 0)) + 1


@dramatiq.actor(tenancy="tenant", max_retries=3, min_backoff=30_000)
def summary_write(meeting_id: int) -> None:
    """Write a session's summary and action items from its transcript
    (attendance.recordings.summaries)."""
    from attendance.recordings.summaries import summary_write as write

    write(meeting_id=meeting_id)


@dramatiq.actor(tenancy="tenant", max_retries=3, min_backoff=600_000, max_backoff=3_600_000)
def recording_reconcile(meeting_id: int) -> None:
    """Ask Zoom for a session's recording when its event may have been missed, and keep it
    (attendance.recordings.services.recording_reconcile). Retried while Zoom is unreachable
    or rate limited."""
    from attendance.recordings.services import recording_reconcile as reconcile

    reconcile(meeting_id=meeting_id)


@dramatiq.actor(tenancy="tenant", max_retries=0)
def recordings_reconcile_sweep() -> None:
    """Periodic, one message per school: a `recording_reconcile` for each recently ended
    session with no recording (bounded, newest first)."""
    from attendance.recordings import services
    from attendance.recordings.selectors import sessions_without_recording

    meetings = sessions_without_recording(
        lookback_days=services.RECONCILE_LOOKBACK_DAYS,
        settle_minutes=services.RECONCILE_AFTER_MINUTES,
        limit=services.RECONCILE_BATCH,
    )
    for meeting_id in meetings.values_list("pk", flat=True):
        recording_reconcile.send(meeting_id)


@dramatiq.actor(tenancy="tenant", max_retries=0)
def recordings_retention_purge() -> None:
    """Periodic, one message per school: recordings, transcripts and summaries past the
    school's retention deleted (attendance.recordings.services)."""
    from attendance.recordings.services import recordings_retention_purge as purge

    purge()


@dramatiq.actor(tenancy="tenant", max_retries=0)
def transcripts_resend() -> None:
    """Periodic, one message per school: the fetch and summary messages that were lost sent
    again (attendance.recordings.transcripts.transcripts_resend)."""
    from attendance.recordings.transcripts import transcripts_resend as resend

    resend()
