"""The inbox sweep: events the intake stored but whose processing message never ran (Redis
was down when it was sent, a worker died holding it) are sent again, one message per meeting
(its worker drains the meeting). Processing is idempotent (webhook_event_process skips done
events and locks the rows), so a message sent twice costs a little work and no harm.

The worker finds actors in `<app>.actors` modules only: attendance/actors.py must import
`webhook_inbox_sweep_actor` from here for workers to run it.
"""

import logging
from datetime import timedelta

import dramatiq
from django.utils import timezone

from attendance.models import WebhookEvent
from tenants.connection import tenant_connection

logger = logging.getLogger(__name__)

SWEEP_BATCH = 1000  # per tenant per run; the next run takes the rest


def _retry_wait_bound(attempts: int, *, min_backoff_ms: int, max_backoff_ms: int) -> float:
    """An upper bound, in seconds, of the time dramatiq's Retries middleware waits in total
    before the retry that follows `attempts` failures (its jittered backoff is at most twice
    min_backoff * 2^n, and at most max_backoff)."""
    # An int: `2**n` is typed Any (a negative n would make a float), n here is never negative.
    total_ms: int = sum(
        min(2 * min_backoff_ms * 2**n, max_backoff_ms) for n in range(max(attempts, 0))
    )
    return total_ms / 1000


def webhook_inbox_sweep(older_than_seconds: int = 60) -> int:
    """Send `webhook_process` again for the current schema's meetings with events still
    pending after `older_than_seconds`, and for failed events that still have retries left but
    whose retry is overdue. Returns how many messages were sent."""
    from attendance.actors import webhook_process

    schema = tenant_connection().schema_name
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    options = webhook_process.options
    max_retries = options.get("max_retries", 20)
    backoff = {
        "min_backoff_ms": options.get("min_backoff", 15_000),
        "max_backoff_ms": options.get("max_backoff", 86_400_000),
    }

    # One message per meeting: its worker drains all of the meeting's pending events.
    pending, meetings = [], set()
    for event_id, zoom_meeting_id in (
        WebhookEvent.objects.filter(status=WebhookEvent.Status.PENDING, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("id", "zoom_meeting_id")[:SWEEP_BATCH]
    ):
        if not zoom_meeting_id or zoom_meeting_id not in meetings:
            pending.append(event_id)
            meetings.add(zoom_meeting_id)
    # A failed event does not record when it last ran, so the wait is counted from its
    # receipt: the sum of every backoff it may have waited so far, plus the grace.
    failed = [
        event_id
        for event_id, received_at, attempts in WebhookEvent.objects.filter(
            status=WebhookEvent.Status.FAILED, attempts__lt=max_retries, received_at__lt=cutoff
        )
        .order_by("received_at")
        .values_list("id", "received_at", "attempts")[:SWEEP_BATCH]
        if received_at + timedelta(seconds=_retry_wait_bound(attempts, **backoff)) < cutoff
    ]
    sent = 0
    for event_id in pending + failed:
        webhook_process.send_with_options(args=(event_id,), tenant_schema=schema)
        sent += 1
    if sent:
        logger.info(
            "inbox sweep of %s re-sent %d events (%d pending, %d failed)",
            schema,
            sent,
            len(pending),
            len(failed),
        )
    return sent


@dramatiq.actor(tenancy="tenant", max_retries=0, queue_name="default", time_limit=120_000)
def webhook_inbox_sweep_actor() -> None:
    """Periodic, one message per tenant (the scheduler's `webhook-inbox-sweep` job)."""
    webhook_inbox_sweep()
