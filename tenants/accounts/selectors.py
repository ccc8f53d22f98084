"""Reads of people. Sync, for use inside the tenant's schema (e.g. `in_tenant`)."""

from tenants.accounts.models import Role, User


def is_active_user(user_id: int) -> bool:
    return User.objects.filter(pk=user_id, is_active=True).exists()


def is_active_admin(user_id: int) -> bool:
    return User.objects.filter(pk=user_id, is_active=True, role=Role.ADMIN).exists()
