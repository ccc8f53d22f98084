import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from tenants.accounts.models import ApiToken, Language, Role, User, timezone_validate
from tenants.accounts.selectors import api_tokens_active
from tenants.accounts.signin import Lockout, address_lockout, token_failed
from tenants.audit.services import audit_record
from tenants.text import max_length_of, text_problem


def user_create(
    *, email: str, password: str | None, role: Role, name: str = "", is_staff: bool = False
) -> User:
    """A person of the current tenant. Admins get the tenant's Django admin."""
    return User.objects.create_user(
        email, password, name=name, role=role, is_staff=is_staff or role == Role.ADMIN
    )


def person_preferences_set(
    *,
    user: User,
    language: str | None = None,
    timezone_name: str | None = None,
    name: str | None = None,
    ip: str | None = None,
) -> User:
    """A person's own name, language and time zone (None: unchanged; "": unset again, so that the
    browser's language or the school's default applies). ValidationError per field on a bad
    value; audited when changed."""
    errors: dict[str, list[ValidationError]] = {}
    if language and language not in Language.values:
        known = ", ".join(Language.values)
        errors["language"] = [
            ValidationError(_("Unknown language (one of %(known)s).") % {"known": known}, "invalid")
        ]
    if timezone_name:
        try:
            timezone_validate(timezone_name)
        except ValidationError as exc:
            errors["timezone"] = [exc]
    if name is not None:
        name = name.strip()
        problem = text_problem(name, max_length=max_length_of(User, "name"))
        if problem is not None:
            errors["name"] = [problem]
    if errors:
        raise ValidationError(errors)
    changed: dict[str, str] = {}
    if name is not None and name != user.name:
        user.name = changed["name"] = name
    if language is not None and language != user.language:
        user.language = changed["language"] = language
    if timezone_name is not None and timezone_name != user.timezone:
        user.timezone = changed["timezone"] = timezone_name
    if changed:
        user.save(update_fields=list(changed))
        audit_record(actor=user, action="user.preferences", target=user, ip=ip, details=changed)
    return user


TOKEN_PREFIX = "lr_"
FINGERPRINT_SALT = "liveroll.accounts.ApiToken.password_fingerprint"


class TokenLimitReached(Exception):
    """The person holds as many active tokens as they may."""


def token_hash(token: str) -> str:
    """How a secret token (API token, invitation link) is stored: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def password_fingerprint(user: User) -> str:
    """Changes whenever the password does (a new hash, a new salt); keyed, so the password
    hash cannot be recovered from it."""
    return salted_hmac(FINGERPRINT_SALT, user.password, algorithm="sha256").hexdigest()


def api_token_create(
    *, user: User, name: str, expires_in_days: int | None = None, ip: str | None = None
) -> tuple[ApiToken, str]:
    """Make a token for an API client, valid for `expires_in_days` (at most, and by default,
    LIVEROLL_API_TOKEN_DAYS). Returns the row and the token, shown only now. Raises
    TokenLimitReached when `user` holds LIVEROLL_API_TOKENS_PER_USER active tokens."""
    longest = settings.LIVEROLL_API_TOKEN_DAYS
    days = longest if expires_in_days is None else expires_in_days
    if not 1 <= days <= longest:
        raise ValidationError(
            {"expires_in_days": f"A token lasts from 1 to {longest} days."}, code="invalid"
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        # One person's creations one at a time, so that parallel requests cannot pass the cap.
        User.objects.select_for_update().filter(pk=user.pk).first()
        cap = settings.LIVEROLL_API_TOKENS_PER_USER
        if api_tokens_active(user=user).count() >= cap:
            raise TokenLimitReached(
                f"You have {cap} active API tokens, the most allowed: revoke one first."
            )
        row = ApiToken.objects.create(
            user=user,
            name=name.strip()[:100] or "API client",
            prefix=token[:10],
            key_hash=token_hash(token),
            expires_at=timezone.now() + timedelta(days=days),
            password_fingerprint=password_fingerprint(user),
        )
        audit_record(
            actor=user,
            action="api_token.created",
            target=row,
            ip=ip,
            details={"prefix": row.prefix, "days": days},
        )
    return row, token


class TokenThrottled(Exception):
    """Too many bad bearer tokens from this address."""

    def __init__(self, lockout: Lockout):
        super().__init__(lockout.message)
        self.lockout = lockout


def api_token_signin(*, token: str, ip: str | None, now: datetime | None = None) -> User | None:
    """`api_token_authenticate` behind the sign-in throttle: bad tokens count against the
    client's address, and a locked address is refused (TokenThrottled) even with a good one."""
    lockout = address_lockout(ip=ip)
    if lockout is None:
        user = api_token_authenticate(token=token, now=now)
        if user is not None:
            return user
        lockout = token_failed(ip=ip)
    if lockout is not None:
        raise TokenThrottled(lockout)
    return None


def api_token_authenticate(*, token: str, now: datetime | None = None) -> User | None:
    """The active user behind a bearer token of this tenant, or None: unknown, revoked,
    expired, or its owner's password changed since it was made. Not throttled: requests go
    through `api_token_signin`."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    now = now or timezone.now()
    row = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(token), revoked=False, expires_at__gt=now)
        .filter(user__is_active=True)
        .first()
    )
    if row is None or not hmac.compare_digest(
        row.password_fingerprint, password_fingerprint(row.user)
    ):
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def api_token_revoke(*, token: ApiToken, actor: User, ip: str | None = None) -> None:
    """Revoke one token (access is the caller's: `selectors.api_token_for`)."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked=False).update(
        revoked=True, revoked_at=timezone.now()
    )
    if revoked:
        audit_record(
            actor=actor,
            action="api_token.revoked",
            target=token,
            ip=ip,
            details={"prefix": token.prefix, "owner": token.user.email},
        )


def api_tokens_revoke_all(*, user: User, reason: str, actor: User | None = None) -> int:
    """Revoke every token of `user` (deactivated: a token must not come back to life if they
    are reactivated). Returns how many."""
    count = ApiToken.objects.filter(user=user, revoked=False).update(
        revoked=True, revoked_at=timezone.now()
    )
    if count:
        audit_record(
            actor=actor,
            action="api_token.revoked_all",
            target=user,
            details={"count": count, "reason": reason},
        )
    return count


def users_create_many(*, people: list[tuple[str, str, Role]]) -> None:
    """Create (email, name, role) people of the current tenant in one statement, as an
    invitation makes them: inactive, without a password, until they accept one (an invitation
    sent now or later finds them by email). An email already taken is left as it is (ON
    CONFLICT DO NOTHING), so running it twice creates no one twice. Not for admins: they need
    `user_create` (staff)."""
    if any(role == Role.ADMIN for _, _, role in people):
        raise ValueError("admins are made one by one (user_create)")
    rows = []
    for email, name, role in people:
        user = User(
            email=User.objects.normalize_email(email).lower(), name=name, role=role, is_active=False
        )
        user.set_unusable_password()
        rows.append(user)
    User.objects.bulk_create(rows, ignore_conflicts=True)
