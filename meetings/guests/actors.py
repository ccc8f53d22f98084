import logging

import dramatiq

from meetings.guests import services

logger = logging.getLogger(__name__)


@dramatiq.actor(tenancy="tenant", max_retries=5, min_backoff=30_000)
def guest_register(guest_id: int) -> None:
    """Register an invited guest at Zoom for their sessions."""
    report = services.guest_register(guest_id=guest_id)
    if report.failed:
        logger.warning("guest %s: Zoom registration failed: %s", guest_id, report.failed[:5])
    if report.deferred:
        # Rate-limited: come back in a minute (the sweep catches it too).
        guest_register.send_with_options(args=(guest_id,), delay=60_000)


@dramatiq.actor(tenancy="tenant", max_retries=8, min_backoff=30_000)
def guest_registration_cancel(guest_id: int) -> None:
    """Cancel a revoked guest's Zoom registrations (retried on a Zoom failure)."""
    services.guest_registration_cancel(guest_id=guest_id)


@dramatiq.actor(tenancy="tenant", max_retries=3)
def guests_registration_sweep() -> None:
    """Register guests whose sessions reached Zoom after they were invited."""
    for guest_id in services.guests_pending_registration():
        guest_register.send(guest_id)
