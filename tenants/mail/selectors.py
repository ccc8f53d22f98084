from django.db.models import QuerySet

from tenants.mail.models import OutboundMail


def mail_outbox(*, status: str | None = None) -> QuerySet[OutboundMail]:
    """The school's outbox, newest first, optionally of one status."""
    rows = OutboundMail.objects.order_by("-queued_at", "-pk")
    return rows.filter(status=status) if status else rows


def mail_queued_ids() -> list[int]:
    """Every queued mail of this school, oldest first."""
    rows = OutboundMail.objects.filter(status=OutboundMail.Status.QUEUED).order_by("pk")
    return list(rows.values_list("pk", flat=True))
