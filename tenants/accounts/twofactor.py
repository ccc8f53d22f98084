"""Two-factor sign-in (TOTP, RFC 6238, through pyotp): enrolment from the two-factor page, one
code per time step (a code seen once is refused for the rest of its window), one-time recovery
codes stored as keyed hashes, and the school setting that requires it of admins.

Codes are throttled like passwords (`tenants.accounts.signin.code_failed`): per person and per
client address, every lock audited."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from tenants.accounts.models import RecoveryCode, Role, TwoFactor, User
from tenants.accounts.signin import Lockout, code_failed, code_lockout, code_succeeded
from tenants.audit.services import audit_record
from tenants.models import Organisation

RECOVERY_CODES = 10
RECOVERY_SALT = "liveroll.accounts.RecoveryCode.code_hash"
# A code from the step before or after the server's is accepted too (clocks drift, people type).
DRIFT_STEPS = 1


class TwoFactorLocked(Exception):
    """Too many wrong codes from this person or address."""

    def __init__(self, lockout: Lockout):
        super().__init__(lockout.message)
        self.lockout = lockout
        self.message = lockout.message


class WrongCode(Exception):
    @property
    def message(self) -> str:
        return _("That code is not right (or was already used). Try the next one.")

    def __str__(self) -> str:
        return self.message


class TwoFactorState(Exception):
    """Enrolling twice, confirming nothing, disabling what is not on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def two_factor_enabled(*, user: User) -> bool:
    return TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


def two_factor_enrolment_needed(*, user: User, school: Organisation | None) -> bool:
    """An admin of a school that requires a second factor, who has none yet."""
    return (
        school is not None
        and school.admins_require_two_factor
        and user.is_authenticated
        and user.role == Role.ADMIN
        and not two_factor_enabled(user=user)
    )


def two_factor_begin(*, user: User) -> TwoFactor:
    """The person's pending enrolment (a fresh secret the first time); refused when on."""
    device, created = TwoFactor.objects.get_or_create(
        user=user, defaults={"secret": pyotp.random_base32()}
    )
    if device.confirmed_at is not None:
        raise TwoFactorState(_("Two-factor sign-in is already on."))
    return device


def two_factor_uri(*, device: TwoFactor, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads (from the QR code, or typed)."""
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.email, issuer_name=issuer)


def two_factor_qr_svg(*, uri: str) -> str:
    """The URI as an inline SVG QR code, made here: the secret goes to no outside service."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, title="Two-factor QR code"))


def two_factor_qr_data_url(*, uri: str) -> str:
    """The same QR code as a data: URL, for an <img> in the app (the CSP allows data: images)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=4, title="Two-factor QR code"))


def _matched_step(device: TwoFactor, code: str, now: datetime) -> int | None:
    totp = pyotp.TOTP(device.secret)
    for offset in (0, -DRIFT_STEPS, DRIFT_STEPS):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            return int(totp.timecode(now)) + offset
    return None


def _recovery_hash(code: str) -> str:
    return salted_hmac(RECOVERY_SALT, code, algorithm="sha256").hexdigest()


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()[:64]


def _accept(*, device: TwoFactor, code: str, now: datetime, recovery: bool) -> str | None:
    """How `code` is accepted ("totp", "recovery") or None. Each acceptance is one atomic
    update, so two requests with the same code cannot both pass."""
    code = _normalise(code)
    if code.isdigit() and len(code) == 6:
        step = _matched_step(device, code, now)
        if step is not None and TwoFactor.objects.filter(pk=device.pk, last_step__lt=step).update(
            last_step=step
        ):
            return "totp"
        return None
    if recovery and code:
        used = RecoveryCode.objects.filter(
            user_id=device.user_id, code_hash=_recovery_hash(code), used_at__isnull=True
        ).update(used_at=now)
        if used:
            return "recovery"
    return None


def _check(
    *, device: TwoFactor, code: str, ip: str | None, now: datetime | None, recovery: bool
) -> str:
    """Throttled acceptance; raises TwoFactorLocked or WrongCode."""
    user = device.user
    lockout = code_lockout(user=user, ip=ip)
    if lockout is not None:
        raise TwoFactorLocked(lockout)
    how = _accept(device=device, code=code, now=now or timezone.now(), recovery=recovery)
    if how is None:
        lockout = code_failed(user=user, ip=ip)
        if lockout is not None:
            raise TwoFactorLocked(lockout)
        raise WrongCode()
    code_succeeded(user=user)
    return how


def two_factor_confirm(
    *, user: User, code: str, ip: str | None = None, now: datetime | None = None
) -> list[str]:
    """Turn two-factor sign-in on with a first code from the app. Returns the recovery codes,
    shown only now."""
    device = TwoFactor.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise TwoFactorState(_("Start the set-up first (or it is already on)."))
    _check(device=device, code=code, ip=ip, now=now, recovery=False)
    codes = [f"{secrets.token_hex(5)}" for _ in range(RECOVERY_CODES)]
    with transaction.atomic():
        TwoFactor.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=user, code_hash=_recovery_hash(c)) for c in codes
        )
        audit_record(actor=user, action="user.two_factor_enabled", target=user, ip=ip)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def two_factor_verify(
    *, user: User, code: str, ip: str | None = None, now: datetime | None = None
) -> None:
    """The second step of a sign-in: a code from the app or an unused recovery code. Raises
    TwoFactorLocked or WrongCode."""
    found = (
        TwoFactor.objects.select_related("user")
        .filter(user=user, confirmed_at__isnull=False)
        .first()
    )
    if found is None:
        raise TwoFactorState(_("Two-factor sign-in is not on."))
    how = _check(device=found, code=code, ip=ip, now=now, recovery=True)
    if how == "recovery":
        left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
        audit_record(
            actor=user, action="user.recovery_code_used", target=user, ip=ip, details={"left": left}
        )


def two_factor_disable(
    *, user: User, code: str, ip: str | None = None, now: datetime | None = None
) -> None:
    """The person turns it off, proving it with a code (or a recovery code)."""
    two_factor_verify(user=user, code=code, ip=ip, now=now)
    with transaction.atomic():
        TwoFactor.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        audit_record(actor=user, action="user.two_factor_disabled", target=user, ip=ip)


def two_factor_reset(*, user: User, actor: User, ip: str | None = None) -> bool:
    """An admin turns it off for a person who lost their app (the person enrols again).
    Access is the caller's (the school's admins; the schema is the boundary). Never one's own:
    that takes a code (`two_factor_disable`), or a session alone would undo the second factor."""
    if user.pk == actor.pk:
        raise TwoFactorState(_("Turn off your own two-factor sign-in with a code."))
    with transaction.atomic():
        removed, _by_model = TwoFactor.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        if removed:
            audit_record(actor=actor, action="user.two_factor_reset", target=user, ip=ip)
    return bool(removed)


def school_two_factor_require(
    *, school: Organisation, required: bool, actor: User, ip: str | None = None
) -> None:
    """Require (or stop requiring) a second factor of the school's admins."""
    Organisation.objects.filter(pk=school.pk).update(admins_require_two_factor=required)
    school.admins_require_two_factor = required
    audit_record(
        actor=actor,
        action="school.two_factor_required" if required else "school.two_factor_optional",
        ip=ip,
    )
