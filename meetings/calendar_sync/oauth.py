"""OAuth 2.0 (authorization code, offline) for each calendar provider, for one school's app.

Google: developers.google.com/identity/protocols/oauth2/web-server (`access_type=offline` and
`prompt=consent` so that a refresh token comes back every time; revocation endpoint).
Microsoft: learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow (the
`offline_access` scope brings the refresh token; every refresh returns a new one; there is no
revocation endpoint for a delegated grant). Both take the client secret in the form body.

The messages raised are ours: what the other end said is logged (redacted), never shown."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import requests

from meetings.calendar_sync.endpoints import Endpoints, endpoints_for
from meetings.calendar_sync.models import CalendarApp, Provider
from meetings.calendar_sync.providers.base import (
    UNREACHABLE,
    CalendarAuthError,
    CalendarError,
    CalendarGrantRevoked,
    CalendarOAuth,
    CalendarUnavailable,
    TokenGrant,
)
from meetings.zoom.client import redact
from tenants.outbound import OutboundRefused, outbound_session

logger = logging.getLogger(__name__)

TIMEOUT = 10

GOOGLE_EVENTS_SCOPE = "https://www.googleapis.com/auth/calendar.events"
# freeBusy.query accepts calendar.freebusy (its reference page, "Authorization":
# developers.google.com/workspace/calendar/api/v3/reference/freebusy/query): the narrowest
# scope that answers free/busy, without reading the person's events.
GOOGLE_FREEBUSY_SCOPE = "https://www.googleapis.com/auth/calendar.freebusy"
GOOGLE_SCOPES = ("openid", "email", GOOGLE_EVENTS_SCOPE, GOOGLE_FREEBUSY_SCOPE)
# Calendars.ReadWrite: create, update and delete events, and read /me/calendarView for
# free/busy (getSchedule does not work for personal Microsoft accounts). User.Read: /me (the
# address). offline_access: the refresh token.
MICROSOFT_SCOPES = ("offline_access", "User.Read", "Calendars.ReadWrite")
# Without these the connection is useless: the person unticked them on the consent screen.
REQUIRED_SCOPES: dict[str, tuple[str, ...]] = {
    Provider.GOOGLE: (GOOGLE_EVENTS_SCOPE,),
    Provider.MICROSOFT: ("Calendars.ReadWrite",),
}
# `invalid_grant`: revoked, expired or (Microsoft) rotated away. Microsoft also answers
# `interaction_required` / `consent_required` when the person must sign in again (MFA,
# consent withdrawn): only a new connection mends either.
REVOKED_ERRORS = frozenset({"invalid_grant", "interaction_required", "consent_required"})


def scopes_missing(provider: str, granted: str) -> list[str]:
    """The required scopes `granted` (a token answer's space-separated `scope`) lacks.
    Microsoft may answer with full URIs ("https://graph.microsoft.com/Calendars.ReadWrite")."""
    have = {
        s.lower().rsplit("/", 1)[-1] if "graph.microsoft.com" in s.lower() else s.lower()
        for s in granted.split()
    }
    return [s for s in REQUIRED_SCOPES.get(provider, ()) if s.lower() not in have]


class _OAuth(CalendarOAuth):
    provider: str
    scopes: tuple[str, ...]

    def __init__(
        self,
        app: CalendarApp,
        *,
        session_factory: Callable[[], requests.Session] = outbound_session,
    ):
        self.app = app
        self._session_factory = session_factory

    @property
    def endpoints(self) -> Endpoints:
        # Checked against the allow-list at every use.
        return endpoints_for(self.app)

    def _authorize_params(self) -> dict[str, str]:
        return {}

    def authorize_url(self, *, state: str, redirect_uri: str, login_hint: str = "") -> str:
        params = {
            "client_id": self.app.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(self.scopes),
            "state": state,
            **self._authorize_params(),
        }
        if login_hint:
            params["login_hint"] = login_hint
        return f"{self.endpoints.authorize}?{urlencode(params)}"

    def _token_extra(self) -> dict[str, str]:
        return {}

    def _post(self, url: str, data: dict[str, str], what: str) -> requests.Response:
        """A form POST; redirects not followed (they would carry the secret along); every
        failure to get an answer reads the same to the person."""
        try:
            with self._session_factory() as session:
                return session.post(
                    url,
                    data=data,
                    headers={"Accept": "application/json"},
                    timeout=TIMEOUT,
                    allow_redirects=False,
                )
        except (requests.RequestException, OutboundRefused) as exc:
            logger.warning(
                "calendar %s %s failed: %s: %s",
                self.provider,
                what,
                type(exc).__name__,
                redact(str(exc)),
            )
            raise CalendarUnavailable(UNREACHABLE) from exc

    def _token(self, data: dict[str, str]) -> TokenGrant:
        grant_type = data["grant_type"]
        data = {
            **data,
            "client_id": self.app.client_id,
            "client_secret": self.app.client_secret,
            **self._token_extra(),
        }
        response = self._post(self.endpoints.token, data, f"token ({grant_type})")
        try:
            body: Any = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        status = response.status_code
        if status == 200 and isinstance(body.get("access_token"), str):
            try:
                expires_in = int(body.get("expires_in") or 3600)
            except (TypeError, ValueError):
                expires_in = 3600
            return TokenGrant(
                access_token=body["access_token"],
                refresh_token=str(body.get("refresh_token") or ""),
                expires_in=expires_in,
                scope=str(body.get("scope") or ""),
            )
        error = str(body.get("error") or "")[:60]
        logger.warning(
            "calendar %s token grant=%s status=%s error=%s said=%r",
            self.provider,
            grant_type,
            status,
            redact(error),
            redact(str(body.get("error_description") or response.reason)[:300]),
        )
        if status >= 500 or 300 <= status < 400 or status == 429:
            raise CalendarUnavailable(UNREACHABLE, status=status, code=error or None)
        if error in REVOKED_ERRORS:
            raise CalendarGrantRevoked(
                "The calendar no longer accepts this sign-in: connect it again.",
                status=status,
                code=error,
            )
        if error in ("invalid_client", "unauthorized_client") or status == 401:
            raise CalendarAuthError(
                "The calendar provider rejected the school's app (client id or secret): an "
                "admin must check the calendar settings.",
                status=status,
                code=error or None,
            )
        raise CalendarError(
            f"The calendar provider refused the sign-in ({status}).",
            status=status,
            code=error or None,
        )

    def exchange_code(self, *, code: str, redirect_uri: str) -> TokenGrant:
        grant = self._token(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        )
        if not grant.refresh_token:
            raise CalendarAuthError(
                "The calendar provider gave no lasting access: connect the calendar again.",
                code="no_refresh_token",
            )
        if grant.scope and scopes_missing(self.provider, grant.scope):
            raise CalendarAuthError(
                "Access to the calendar was not allowed: connect again and allow it.",
                code="insufficient_scope",
            )
        return grant

    def refresh(self, *, refresh_token: str) -> TokenGrant:
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def revoke(self, *, token: str) -> None:
        return None


class GoogleOAuth(_OAuth):
    provider = Provider.GOOGLE
    scopes = GOOGLE_SCOPES

    def _authorize_params(self) -> dict[str, str]:
        return {"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true"}

    def revoke(self, *, token: str) -> None:
        """Google's revocation endpoint: a refresh token revokes the whole grant. 400
        `invalid_token` means it is gone already, which is what was wanted."""
        response = self._post(self.endpoints.revoke, {"token": token}, "revoke")
        if response.status_code == 200:
            return
        try:
            error = str(response.json().get("error", ""))
        except (ValueError, AttributeError):
            error = ""
        logger.info("calendar google revoke status=%s error=%s", response.status_code, error[:60])
        if response.status_code == 400 and error == "invalid_token":
            return
        if response.status_code >= 500 or response.status_code == 429:
            raise CalendarUnavailable(UNREACHABLE, status=response.status_code)
        raise CalendarError(
            "Google refused to revoke the access.", status=response.status_code, code=error
        )


class MicrosoftOAuth(_OAuth):
    provider = Provider.MICROSOFT
    scopes = MICROSOFT_SCOPES

    def _authorize_params(self) -> dict[str, str]:
        return {"response_mode": "query"}

    def _token_extra(self) -> dict[str, str]:
        # v2.0 token requests name the scopes (a refresh may ask for the same or fewer).
        return {"scope": " ".join(self.scopes)}


def oauth_class(provider: str) -> type[_OAuth]:
    if provider == Provider.GOOGLE:
        return GoogleOAuth
    if provider == Provider.MICROSOFT:
        return MicrosoftOAuth
    raise CalendarError(f"Unknown calendar provider {provider!r}.")
