from tenants.accounts.models import ApiToken, Role, User


def user_create(
    *, email: str, password: str | None, role: Role, name: str = "", is_staff: bool = False
) -> User:
    """A person of the current tenant. Admins get the tenant's Django admin."""
    return User.objects.create_user(
        email, password, name=name, role=role, is_staff=is_staff or role == Role.ADMIN
    )


TOKEN_PREFIX = "lr_"


def _token_hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token for an API client. Returns the row and the token, shown only now."""
    import secrets

    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user, name=name[:100] or "API client", prefix=token[:10], key_hash=_token_hash(token)
    )
    return row, token


def api_token_authenticate(*, token: str) -> User | None:
    """The active user behind a bearer token of this tenant, or None."""
    from django.utils import timezone

    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_token_hash(token), revoked=False, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.user
