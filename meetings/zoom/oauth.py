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
    AccountError,
    AuthenticationError,
    InvalidGrantError,
    MeetingProviderError,
    ProviderUnavailableError,
)

logger = logging.getLogger(__name__)

TIMEOUT = 10
# Refresh a little before expiry so that a token never dies in the middle of a call.
EXPIRY_MARGIN = timedelta(minutes=5)


def _token_endpoint(zoom: ZoomSettings, path: str = "/oauth/token") -> str:
    return zoom.oauth_base_url.rstrip("/") + path


def token_request(zoom: ZoomSettings, data: dict[str, Any]) -> dict[str, Any]:
    """POST to Zoom's token endpoint with the app's credentials; typed errors."""
    grant = data.get("grant_type", "?")
    try:
        response = requests.post(
            _token_endpoint(zoom),
            data=data,
            auth=(zoom.client_id, zoom.client_secret),
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        logger.warning("zoom token request (%s) failed: %s", grant, exc.__class__.__name__)
        raise ProviderUnavailableError(f"Zoom's sign-in service is unreachable ({exc})") from exc
    logger.info("zoom token request grant=%s status=%s", grant, response.status_code)
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 200 and "access_token" in body:
        return body
    error = str(body.get("error", ""))
    reason = str(body.get("reason") or body.get("error_description") or response.reason)
    if response.status_code >= 500:
        raise ProviderUnavailableError(f"Zoom's sign-in service failed: {reason}", status=500)
    if error == "invalid_client" or response.status_code == 401:
        raise AuthenticationError(
            f"Zoom rejected the client id or secret: {reason}", status=response.status_code
        )
    if error == "invalid_grant":
        raise InvalidGrantError(f"Zoom no longer accepts this grant: {reason}", status=400)
    if "account" in reason.lower():
        raise AccountError(f"Zoom rejected the account id: {reason}", status=response.status_code)
    raise MeetingProviderError(
        f"Zoom refused the token request: {reason}", status=response.status_code, code=error
    )


def token_revoke(zoom: ZoomSettings, token: str) -> None:
    try:
        response = requests.post(
            _token_endpoint(zoom, "/oauth/revoke"),
            params={"token": token},
            auth=(zoom.client_id, zoom.client_secret),
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise ProviderUnavailableError(f"Zoom is unreachable ({exc})") from exc
    logger.info("zoom token revoke status=%s", response.status_code)
    if response.status_code >= 400:
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
            connection.status = ZoomConnection.Status.NEEDS_RECONNECT
            connection.last_error = str(exc)[:500]
            connection.save(update_fields=["status", "last_error"])
            transaction.on_commit(lambda: _tell_needs_reconnect(connection))
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


def _tell_needs_reconnect(connection: ZoomConnection) -> None:
    from meetings.events import ZoomNeedsReconnect
    from realtime.events import publish
    from tenants.audit.services import audit_record

    audit_record(
        actor_label="zoom",
        action="zoom.connection.needs_reconnect",
        target=connection,
        details={"user": connection.user.email},
    )
    publish(
        ZoomNeedsReconnect(
            user_id=connection.user_id,
            message="Zoom signed you out. Reconnect Zoom to keep starting classes.",
        )
    )
