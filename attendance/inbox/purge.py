"""The inbox keeps an event's body only while it may be needed: once processed (or ignored) and
older than LIVEROLL_WEBHOOK_BODY_RETENTION_DAYS, its body is blanked. The row stays (its dedupe
key still turns away a late redelivery, its status and times still tell what came); what Zoom
said of people (names, emails typed into Zoom) goes. Failed and pending events keep theirs for
their retry and for whoever investigates.

The worker finds actors in `<app>.actors` modules only: attendance/actors.py imports
`webhook_bodies_purge_actor` from here.
"""

import logging
from datetime import datetime, timedelta

import dramatiq
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from attendance.models import WebhookEvent
from tenants.connection import tenant_connection

logger = logging.getLogger(__name__)

PURGE_BATCH = 5000  # rows per UPDATE: short transactions, however large the backlog


def webhook_bodies_purgeable(*, cutoff: datetime) -> QuerySet[WebhookEvent]:
    """Processed and ignored events handled before `cutoff` that still have a body. Purged
    rows stay for ever: this must keep matching the partial index webhook_body_unpurged, so a
    sweep reads only what it will blank."""
    return (
        WebhookEvent.objects.filter(
            status__in=[WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED],
            processed_at__lt=cutoff,
        )
        .exclude(body={})
        .order_by()
    )


def webhook_bodies_purge(*, older_than_days: int | None = None) -> int:
    """Blank the bodies of the current schema's processed and ignored events handled more
    than `older_than_days` ago (default: the setting). Returns how many were blanked."""
    days = older_than_days
    if days is None:
        days = int(settings.LIVEROLL_WEBHOOK_BODY_RETENTION_DAYS)
    done = webhook_bodies_purgeable(cutoff=timezone.now() - timedelta(days=days))
    blanked = 0
    while True:
        ids = list(done.values_list("id", flat=True)[:PURGE_BATCH])
        if not ids:
            break
        blanked += WebhookEvent.objects.filter(id__in=ids).update(body={})
        if len(ids) < PURGE_BATCH:
            break
    if blanked:
        logger.info(
            "webhook bodies of %s: %d blanked (older than %d days)",
            tenant_connection().schema_name,
            blanked,
            days,
        )
    return blanked


@dramatiq.actor(tenancy="tenant", max_retries=0, queue_name="default", time_limit=600_000)
def webhook_bodies_purge_actor() -> None:
    """Periodic, one message per tenant (the scheduler's `webhook-bodies-purge` job)."""
    webhook_bodies_purge()
