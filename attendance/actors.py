import dramatiq

from attendance import services
from attendance.inbox import engine
from attendance.inbox.purge import webhook_bodies_purge_actor  # noqa: F401 - workers import actors modules
from attendance.inbox.sweep import webhook_inbox_sweep_actor  # noqa: F401 - workers import actors modules
from attendance.recordings.actors import (  # noqa: F401 - the same
    recording_reconcile,
    recordings_reconcile_sweep,
    recordings_retention_purge,
    summary_write,
    transcript_fetch,
)


@dramatiq.actor(
    tenancy="tenant", max_retries=6, min_backoff=5_000, max_backoff=600_000, queue_name="webhooks"
)
def webhook_process(event_id: int) -> None:
    """Process a stored Zoom event with the other pending events of its meeting (the message
    carries its tenant's schema; see attendance.inbox.engine)."""
    engine.webhook_event_process(event_id=event_id)


@dramatiq.actor(tenancy="tenant", max_retries=3, min_backoff=60_000, queue_name="default")
def attendance_finalize(meeting_id: int) -> None:
    """Reconcile with Zoom's participants report and score for good (after the grace)."""
    services.attendance_finalize(meeting_id=meeting_id)


@dramatiq.actor(tenancy="tenant", max_retries=3, min_backoff=60_000)
def data_export_build(export_id: int) -> None:
    """Build a requested export of a person's data (attendance.people)."""
    from attendance.people import data_export_build as build

    build(export_id=export_id)


@dramatiq.actor(tenancy="tenant", max_retries=3)
def people_anonymise() -> None:
    """Periodic, one message per school: deleted people anonymised (attendance.people)."""
    from attendance.people import people_anonymise_due

    people_anonymise_due()
