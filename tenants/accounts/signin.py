"""Sign-in throttling, per account and per client address, within the current schema (the same
email is a different person in each school; the public schema holds the operators).

Every sign-in path calls Django's `authenticate()` (the sign-in page, the GraphQL `login`, each
school's admin and the operators' admin), and `authenticate()` goes through
`tenants.accounts.backends.ThrottledModelBackend`, which calls these. A locked account or address
is refused even with the right password until the lockout ends."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from tenants.accounts.models import User
from tenants.accounts.throttle import Hit, Limit, minutes, throttle, try_again_in
from tenants.audit.services import audit_record, ip_hash
from tenants.connection import tenant_connection

THROTTLED = "throttled"


@dataclass(frozen=True)
class Lockout:
    seconds: float

    @property
    def minutes(self) -> int:
        return minutes(self.seconds)

    @property
    def message(self) -> str:
        return _("Too many failed sign-ins. %(again)s") % {"again": try_again_in(self.seconds)}


def _account_limit() -> Limit:
    window = settings.LIVEROLL_SIGNIN_LOCKOUT_MINUTES * 60
    return Limit("signin.account", settings.LIVEROLL_SIGNIN_MAX_FAILURES, window, window)


def _ip_limit() -> Limit:
    window = settings.LIVEROLL_SIGNIN_LOCKOUT_MINUTES * 60
    return Limit("signin.ip", settings.LIVEROLL_SIGNIN_MAX_FAILURES_PER_IP, window, window)


def _account_key(email: str) -> str:
    return f"{tenant_connection().schema_name}:{email.strip().lower()}"


def _ip_key(ip: str | None) -> str | None:
    # Hashed like everywhere else: no raw address is stored, not even in Redis.
    return f"{tenant_connection().schema_name}:{ip_hash(ip)}" if ip else None


def signin_lockout(*, email: str, ip: str | None) -> Lockout | None:
    """The lockout in force for this account or address, if any."""
    limiter = throttle()
    seconds = limiter.locked_for(_account_limit(), _account_key(email))
    ip_key = _ip_key(ip)
    if ip_key is not None:
        seconds = max(seconds, limiter.locked_for(_ip_limit(), ip_key))
    return Lockout(seconds) if seconds > 0 else None


def signin_failed(*, email: str, ip: str | None) -> Lockout | None:
    """Count a failed sign-in; returns the lockout if this failure started one (audited)."""
    limiter = throttle()
    hits = [("account", limiter.hit(_account_limit(), _account_key(email)))]
    ip_key = _ip_key(ip)
    if ip_key is not None:
        hits.append(("address", limiter.hit(_ip_limit(), ip_key)))
    email = email.strip().lower()
    return _locks_audit(hits, label=email, user=User.objects.filter(email=email).first(), ip=ip)


def _locks_audit(
    hits: list[tuple[str, Hit]], *, label: str, user: User | None, ip: str | None
) -> Lockout | None:
    """The lockout these hits are under, if any; each lock that one of them started is
    audited once (`user.signin_locked`, `by`: what was locked)."""
    locked = [(by, hit) for by, hit in hits if hit.locked_for > 0]
    if not locked:
        return None
    for by, hit in locked:
        if hit.newly_locked:
            audit_record(
                actor_label=label,
                action="user.signin_locked",
                target_type="accounts.user" if user else "",
                target_id=user.pk if user else "",
                ip=ip,
                details={"by": by, "failures": hit.count, "minutes": minutes(hit.locked_for)},
            )
    return Lockout(max(hit.locked_for for _, hit in locked))


# Second-factor codes (tenants.accounts.twofactor) are counted per person apart from passwords,
# so that signing in again with the password does not forgive the wrong codes; the address
# counts both.


def _code_limit() -> Limit:
    window = settings.LIVEROLL_SIGNIN_LOCKOUT_MINUTES * 60
    return Limit("signin.code", settings.LIVEROLL_SIGNIN_MAX_FAILURES, window, window)


def _code_key(user: User) -> str:
    return f"{tenant_connection().schema_name}:{user.pk}"


def code_lockout(*, user: User, ip: str | None) -> Lockout | None:
    """The lockout in force for this person's codes or this address, if any."""
    limiter = throttle()
    seconds = limiter.locked_for(_code_limit(), _code_key(user))
    ip_key = _ip_key(ip)
    if ip_key is not None:
        seconds = max(seconds, limiter.locked_for(_ip_limit(), ip_key))
    return Lockout(seconds) if seconds > 0 else None


def code_failed(*, user: User, ip: str | None) -> Lockout | None:
    """Count a wrong code; returns the lockout if this one started it (audited)."""
    limiter = throttle()
    hits = [("code", limiter.hit(_code_limit(), _code_key(user)))]
    ip_key = _ip_key(ip)
    if ip_key is not None:
        hits.append(("address", limiter.hit(_ip_limit(), ip_key)))
    return _locks_audit(hits, label=user.email, user=user, ip=ip)


def code_succeeded(*, user: User) -> None:
    throttle().reset(_code_limit(), _code_key(user))


def signin_succeeded(*, email: str) -> None:
    """The account's failures are forgiven. The address's are not: an attacker who owns one
    account must not clear the count of their guesses at others by signing in to it."""
    throttle().reset(_account_limit(), _account_key(email))


# Bearer tokens (`Authorization: Bearer lr_…`) name no account: a bad one counts against the
# client's address only, on the same counter as bad passwords (one address, one budget).


def address_lockout(*, ip: str | None) -> Lockout | None:
    ip_key = _ip_key(ip)
    seconds = throttle().locked_for(_ip_limit(), ip_key) if ip_key is not None else 0.0
    return Lockout(seconds) if seconds > 0 else None


def token_failed(*, ip: str | None) -> Lockout | None:
    """Count a bad bearer token; returns the lockout if this one started it (audited)."""
    ip_key = _ip_key(ip)
    if ip_key is None:
        return None
    hit = throttle().hit(_ip_limit(), ip_key)
    return _locks_audit([("address", hit)], label="bearer token", user=None, ip=ip)
