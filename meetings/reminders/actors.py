import logging

import dramatiq

from meetings.reminders import services

logger = logging.getLogger(__name__)


@dramatiq.actor(tenancy="tenant", max_retries=3, min_backoff=10_000, time_limit=10 * 60_000)
def reminders_sweep() -> None:
    """Send the reminders now due in this school (idempotent: a retry sends none twice)."""
    services.reminders_sweep()


@dramatiq.actor(tenancy="tenant", max_retries=3)
def reminders_ledger_purge() -> None:
    deleted = services.reminders_ledger_purge()
    if deleted:
        logger.info("forgot %d reminders of past sessions", deleted)
