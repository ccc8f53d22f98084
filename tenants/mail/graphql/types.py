from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from tenants.mail.models import OutboundMail


@strawberry.enum(description="Where a mail of the outbox is.")
class MailStatus(Enum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@strawberry.type(name="OutboundMail", description="A mail of the school's outbox (admins).")
class Mail:
    id: strawberry.ID
    to: str
    subject: str
    template: str
    status: MailStatus
    attempts: int
    last_error: str = strawberry.field(description="Why the last attempt failed, if one did.")
    queued_at: datetime
    next_attempt_at: datetime | None = strawberry.field(
        description="When a queued mail is tried (again)."
    )
    sent_at: datetime | None
    failed_at: datetime | None


def mail_from(row: OutboundMail) -> Mail:
    queued = row.status == OutboundMail.Status.QUEUED
    return Mail(
        id=strawberry.ID(str(row.pk)),
        to=row.to,
        subject=row.subject,
        template=row.template,
        status=MailStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        queued_at=row.queued_at,
        next_attempt_at=row.next_attempt_at if queued else None,
        sent_at=row.sent_at,
        failed_at=row.failed_at,
    )


@strawberry.type
class MailOutboxPage:
    items: list[Mail]
    total_count: int
