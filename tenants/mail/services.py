"""Outgoing mail: queued into the school's outbox (rendered, one row per mail, unique key), sent
by a worker after commit, over the EMAIL_* settings' SMTP.

Only the worker that claims a mail sends it: the claim is one conditional UPDATE (queued and due,
or sending with an expired lease) that also takes a lease, so two workers, a retried message or a
second sweep cannot both send it, and a worker that died mid-send gives the mail up when its lease
ends. Transient failures (no connection, timeouts, 4xx answers) are retried with exponential
back-off up to LIVEROLL_MAIL_MAX_ATTEMPTS; permanent ones (5xx, refused recipients) fail the mail
at once, with the reason, for admins to see (and retry)."""

from __future__ import annotations

import base64
import hashlib
import logging
import smtplib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from tenants.accounts.models import User
from tenants.audit.services import audit_record
from tenants.mail.models import OutboundMail
from tenants.mail.rendering import mail_render, school_here
from tenants.tasking import current_schema, send_in_schema

logger = logging.getLogger(__name__)

Status = OutboundMail.Status
KEY_MAX_LENGTH = 255
TO_MAX_LENGTH = 254  # the model's, and SMTP's own limit
# A queued mail whose message should have run this long ago is handed out again by the sweep.
SWEEP_GRACE = timedelta(seconds=60)
BACKOFF_CAP = timedelta(hours=1)
ERROR_MAX_LENGTH = 1000


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    content: bytes


class MailNotFound(Exception):
    """No such mail in this school."""


# --- queuing -------------------------------------------------------------------------------


def mail_queue(
    *,
    key: str,
    to: str,
    template: str,
    context: Mapping[str, Any],
    user: User | None = None,
    attachments: Sequence[MailAttachment] = (),
) -> bool:
    """Queue one mail to `to`, rendered from `templates/mail/<template>.*` in the recipient's
    language and time zone (`user`'s). `key` is unique in the school: a mail already queued (or
    sent) under it makes this a no-op that returns False. Sent after the caller's transaction
    commits; nothing is sent if it rolls back."""
    if not key or len(key) > KEY_MAX_LENGTH:
        raise ValueError(f"a mail key is 1 to {KEY_MAX_LENGTH} characters: {key!r}")
    to = (to or "").strip()
    validate_email(to)
    if len(to) > TO_MAX_LENGTH:
        raise ValidationError(f"An address of at most {TO_MAX_LENGTH} characters.", code="too_long")
    if OutboundMail.objects.filter(key=key).exists():
        return False
    rendered = mail_render(template=template, context=context, user=user, school=school_here())
    try:
        # A savepoint: a concurrent queue of the same key loses here without spoiling the
        # caller's transaction.
        with transaction.atomic():
            mail = OutboundMail.objects.create(
                key=key,
                to=to,
                user=user,
                template=template,
                subject=rendered.subject[:255],
                text=rendered.text,
                html=rendered.html,
                attachments=[
                    {
                        "filename": a.filename,
                        "content_type": a.content_type,
                        "content": base64.b64encode(a.content).decode("ascii"),
                    }
                    for a in attachments
                ],
            )
    except IntegrityError:
        return False
    schema, mail_id = current_schema(), mail.pk
    transaction.on_commit(lambda: _send_soon(schema=schema, mail_id=mail_id))
    return True


def _send_soon(*, schema: str, mail_id: int) -> None:
    """Hand a mail to the worker. A broker outage loses nothing: the sweep sends it later."""
    from tenants.mail.actors import mail_send

    try:
        send_in_schema(mail_send, schema, mail_id)
    except Exception:  # noqa: BLE001 - the row is committed; the sweep hands it out again
        logger.warning("mail %s (%s): not handed to a worker; the sweep will", mail_id, schema)


# --- sending -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """What one delivery attempt did: the mail's status after it, and when to try again."""

    status: str
    retry_at: datetime | None = None


def _lease() -> timedelta:
    # Longer than any SMTP conversation can take (each socket operation waits EMAIL_TIMEOUT).
    return timedelta(seconds=max(300, 4 * int(settings.EMAIL_TIMEOUT or 0)))


def message_id(*, schema: str, key: str) -> str:
    """The Message-ID, derived from the mail's key: a mail sent twice after all (a lease that
    ran out mid-send) carries the same id, which receiving servers and clients fold."""
    digest = hashlib.sha256(f"{schema}:{key}".encode()).hexdigest()[:40]
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "liveroll"
    return f"<{digest}@{domain}>"


def _message(mail: OutboundMail) -> EmailMultiAlternatives:
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.text,
        from_email=formataddr((school_here().name, address)),
        to=[mail.to],
        headers={
            "Message-ID": message_id(schema=current_schema(), key=mail.key),
            "Auto-Submitted": "auto-generated",
            "X-Liveroll-Template": mail.template,
        },
    )
    message.attach_alternative(mail.html, "text/html")
    for item in mail.attachments:
        message.attach(item["filename"], base64.b64decode(item["content"]), item["content_type"])
    return message


