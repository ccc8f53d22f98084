"""Confirming the school admin's email address (sign-up). Sign-up queues a mail with a signed
link; opening it records the confirmation on the school (`Organisation.admin_email_confirmed_at`,
public schema). Until then the school cannot reach Zoom: saving Zoom settings, testing them and
teachers' Zoom connect raise `EmailNotConfirmed` (`email_confirmed_check`).

The link is `django.core.signing` under a salt of its own, bound to the school's schema, the
admin's id and address, and the time it was made; it expires after
LIVEROLL_EMAIL_CONFIRM_HOURS. Admins can have it sent again, a few times an hour."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tenants.utils import get_public_schema_name, schema_context

from tenants.accounts.models import Role, User
from tenants.accounts.throttle import Limit, minutes, throttle
from tenants.audit.services import audit_record
from tenants.connection import tenant_connection
from tenants.mail.services import mail_queue
from tenants.models import Organisation
from tenants.services import tenant_url

SALT = "liveroll.admin-email-confirm"
TEMPLATE = "admin_email_confirm"
PATH = "/accounts/confirm-email/"


class EmailNotConfirmed(Exception):
    """The school's admin has not confirmed their email address yet: no Zoom until then."""

    message = gettext_lazy(
        "Confirm the school admin's email address first: open the link we mailed at sign-up "
        "(an admin can have it sent again from the banner). Zoom stays off until then."
    )

    def __init__(self) -> None:
        super().__init__(self.message)


class ConfirmationRefused(Exception):
    """A confirmation link that does not confirm: altered, expired, another school's, or for
    an address that is no longer the admin's."""


class ResendRefused(Exception):
    """No new confirmation mail now (too many, or nothing to confirm)."""


# --- the gate ------------------------------------------------------------------------------


def school_here() -> Organisation | None:
    school: Organisation | None = Organisation.objects.filter(
        schema_name=tenant_connection().schema_name
    ).first()
    return school


def email_confirmed(*, organisation: Organisation | None = None) -> bool:
    """Has the school (default: the one whose schema is in use) confirmed its admin's email?"""
    school = organisation if organisation is not None else school_here()
    return school is not None and school.admin_email_confirmed_at is not None


def email_confirmed_check(*, organisation: Organisation | None = None) -> None:
    """Refuse (EmailNotConfirmed) what reaches Zoom before the admin's email is confirmed."""
    if not email_confirmed(organisation=organisation):
        raise EmailNotConfirmed()


# --- the link ------------------------------------------------------------------------------


def confirmation_token(*, organisation: Organisation, user: User, now: datetime) -> str:
    payload = {
        "s": organisation.schema_name,
        "u": user.pk,
        "e": user.email,
        "t": int(now.timestamp()),
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def confirmation_url(*, organisation: Organisation, user: User, now: datetime) -> str:
    token = confirmation_token(organisation=organisation, user=user, now=now)
    return tenant_url(organisation.slug, f"{PATH}{token}/")


def _lifetime() -> timedelta:
    return timedelta(hours=settings.LIVEROLL_EMAIL_CONFIRM_HOURS)


def confirmation_queue(
    *, organisation: Organisation, user: User, now: datetime | None = None
) -> bool:
    """Queue the confirmation mail to `user` (in the school's schema, which must be in use)."""
    now = now or timezone.now()
    return mail_queue(
        # A new key each time: a resend is a new mail with a new link.
        key=f"admin-email-confirm:{user.pk}:{uuid.uuid4().hex}",
        to=user.email,
        template=TEMPLATE,
        context={
            "confirm_url": confirmation_url(organisation=organisation, user=user, now=now),
            "expires_at": now + _lifetime(),
        },
        user=user,
    )


def email_confirm(*, organisation: Organisation, token: str, now: datetime | None = None) -> User:
    """Record the confirmation that `token` carries, on this school; returns the admin whose
    address it confirms. Raises ConfirmationRefused, saying why, for a link that does not."""
    now = now or timezone.now()
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise ConfirmationRefused(
            _("This link is not valid: it was altered or cut short.")
        ) from exc
    if not isinstance(payload, dict) or payload.get("s") != organisation.schema_name:
        raise ConfirmationRefused(_("This link is for another school."))
    issued = payload.get("t")
    if not isinstance(issued, int) or now.timestamp() - issued > _lifetime().total_seconds():
        raise ConfirmationRefused(
            _("This link has expired. Sign in as the admin and have it sent again.")
        )
    user_id, email = payload.get("u"), payload.get("e")
    admin = (
        User.objects.filter(pk=user_id, email=email, role=Role.ADMIN, is_active=True).first()
        if isinstance(user_id, int) and isinstance(email, str)
        else None
    )
    if admin is None:
        raise ConfirmationRefused(_("This link is no longer valid for this school's admins."))
    with schema_context(get_public_schema_name()):
        first = Organisation.objects.filter(
            pk=organisation.pk, admin_email_confirmed_at__isnull=True
        ).update(admin_email_confirmed_at=now)
    if first:
        organisation.admin_email_confirmed_at = now
        audit_record(
            actor=admin,
            action="organisation.admin_email_confirmed",
            target=organisation,
            details={"email": admin.email},
        )
    return admin


def email_confirmed_mark(*, organisation: Organisation, by: str) -> None:
    """Count the school's admin email as confirmed without a link (the demo seed, tests, an
    operator who onboarded the school knowing the address)."""
    now = timezone.now()
    with schema_context(get_public_schema_name()):
        Organisation.objects.filter(
            pk=organisation.pk, admin_email_confirmed_at__isnull=True
        ).update(admin_email_confirmed_at=now)
    if organisation.admin_email_confirmed_at is None:
        organisation.admin_email_confirmed_at = now
        with schema_context(organisation.schema_name):
            audit_record(
                actor_label=by, action="organisation.admin_email_confirmed", target=organisation
            )


def _resend_limit() -> Limit:
    per_hour = settings.LIVEROLL_EMAIL_CONFIRM_RESENDS_PER_HOUR
    return Limit("confirm.resend", per_hour + 1, 3600, 3600)


def confirmation_resend(*, organisation: Organisation, user: User, ip: str | None = None) -> None:
    """Mail `user` (an admin of the school) a new confirmation link, a few times an hour."""
    if not user.is_school_admin:
        raise PermissionDenied("Only school admins can do that.")
    if email_confirmed(organisation=organisation):
        raise ResendRefused(_("The school's email address is confirmed already."))
    hit = throttle().hit(_resend_limit(), f"{organisation.schema_name}:{user.pk}")
    if hit.locked_for > 0:
        n = minutes(hit.locked_for)
        raise ResendRefused(
            ngettext(
                "The link was sent several times already. Try again in %(n)d minute.",
                "The link was sent several times already. Try again in %(n)d minutes.",
                n,
            )
            % {"n": n}
        )
    with transaction.atomic():
        confirmation_queue(organisation=organisation, user=user)
        audit_record(
            actor=user,
            action="organisation.admin_email_confirmation_sent",
            target=organisation,
            ip=ip,
            details={"email": user.email},
        )
