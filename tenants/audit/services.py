import functools
import hashlib
import hmac
from typing import Any, cast

from django.conf import settings
from django.db import connection
from django.db.models import Field

from tenants.audit.client_ip import client_ip
from tenants.audit.models import AuditEntry


def ip_hash(ip: str | None) -> str:
    """A keyed hash: equal addresses match each other, but the address cannot be recovered
    (a plain hash of the 2^32 IPv4 space is reversed in seconds)."""
    if not ip:
        return ""
    key = settings.LIVEROLL_IP_HASH_KEY.encode()
    return hmac.new(key, ip.strip().encode(), hashlib.sha256).hexdigest()


def audit_entry(
    *,
    action: str,
    actor=None,
    actor_label: str = "",
    target=None,
    target_type: str = "",
    target_id: str | int = "",
    ip: str | None = None,
    details: dict | None = None,
) -> AuditEntry:
    """An entry for the current schema's audit log, not yet saved. `target` may be a model
    instance."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
    return AuditEntry(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor_label or (getattr(actor, "email", "") if actor is not None else ""),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        ip_hash=ip_hash(ip),
        details=details or {},
    )


def audit_record(**entry) -> AuditEntry:
    """Append an entry (the arguments of `audit_entry`) to the current schema's audit log."""
    record = audit_entry(**entry)
    record.save()
    return record


def audit_record_many(entries: list[AuditEntry]) -> None:
    """Append several entries in one statement (of our own: a webhook batch audits every join
    and leave, and `bulk_create` building the statement cost the worker more than PostgreSQL's
    work for it; one statement per AUDIT_ROWS_MAX entries). Each entry's values as the ORM
    prepares them; the entries get no `pk`."""
    fields = _insert_fields()
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    for start in range(0, len(entries), AUDIT_ROWS_MAX):
        chunk = entries[start : start + AUDIT_ROWS_MAX]
        params = [
            field.get_db_prep_save(field.pre_save(entry, True), connection)
            for entry in chunk
            for field in fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(_insert_head() + ", ".join([row] * len(chunk)), params)


# Rows per INSERT: well below PostgreSQL's 65,535 parameters a statement.
AUDIT_ROWS_MAX = 1000


@functools.cache
def _insert_fields() -> "list[Field[Any, Any]]":
    return [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]


@functools.cache
def _insert_head() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(cast(str, f.column)) for f in _insert_fields())  # set when ready
    return f"INSERT INTO {quote(AuditEntry._meta.db_table)} ({columns}) VALUES "  # noqa: S608 - our names


def request_ip(request) -> str | None:
    # Only the hops our own proxies added are believed (tenants.audit.client_ip).
    return client_ip(
        forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR", ""),
        remote_addr=request.META.get("REMOTE_ADDR"),
    )
