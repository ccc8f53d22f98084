"""The token source for one `CalendarConnection`: its access token while it is valid (with a
margin), else a refresh, serialised on the connection's row.

Microsoft rotates refresh tokens (each refresh returns a new one, and the old one may stop
working): two processes refreshing one connection at once could leave it holding a dead token.
So a refresh takes the row with SELECT … FOR UPDATE, and a process that waited there finds the
token the first one stored and uses it instead of refreshing again. Google sends no new refresh
token on a refresh: the old one is kept.

`invalid_grant` (revoked, expired, rotated away; Microsoft's `interaction_required` alike),
or no refresh token to refresh with: `services.calendar_connection_needs_reconnect` marks the
connection `needs_reconnect` (the code `ERROR_NEEDS_RECONNECT` in `last_error`), forgets its
tokens and tells the person (a mail and a notification, sent after commit), in the same locked
transaction; then `CalendarGrantRevoked` is raised. So whoever found it (a sync, the free/busy
of suggested times and clashes) the person is told once, here; a caller's own call to that
function finds it marked and does nothing. A connection being disconnected only forgets its
tokens (its removal goes on, and deletes the row). Call these outside a transaction: the
status change must be committed even though an error is raised."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from meetings.calendar_sync.models import CalendarConnection
from meetings.calendar_sync.providers.base import (
    CalendarGrantRevoked,
    CalendarOAuth,
    TokenGrant,
)

# Refresh a little before expiry so that a token never dies in the middle of a sync.
EXPIRY_MARGIN = timedelta(minutes=5)
RECONNECT = "The calendar no longer accepts this sign-in: connect it again."


def connection_tokens_apply(*, connection: CalendarConnection, grant: TokenGrant) -> None:
    """Put a grant's tokens on `connection` (not saved): a missing refresh token or scope
    keeps the one it had."""
    now = timezone.now()
    connection.access_token = grant.access_token
    connection.refresh_token = grant.refresh_token or connection.refresh_token
    connection.expires_at = now + timedelta(seconds=grant.expires_in)
    connection.scopes = grant.scope or connection.scopes
    connection.refreshed_at = now


def _require_tokens(connection: CalendarConnection) -> None:
    # A connection being disconnected still uses its tokens: its events are being deleted.
    if connection.status == CalendarConnection.Status.NEEDS_RECONNECT or not (
        connection.refresh_token or connection.access_token
    ):
        raise CalendarGrantRevoked(RECONNECT, code="needs_reconnect")


def _fresh(connection: CalendarConnection) -> bool:
    return bool(
        connection.access_token
        and connection.expires_at
        and connection.expires_at - EXPIRY_MARGIN > timezone.now()
    )


def _grant_lost(connection: CalendarConnection) -> None:
    """The grant is gone (in the row's lock): mark the connection and tell the person, once."""
    if connection.status == CalendarConnection.Status.DISCONNECTING:
        connection.access_token = connection.refresh_token = ""
        connection.expires_at = None
        connection.save(update_fields=["access_token", "refresh_token", "expires_at"])
        return
    from meetings.calendar_sync.services import calendar_connection_needs_reconnect

    calendar_connection_needs_reconnect(connection_id=connection.pk, reason="invalid_grant")


def connection_token_refresh(
    *, connection_id: int, oauth: CalendarOAuth, stale_token: str | None = None
) -> str:
    """A new access token for the connection, unless another process stored one since
    `stale_token` was read (then that one). See the module's docstring for `invalid_grant`."""
    failure: CalendarGrantRevoked
    with transaction.atomic():
        connection = CalendarConnection.objects.select_for_update().get(pk=connection_id)
        _require_tokens(connection)
        if (
            stale_token is not None
            and connection.access_token != stale_token
            and _fresh(connection)
        ):
            return connection.access_token  # refreshed by another process while we waited
        if not connection.refresh_token:
            _grant_lost(connection)
            failure = CalendarGrantRevoked(RECONNECT, code="needs_reconnect")
        else:
            try:
                grant = oauth.refresh(refresh_token=connection.refresh_token)
            except CalendarGrantRevoked as exc:
                _grant_lost(connection)
                failure = exc
            else:
                connection_tokens_apply(connection=connection, grant=grant)
                connection.save(
                    update_fields=[
                        "access_token",
                        "refresh_token",
                        "expires_at",
                        "scopes",
                        "refreshed_at",
                    ]
                )
                return connection.access_token
    # Raised once the change is committed (raising inside would roll it back).
    raise failure


class ConnectionTokens:
    """The client's `TokenSource` for one connection (reads the row on every call: the token
    may have been refreshed by another process)."""

    def __init__(self, connection: CalendarConnection, oauth: CalendarOAuth):
        self.connection_id = connection.pk
        self._oauth = oauth

    def access_token(self) -> str:
        connection = CalendarConnection.objects.get(pk=self.connection_id)
        _require_tokens(connection)
        if _fresh(connection):
            return connection.access_token
        return self.refresh(connection.access_token)

    def refresh(self, stale_token: str) -> str:
        return connection_token_refresh(
            connection_id=self.connection_id, oauth=self._oauth, stale_token=stale_token
        )
