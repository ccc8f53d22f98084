"""Who may see and change which calendar connection: a person their own, and nobody anyone
else's (an admin included: a person's calendar is theirs). Fails closed."""

from __future__ import annotations

from meetings.calendar_sync.models import CalendarConnection, Provider
from meetings.policy import NotFound
from tenants.accounts.models import Role, User


def may_connect_calendar(user: User | None) -> bool:
    """Any signed-in, active person of the school (students and parents too)."""
    return bool(user and user.is_authenticated and user.is_active and user.role in Role.values)


def access_calendar_connection(user: User, provider: str) -> CalendarConnection:
    """`user`'s own connection to `provider`; NotFound for anything else."""
    if not may_connect_calendar(user) or provider not in Provider.values:
        raise NotFound("calendar connection")
    connection = CalendarConnection.objects.filter(user=user, provider=provider).first()
    if connection is None:
        raise NotFound("calendar connection")
    return connection
