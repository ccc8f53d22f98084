"""Reads of the school's audit log: the filters the admins' log page offers."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from tenants.audit.models import AuditEntry

# How other apps name their rows as audit targets (`Model._meta.label_lower`); kept as strings
# here because the audit log sits below the apps whose rows it names.
PERSON_TARGET = "accounts.user"
MEETING_TARGET = "meetings.meeting"


def _utc(moment: datetime) -> datetime:
    # A time without an offset is read as UTC, the log's own (found by the GraphQL fuzzer:
    # Django guessed, with a warning, for every such query).
    return moment.replace(tzinfo=UTC) if timezone.is_naive(moment) else moment


def audit_entries(
    *,
    action: str | None = None,
    actor: str | None = None,
    person_id: int | None = None,
    meeting_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEntry]:
    """The current schema's audit entries, newest first. `action` matches a prefix ("join."
    finds every join entry); `actor` a part of the actor's label; `person_id` entries the
    person did or that are about them; `meeting_id` entries about that meeting (denied joins
    of a link naming it included)."""
    rows = AuditEntry.objects.all()
    if action:
        rows = rows.filter(action__startswith=action)
    if actor:
        rows = rows.filter(actor_label__icontains=actor)
    if person_id is not None:
        rows = rows.filter(
            Q(actor_id=person_id) | Q(target_type=PERSON_TARGET, target_id=str(person_id))
        )
    if meeting_id is not None:
        rows = rows.filter(target_type=MEETING_TARGET, target_id=str(meeting_id))
    if since:
        rows = rows.filter(created_at__gte=_utc(since))
    if until:
        rows = rows.filter(created_at__lt=_utc(until))
    return rows


def audit_actions() -> list[str]:
    """Every action the log holds, for the filter (a few dozen kinds at most)."""
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())
