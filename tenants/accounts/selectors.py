"""Reads of people. Sync, for use inside the tenant's schema (e.g. `in_tenant`)."""

from django.db.models import QuerySet
from django.utils import timezone

from tenants.accounts.models import ApiToken, Invitation, Role, User


def is_active_user(user_id: int) -> bool:
    return User.objects.filter(pk=user_id, is_active=True).exists()


def is_active_admin(user_id: int) -> bool:
    return User.objects.filter(pk=user_id, is_active=True, role=Role.ADMIN).exists()


def active_users_among(user_ids: list[int]) -> set[int]:
    """`is_active_user` of several users in one query (realtime.access.RoomGate)."""
    return set(User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", flat=True))


def active_admins_among(user_ids: list[int]) -> set[int]:
    """`is_active_admin` of several users in one query (realtime.access.RoomGate)."""
    rows = User.objects.filter(pk__in=user_ids, is_active=True, role=Role.ADMIN)
    return set(rows.values_list("pk", flat=True))


def _unexpired(rows: QuerySet[ApiToken]) -> QuerySet[ApiToken]:
    return rows.filter(revoked=False, expires_at__gt=timezone.now())


def api_tokens_active(*, user: User) -> QuerySet[ApiToken]:
    """`user`'s tokens that are neither revoked nor expired."""
    return _unexpired(ApiToken.objects.filter(user=user))


def api_tokens_visible(
    *, viewer: User, everyone: bool = False, active_only: bool = False
) -> QuerySet[ApiToken]:
    """The viewer's own tokens; with `everyone`, an admin sees every token of the school (the
    schema is the school); with `active_only`, neither revoked nor expired. Newest first."""
    rows = ApiToken.objects.select_related("user").order_by("-created_at", "-pk")
    if active_only:
        rows = _unexpired(rows)
    if everyone and viewer.is_active and viewer.role == Role.ADMIN:
        return rows
    return rows.filter(user=viewer)


def api_token_for(*, viewer: User, token_id: int) -> ApiToken | None:
    """A token the viewer may manage: their own, or any of the school's for an admin. None
    otherwise (not found and not allowed look the same)."""
    return api_tokens_visible(viewer=viewer, everyone=True).filter(pk=token_id).first()


def invitations_pending() -> QuerySet[Invitation]:
    """Invitations neither accepted nor revoked (expired ones too: an admin may resend them),
    newest first."""
    return (
        Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .filter(user__is_active=False)
        .select_related("user", "invited_by")
        .order_by("-created_at", "-pk")
    )
