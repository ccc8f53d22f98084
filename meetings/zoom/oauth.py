"""Zoom OAuth: the token endpoint (authorization code, refresh, Server-to-Server account
credentials), revocation, and the token sources the API client draws on.

Refresh tokens rotate: each refresh returns a new one and voids the old. Two processes
refreshing one connection at once would leave one of them holding a dead token and the
connection broken, so refreshes are serialised on the connection's row (SELECT ... FOR UPDATE),
and a process that waited finds the fresh token instead of refreshing again.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import requests
from django.db import transaction
from django.utils import timezone

from meetings.models import ZoomConnection, ZoomSettings
from meetings.providers.base import (
    UNREACHABLE,
    AccountError,
    AuthenticationError,
    InvalidGrantError,
    MeetingProviderError,
    ProviderUnavailableError,
)
from meetings.zoom.client import redact
from meetings.zoom.endpoints import oauth_base
from tenants.outbound import OutboundRefused, outbound_session

logger = logging.getLogger(__name__)

TIMEOUT = 10
# Refresh a little before expiry so that a token never dies in the middle of a call.
EXPIRY_MARGIN = timedelta(minutes=5)


def _token_endpoint(zoom: ZoomSettings, path: str = "/oauth/token") -> str:
    return oauth_base(zoom) + path


def _post(zoom: ZoomSettings, path: str, what: str, **kwargs: Any) -> requests.Response:
    """POST to the school's (allowed) OAuth base with the app's credentials. Redirects are not
    followed (Zoom's token endpoint sends none, and they would carry the credentials along);
    every failure to get an answer reads the same to the user, whatever the cause."""
    try:
        with outbound_session() as session:
            return session.post(
                _token_endpoint(zoom, path),
                auth=(zoom.client_id, zoom.client_secret),
                timeout=TIMEOUT,
                allow_redirects=False,
                **kwargs,
            )
    except (requests.RequestException, OutboundRefused) as exc:
        logger.warning("zoom %s failed: %s: %s", what, type(exc).__name__, redact(str(exc)))
        raise ProviderUnavailableError(UNREACHABLE) from exc


def token_request(zoom: ZoomSettings, data: dict[str, Any]) -> dict[str, Any]:
    """POST to Zoom's token endpoint with the app's credentials; typed errors. The messages are
    ours: what Zoom (or whoever answers) wrote is logged, redacted, never shown."""
    grant = data.get("grant_type", "?")
    response = _post(zoom, "/oauth/token", f"token request ({grant})", data=data)
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code == 200 and "access_token" in body:
        return body
    error = str(body.get("error", ""))[:50]
    reason = str(body.get("reason") or body.get("error_description") or response.reason)
    logger.warning(
        "zoom token request grant=%s status=%s error=%s reason=%s",
        grant,
        response.status_code,
        redact(error),
        redact(reason[:300]),
    )
    if response.status_code >= 500 or 300 <= response.status_code < 400:
        raise ProviderUnavailableError(UNREACHABLE, status=response.status_code)
    if error == "invalid_client" or response.status_code == 401:
        raise AuthenticationError(
            "Zoom rejected the client id or secret.", status=response.status_code, code=error
        )
    if error == "invalid_grant":
        raise InvalidGrantError("Zoom no longer accepts this sign-in: reconnect Zoom.", status=400)
    if "account" in reason.lower():
        raise AccountError("Zoom rejected the account id.", status=response.status_code, code=error)
    raise MeetingProviderError(
        f"Zoom refused the token request ({response.status_code}).",
        status=response.status_code,
        code=error,
    )


def token_revoke(zoom: ZoomSettings, token: str) -> None:
    response = _post(zoom, "/oauth/revoke", "token revoke", params={"token": token})
    logger.info("zoom token revoke status=%s", response.status_code)
    if response.status_code >= 300:
        raise MeetingProviderError("Zoom refused to revoke the token", status=response.status_code)


def _expiry(body: dict[str, Any]):
    return timezone.now() + timedelta(seconds=int(body.get("expires_in", 3600)))


class AccountTokenSource:
    """Server-to-Server OAuth (`account_credentials`): no refresh token; a new access token is
    fetched when the cached one is near expiry. The cache is the settings row (sealed)."""

    def __init__(self, zoom: ZoomSettings):
        self.zoom_id = zoom.pk

    def _fetch(self, zoom: ZoomSettings) -> str:
        body = token_request(
            zoom, {"grant_type": "account_credentials", "account_id": zoom.account_id}
        )
        zoom.account_access_token = body["access_token"]
        zoom.account_token_expires_at = _expiry(body)
        zoom.save(update_fields=["account_access_token", "account_token_expires_at"])
        return body["access_token"]

    def access_token(self) -> str:
        zoom = ZoomSettings.objects.get(pk=self.zoom_id)
        expires = zoom.account_token_expires_at
        if zoom.account_access_token and expires and expires - EXPIRY_MARGIN > timezone.now():
            return zoom.account_access_token
        return self.refresh(zoom.account_access_token)

    def refresh(self, stale_token: str) -> str:
        with transaction.atomic():
            zoom = ZoomSettings.objects.select_for_update().get(pk=self.zoom_id)
            if zoom.account_access_token and zoom.account_access_token != stale_token:
                return zoom.account_access_token  # another process fetched one meanwhile
            return self._fetch(zoom)


class UserTokenSource:
    """A teacher's OAuth connection. Refreshes are serialised on the connection row."""

    def __init__(self, connection: ZoomConnection):
        self.connection_id = connection.pk

    def access_token(self) -> str:
        connection = ZoomConnection.objects.get(pk=self.connection_id)
        _require_usable(connection)
        if connection.expires_at and connection.expires_at - EXPIRY_MARGIN > timezone.now():
            return connection.access_token
        return self.refresh(connection.access_token)

    def refresh(self, stale_token: str) -> str:
        return connection_refresh(connection_id=self.connection_id, stale_token=stale_token)


def _require_usable(connection: ZoomConnection) -> None:
    if not connection.is_usable:
        raise InvalidGrantError(
            f"{connection.user} must reconnect Zoom ({connection.get_status_display()})"
        )


def connection_refresh(*, connection_id: int, stale_token: str | None = None) -> str:
    """Refresh a connection's tokens unless someone else already did since `stale_token` was
    read. `invalid_grant` marks the connection "needs reconnect" and tells the teacher."""
    with transaction.atomic():
        connection = ZoomConnection.objects.select_for_update().get(pk=connection_id)
        _require_usable(connection)
        if stale_token is not None and connection.access_token != stale_token:
            return connection.access_token
        zoom = ZoomSettings.objects.get()
        try:
            body = token_request(
                zoom, {"grant_type": "refresh_token", "refresh_token": connection.refresh_token}
            )
        except InvalidGrantError as exc:
            # Zoom voided the grant: the tokens are worthless and are deleted, not only flagged.
            zoom_connection_tokens_forget(
                connection=connection,
                status=ZoomConnection.Status.NEEDS_RECONNECT,
                reason="invalid_grant",
                error=str(exc),
            )
            # The status change must survive the error: commit it, then raise.
            failure = exc
        else:
            connection.access_token = body["access_token"]
            connection.refresh_token = body.get("refresh_token") or connection.refresh_token
            connection.expires_at = _expiry(body)
            connection.scopes = body.get("scope", connection.scopes)
            connection.refreshed_at = timezone.now()
            connection.last_error = ""
            connection.save()
            return connection.access_token
    raise failure


def zoom_connection_tokens_forget(
    *, connection: ZoomConnection, status: str, reason: str, error: str = ""
) -> None:
    """Delete a connection's stored tokens (Zoom voided them: `invalid_grant`, or the app was
    deauthorized), audit it, and tell the teacher by mail and a notification after commit."""
    connection.status = status
    connection.access_token = ""
    connection.refresh_token = ""
    connection.expires_at = None
    connection.last_error = (error or reason)[:500]
    connection.save(
        update_fields=["status", "access_token", "refresh_token", "expires_at", "last_error"]
    )
    _tell_needs_reconnect(connection, reason=reason)


def _tell_needs_reconnect(connection: ZoomConnection, *, reason: str) -> None:
    from meetings.events import ZoomNeedsReconnect
    from realtime.events import publish
    from tenants.audit.services import audit_record
    from tenants.mail.services import mail_queue

    user = connection.user
    audit_record(
        actor_label="zoom",
        action="zoom.connection.needs_reconnect",
        target=connection,
        details={"user": user.email, "reason": reason, "tokens_deleted": True},
    )
    if user.is_active:
        mail_queue(
            key=f"zoom-signed-out:{connection.pk}:{timezone.now().isoformat()}",
            to=user.email,
            template="zoom_signed_out",
            context={"name": user.name or user.email, "deauthorized": reason != "invalid_grant"},
            user=user,
        )
    # publish() sends after the transaction commits.
    publish(
        ZoomNeedsReconnect(
            user_id=connection.user_id,
            message="Zoom signed you out. Reconnect Zoom to keep starting classes.",
        )
    )
