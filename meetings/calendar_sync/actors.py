"""The calendar sync's background work: tenant actors taking ids, thin over the services."""

import logging

import dramatiq

from meetings.calendar_sync import services

logger = logging.getLogger(__name__)

# A sync that finds another one holding its connection comes back this much later.
BUSY_DELAY_MS = 15_000


@dramatiq.actor(tenancy="tenant", max_retries=5, min_backoff=30_000, time_limit=30 * 60_000)
def calendar_sync_connection(connection_id: int, meeting_ids: list[int] | None = None) -> None:
    """Write one connected calendar: every session (None) or these. Rate limited: again after
    the provider's wait, going on where it stopped. The provider's quota for the day used up
    (`report.stopped == "quota"`): not again; the periodic `calendar-sync` goes on."""
    report = services.calendar_sync(connection_id=connection_id, meeting_ids=meeting_ids)
    delay = None
    if report.retry_after is not None:
        delay = int(max(report.retry_after, 1.0) * 1000)
    elif report.busy:
        delay = BUSY_DELAY_MS
    if delay is not None:
        calendar_sync_connection.send_with_options(args=(connection_id, meeting_ids), delay=delay)
    if report.written or report.deleted or report.failed:
        logger.info(
            "calendar %s: %d written, %d deleted, %d unchanged, %d failed",
            connection_id,
            report.written,
            report.deleted,
            report.unchanged,
            report.failed,
        )


@dramatiq.actor(tenancy="tenant", max_retries=5, min_backoff=30_000)
def calendar_meetings_changed(meeting_ids: list[int]) -> None:
    """Sessions changed (one message per transaction): sync them for everyone concerned."""
    services.calendar_meetings_changed(meeting_ids=meeting_ids)


@dramatiq.actor(tenancy="tenant", max_retries=5, min_backoff=30_000, time_limit=30 * 60_000)
def calendar_disconnect_run(connection_id: int) -> None:
    """Remove every event written to a disconnected calendar, revoke, forget the row. The
    day's quota used up: not again; the periodic `calendar-sync` resends the removal."""
    report = services.calendar_disconnect_run(connection_id=connection_id)
    if report.retry_after is not None:
        delay = int(max(report.retry_after, 1.0) * 1000)
        calendar_disconnect_run.send_with_options(args=(connection_id,), delay=delay)
    elif report.busy:
        calendar_disconnect_run.send_with_options(args=(connection_id,), delay=BUSY_DELAY_MS)


@dramatiq.actor(tenancy="tenant", max_retries=0)
def calendar_sync_all() -> None:
    """Periodic, one message per school: a whole sync of every active connection."""
    services.calendar_connections_sync_all()
