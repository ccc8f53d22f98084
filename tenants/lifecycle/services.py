"""Writes of the data's lifecycle in a school: the retention settings, the audit log's purge,
the anonymisation of deleted people and the expiry of data exports. Deleting a person starts in
meetings.services.people (it revokes their Zoom grant and registrations); building an export is
attendance.exports (it reads every app)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from tenants.accounts.models import User
from tenants.audit.models import AuditEntry
from tenants.audit.services import audit_record
from tenants.connection import tenant_connection
from tenants.lifecycle.models import AUDIT_DAYS_MAX, AUDIT_DAYS_MIN, DataExport, RetentionPolicy
from tenants.mail.models import OutboundMail

logger = logging.getLogger(__name__)

# Rows per DELETE/UPDATE: each batch is its own short transaction, so a purge of a large
# table never holds its locks for long.
PURGE_BATCH = 5000
ANONYMOUS_NAME = "Deleted person"
ANONYMOUS_DOMAIN = "deleted.invalid"  # RFC 2606: never a real mailbox


class RetentionInvalid(ValidationError):
    """A retention setting out of bounds."""


# --- settings -------------------------------------------------------------------------------


def retention_audit_days() -> int:
    """How many days this school keeps audit entries: its own choice, or the default."""
    days = RetentionPolicy.objects.values_list("audit_days", flat=True).first()
    return int(days) if days is not None else int(settings.LIVEROLL_AUDIT_RETENTION_DAYS)


def retention_policy_set(*, audit_days: int, by: User, ip: str | None = None) -> RetentionPolicy:
    """Set how long the school keeps audit entries (an admin's choice, bounded)."""
    if not by.is_school_admin:
        raise PermissionError("only a school admin sets the retention policy")
    if not AUDIT_DAYS_MIN <= audit_days <= AUDIT_DAYS_MAX:
        raise RetentionInvalid(
            f"Audit entries are kept between {AUDIT_DAYS_MIN} and {AUDIT_DAYS_MAX} days.",
            code="out_of_range",
        )
    with transaction.atomic():
        before = retention_audit_days()
        policy, _ = RetentionPolicy.objects.update_or_create(
            singleton=True, defaults={"audit_days": audit_days}
        )
        audit_record(
            actor=by,
            action="retention.policy.changed",
            target=policy,
            ip=ip,
            details={"audit_days": audit_days, "was": before},
        )
    return policy


# --- the audit log's purge ------------------------------------------------------------------


def _batched_delete(table: str, where: str, params: list[Any]) -> int:
    """DELETE in batches of PURGE_BATCH rows, each its own statement (and, outside a caller's
    transaction, its own commit)."""
    quoted = connection.ops.quote_name(table)
    sql = (
        f"DELETE FROM {quoted} WHERE id IN "  # noqa: S608 - table and clause are ours
        f"(SELECT id FROM {quoted} WHERE {where} LIMIT %s)"
    )
    deleted = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [*params, PURGE_BATCH])
            count: int = cursor.rowcount
        deleted += count
        if count < PURGE_BATCH:
            return deleted


def audit_entries_purge(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete the school's audit entries older than its retention (and with them their IP
    hashes), in short batches. Idempotent; the run itself is audited with its count."""
    now = now or timezone.now()
    keep = days if days is not None else retention_audit_days()
    cutoff = now - timedelta(days=keep)
    deleted = _batched_delete(AuditEntry._meta.db_table, "created_at < %s", [cutoff])
    audit_record(
        actor_label="retention",
        action="retention.audit.purged",
        details={"deleted": deleted, "days": keep, "cutoff": cutoff.isoformat()},
    )
    logger.info(
        "retention: %d audit entries of %s deleted (older than %d days)",
        deleted,
        tenant_connection().schema_name,
        keep,
    )
    return deleted


# --- deleted people -------------------------------------------------------------------------


def anonymous_email(user_id: int) -> str:
    return f"deleted-{user_id}@{ANONYMOUS_DOMAIN}"


def person_anonymise(*, user: User, now: datetime | None = None) -> None:
    """Replace a deleted person's identity in the school's rows; the row itself stays (their
    attendance keeps counting without a name). Idempotent."""
    now = now or timezone.now()
    email = anonymous_email(user.pk)
    old_email = user.email
    with transaction.atomic():
        user.name = ANONYMOUS_NAME
        user.email = email
        user.is_active = False
        user.is_staff = False
        user.timezone = ""
        user.set_unusable_password()
        user.deleted_at = user.deleted_at or now
        user.anonymised_at = now
        user.save()
        # What the audit log and the outbox said of them by name.
        AuditEntry.objects.filter(Q(actor_id=user.pk) | Q(actor_label=old_email)).update(
            actor_label=email
        )
        if old_email != email:
            mentioning = AuditEntry.objects.annotate(
                text=Cast("details", output_field=TextField())
            ).filter(text__contains=old_email)
            for entry in mentioning.only("pk", "details"):
                entry.details = json.loads(json.dumps(entry.details).replace(old_email, email))
                entry.save(update_fields=["details"])
        # Mail not sent yet is not sent any more.
        OutboundMail.objects.filter(user_id=user.pk, status=OutboundMail.Status.QUEUED).delete()
        AuditEntry.objects.filter(
            target_type=user._meta.label_lower, target_id=str(user.pk)
        ).update(details={})
        OutboundMail.objects.filter(user_id=user.pk).update(to=email, subject="", text="", html="")
        DataExport.objects.filter(person_id=user.pk).delete()
        audit_record(
            actor_label="retention",
            action="person.anonymised",
            target=user,
            details={},
        )


# --- exports --------------------------------------------------------------------------------


def exports_expire(*, now: datetime | None = None) -> int:
    """Blank the content of exports past their expiry. Idempotent; returns how many."""
    now = now or timezone.now()
    return DataExport.objects.filter(
        Q(status=DataExport.Status.READY) | ~Q(content=""), expires_at__lt=now
    ).update(status=DataExport.Status.EXPIRED, content="")
