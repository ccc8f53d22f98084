"""Password reset by email and password change, per school (the schema in use). The pages are
Django's auth views (tenants.accounts.views); what they do beyond Django is here: the reset
requests are counted per address asked for and per client address (tenants.accounts.throttle),
whether or not the address is a person's, so that the answer never tells; the reset mail goes
through the school's outbox; a new password ends the person's API tokens (their other sessions
end by themselves: Django's session hash follows the password)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tenants.accounts.models import User
from tenants.accounts.services import api_tokens_revoke_all
from tenants.accounts.signin import THROTTLED, signin_failed, signin_lockout, signin_succeeded
from tenants.accounts.throttle import Limit, throttle, try_again_in
from tenants.audit.services import audit_record, ip_hash
from tenants.connection import tenant_connection
from tenants.mail.services import mail_queue

TEMPLATE = "password_reset"


def _limits() -> tuple[Limit, Limit]:
    window = settings.LIVEROLL_PASSWORD_RESET_WINDOW_MINUTES * 60
    return (
        Limit(
            "password_reset.email", settings.LIVEROLL_PASSWORD_RESET_MAX_PER_EMAIL, window, window
        ),
        Limit("password_reset.ip", settings.LIVEROLL_PASSWORD_RESET_MAX_PER_IP, window, window),
    )


def _keys(email: str, ip: str | None) -> tuple[str, str | None]:
    schema = tenant_connection().schema_name
    return (
        f"{schema}:{email.strip().lower()}",
        f"{schema}:{ip_hash(ip)}" if ip else None,
    )


def password_reset_attempt(*, email: str, ip: str | None) -> str | None:
    """Count one reset request for `email` from `ip`; returns why it is refused (too many for
    the address or from the client address: the message to show), or None to go ahead. The
    request that reaches a limit still goes ahead; the ones after it wait."""
    by_email, by_ip = _limits()
    email_key, ip_key = _keys(email, ip)
    limiter = throttle()
    locked = limiter.locked_for(by_email, email_key)
    if ip_key is not None:
        locked = max(locked, limiter.locked_for(by_ip, ip_key))
    if locked > 0:
        return _("Too many password reset requests. %(again)s") % {"again": try_again_in(locked)}
    limiter.hit(by_email, email_key)
    if ip_key is not None:
        limiter.hit(by_ip, ip_key)
    return None


def password_reset_mail_queue(*, user: User, reset_url: str, token: str, ip: str | None) -> None:
    """Queue the reset mail (once per token) and audit it."""
    mail_queue(
        key=f"password_reset:{user.pk}:{token}",
        to=user.email,
        template=TEMPLATE,
        context={"reset_url": reset_url},
        user=user,
    )
    audit_record(actor_label=user.email, action="user.password_reset_sent", target=user, ip=ip)


def password_changed(*, user: User, how: str, ip: str | None) -> None:
    """After a new password (`how`: "changed" by the person, "reset" by email): their API
    tokens are revoked, and it is audited."""
    api_tokens_revoke_all(user=user, reason=f"password {how}", actor=user)
    audit_record(actor=user, action=f"user.password_{how}", target=user, ip=ip)


def password_change(*, user: User, current: str, new: str, ip: str | None) -> User:
    """The signed-in person's new password, given their current one (the app's profile). Wrong
    current passwords count like wrong sign-ins (the same throttle). ValidationError per field
    (`current_password`, `new_password`: Django's validators); then as `password_changed`. The
    caller keeps the person's own session (`update_session_auth_hash`)."""
    lockout = signin_lockout(email=user.email, ip=ip)
    if lockout is not None:
        raise ValidationError({"current_password": [ValidationError(lockout.message, THROTTLED)]})
    if not user.check_password(current):
        lockout = signin_failed(email=user.email, ip=ip)
        message = lockout.message if lockout else _("Your current password is not right.")
        code = THROTTLED if lockout else "wrong_password"
        raise ValidationError({"current_password": [ValidationError(message, code)]})
    signin_succeeded(email=user.email)
    try:
        validate_password(new, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.error_list}) from exc
    user.set_password(new)
    user.save(update_fields=["password"])
    password_changed(user=user, how="changed", ip=ip)
    return user