def smtp_failure(exc: Exception) -> tuple[bool, str]:
    """(permanent?, reason) of a failed send. Permanent: the server refused the mail or its
    recipient for good (5xx). Transient: no connection, a timeout, a 4xx answer, a dropped
    connection; anything unknown is retried too (and logged in full)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = exc.recipients.values()
        reason = "; ".join(
            f"recipient refused: {code} {_text(message)}" for code, message in refused
        )
        return any(code >= 500 for code, _ in refused) or not refused, reason
    if isinstance(exc, smtplib.SMTPResponseException):
        reason = f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
        return exc.smtp_code >= 500, reason
    return False, f"{type(exc).__name__}: {exc}"


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _backoff(attempts: int) -> timedelta:
    first = timedelta(seconds=int(settings.LIVEROLL_MAIL_RETRY_SECONDS))
    delay: timedelta = first * 2 ** max(attempts - 1, 0)
    return min(delay, BACKOFF_CAP)


def _finish(mail_id: int, claim: str, **fields: Any) -> bool:
    """Write the outcome if this worker still holds the mail."""
    done = OutboundMail.objects.filter(pk=mail_id, status=Status.SENDING, claim=claim)
    return done.update(claim="", lease_until=None, **fields) == 1


def mail_claim(*, mail_id: int, now: datetime) -> str | None:
    """Take the mail for sending if it is due and nobody holds it: one conditional UPDATE, so
    of two workers exactly one wins. Returns the claim, or None."""
    claim = uuid.uuid4().hex
    won = (
        OutboundMail.objects.filter(pk=mail_id)
        .filter(
            Q(status=Status.QUEUED, next_attempt_at__lte=now)
            | Q(status=Status.SENDING, lease_until__lt=now)
        )
        .update(
            status=Status.SENDING,
            claim=claim,
            lease_until=now + _lease(),
            attempts=F("attempts") + 1,
        )
    )
    return claim if won else None


def mail_deliver(*, mail_id: int, now: datetime | None = None) -> Delivery | None:
    """Send one mail of this school if it is due and unclaimed; None when there was nothing to
    do (sent already, someone else is sending it, not due, no such mail)."""
    now = now or timezone.now()
    claim = mail_claim(mail_id=mail_id, now=now)
    if claim is None:
        return None
    mail = OutboundMail.objects.get(pk=mail_id)
    limit = settings.LIVEROLL_MAIL_MAX_ATTEMPTS
    if mail.attempts > limit:
        # The last attempt's worker died mid-send (its lease ran out): give up.
        reason = f"gave up after {limit} attempts; the last one did not finish"
        _finish(mail_id, claim, status=Status.FAILED, failed_at=now, last_error=reason)
        logger.warning(
            "mail %s (%s, %s) failed: %s", mail_id, current_schema(), mail.template, reason
        )
        return Delivery(Status.FAILED)
    try:
        _message(mail).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - classified: retried or failed, never lost
        return _failed(mail, claim, exc, now=now)
    _finish(mail_id, claim, status=Status.SENT, sent_at=timezone.now(), last_error="")
    logger.info("mail %s (%s, %s) sent", mail_id, current_schema(), mail.template)
    return Delivery(Status.SENT)


def _failed(mail: OutboundMail, claim: str, exc: Exception, *, now: datetime) -> Delivery:
    permanent, reason = smtp_failure(exc)
    reason = reason[:ERROR_MAX_LENGTH]
    where = f"mail {mail.pk} ({current_schema()}, {mail.template}, attempt {mail.attempts})"
    if not isinstance(exc, (OSError, smtplib.SMTPException)):
        logger.exception("%s: unexpected error while sending", where)
    if permanent or mail.attempts >= settings.LIVEROLL_MAIL_MAX_ATTEMPTS:
        _finish(mail.pk, claim, status=Status.FAILED, failed_at=now, last_error=reason)
        logger.warning("%s failed: %s", where, reason)
        return Delivery(Status.FAILED)
    retry_at = now + _backoff(mail.attempts)
    _finish(mail.pk, claim, status=Status.QUEUED, next_attempt_at=retry_at, last_error=reason)
    logger.warning("%s will be retried at %s: %s", where, retry_at.isoformat(), reason)
    return Delivery(Status.QUEUED, retry_at=retry_at)


def mail_due_ids(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Mails whose message to the worker seems lost: queued and due for a while, or held by a
    worker whose lease ran out. The sweep hands each out again (a duplicate message is
    harmless: only one claim wins)."""
    now = now or timezone.now()
    rows = OutboundMail.objects.filter(
        Q(status=Status.QUEUED, next_attempt_at__lte=now - SWEEP_GRACE)
        | Q(status=Status.SENDING, lease_until__lt=now)
    ).order_by("next_attempt_at")
    return list(rows.values_list("pk", flat=True)[:limit])


# --- admins --------------------------------------------------------------------------------


def mail_retry(*, mail_id: int, actor: User, ip: str | None = None) -> OutboundMail:
    """Queue a failed mail again (admins), with a fresh count of attempts."""
    if not actor.is_school_admin:
        raise PermissionDenied("Only school admins can do that.")
    now = timezone.now()
    again = OutboundMail.objects.filter(pk=mail_id, status=Status.FAILED).update(
        status=Status.QUEUED, attempts=0, next_attempt_at=now, failed_at=None
    )
    mail = OutboundMail.objects.filter(pk=mail_id).first()
    if mail is None:
        raise MailNotFound("No such mail.")
    if not again:
        raise ValidationError("Only a failed mail can be sent again.", code="not_failed")
    audit_record(
        actor=actor,
        action="mail.retried",
        target=mail,
        ip=ip,
        details={"template": mail.template, "last_error": mail.last_error[:200]},
    )
    schema = current_schema()
    transaction.on_commit(lambda: _send_soon(schema=schema, mail_id=mail_id))
    return mail
