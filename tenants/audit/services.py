import hashlib
import hmac

from django.conf import settings

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
    """Append several entries in one statement."""
    if entries:
        AuditEntry.objects.bulk_create(entries)


def request_ip(request) -> str | None:
    # Only the hops our own proxies added are believed (tenants.audit.client_ip).
    return client_ip(
        forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR", ""),
        remote_addr=request.META.get("REMOTE_ADDR"),
    )
