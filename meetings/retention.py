"""Seed 003's 30 days: after a meeting has ended by LIVEROLL_ZOOM_URL_RETENTION_DAYS, its Zoom
join and start URLs, its registrants' and guests' Zoom join URLs and its join-device rows are
gone from the database (blanked or deleted, not hidden). The meeting, its registrations' status
and its attendance stay. Personal join links (`/join/<token>/`) are derived, never stored: with
the Zoom URL gone they lead nowhere.

Batched: each UPDATE or DELETE takes at most PURGE_BATCH rows, so a large backlog never holds
a long transaction. Idempotent: a purged row no longer matches."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from meetings.guests.models import GuestRegistrant
from meetings.joining.models import JoinDevice
from meetings.models import Meeting, Registrant
from tenants.audit.services import audit_record
from tenants.connection import tenant_connection

logger = logging.getLogger(__name__)

PURGE_BATCH = 5000


@dataclass
class LinksPurged:
    meetings: int = 0
    registrants: int = 0
    guest_registrants: int = 0
    join_devices: int = 0


def meetings_past_retention(*, cutoff: datetime) -> QuerySet[Meeting]:
    """Meetings that ended (or were due to end) before `cutoff`."""
    planned_end = ExpressionWrapper(
        F("start_time") + F("duration_minutes") * timedelta(minutes=1),
        output_field=DateTimeField(),
    )
    return (
        Meeting.objects.filter(start_time__lt=cutoff)
        .annotate(ended=Coalesce(F("actual_end"), planned_end, output_field=DateTimeField()))
        .filter(ended__lt=cutoff)
        .exclude(status=Meeting.Status.STARTED)
    )


def _in_batches(queryset: QuerySet[Any], apply: Callable[[list[int]], int]) -> int:
    done = 0
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by().values_list("pk", flat=True)[:PURGE_BATCH])
            if not ids:
                return done
            done += apply(ids)
        if len(ids) < PURGE_BATCH:
            return done


def meeting_links_purge(*, now: datetime | None = None, days: int | None = None) -> LinksPurged:
    """Blank the stored Zoom URLs of meetings past retention and of their registrants, and
    delete their join-device rows; audit the run with its counts."""
    now = now or timezone.now()
    keep = days if days is not None else int(settings.LIVEROLL_ZOOM_URL_RETENTION_DAYS)
    cutoff = now - timedelta(days=keep)
    past = meetings_past_retention(cutoff=cutoff).values("pk")
    result = LinksPurged()
    result.meetings = _in_batches(
        meetings_past_retention(cutoff=cutoff).filter(~Q(join_url="") | ~Q(start_url="")),
        lambda ids: Meeting.objects.filter(pk__in=ids).update(join_url="", start_url=""),
    )
    result.registrants = _in_batches(
        Registrant.objects.filter(meeting__in=past).exclude(join_url=""),
        lambda ids: Registrant.objects.filter(pk__in=ids).update(join_url=""),
    )
    result.guest_registrants = _in_batches(
        GuestRegistrant.objects.filter(meeting__in=past).exclude(join_url=""),
        lambda ids: GuestRegistrant.objects.filter(pk__in=ids).update(join_url=""),
    )
    result.join_devices = _in_batches(
        JoinDevice.objects.filter(meeting__in=past),
        lambda ids: JoinDevice.objects.filter(pk__in=ids).delete()[0],
    )
    audit_record(
        actor_label="retention",
        action="retention.zoom_links.purged",
        details={**asdict(result), "days": keep, "cutoff": cutoff.isoformat()},
    )
    logger.info("retention: Zoom links of %s purged %s", tenant_connection().schema_name, result)
    return result
