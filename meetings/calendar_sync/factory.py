"""The entry points to the calendar providers: the school's app for a provider, its OAuth,
and a ready provider for a person's connection. Everything else in calendar_sync reaches the
providers through these.

Connecting: `app = calendar_app(provider)` (CalendarNotSetUp when the school has none);
`oauth_for(app).authorize_url(state=…, redirect_uri=…, login_hint=…)`; back on the callback,
`grant = oauth_for(app).exchange_code(code=…, redirect_uri=…)` (CalendarAuthError
`insufficient_scope` when the person unticked the calendar), `provider_for_grant(app,
access_token=grant.access_token).account()` for the address and the calendar id, then
`tokens.connection_tokens_apply(connection=…, grant=grant)` and save.
Syncing: `provider_for(connection)` → `event_put` / `event_delete` / `busy`; any call may
raise a CalendarError, CalendarGrantRevoked once the connection is marked needs_reconnect
(tell the person). Disconnecting: delete the events, then `oauth_for(app).revoke(token=…)`
(Google; nothing at Microsoft). Call providers outside a transaction (see `tokens`)."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings

from meetings.calendar_sync.client import RATE_PREFIX, CalendarClient
from meetings.calendar_sync.endpoints import endpoints_for
from meetings.calendar_sync.models import CalendarApp, CalendarConnection, Provider
from meetings.calendar_sync.oauth import oauth_class
from meetings.calendar_sync.providers.base import (
    CalendarAuthError,
    CalendarError,
    CalendarOAuth,
    CalendarProvider,
)
from meetings.calendar_sync.providers.google import GoogleCalendar
from meetings.calendar_sync.providers.microsoft import MicrosoftCalendar
from meetings.calendar_sync.tokens import ConnectionTokens
from meetings.zoom.ratelimit import RateLimiter, _redis
from tenants.connection import tenant_connection

# Someone waits on the answer (free/busy for suggested times): fewer retries, shorter waits.
INTERACTIVE: dict[str, Any] = {"max_retries": 1, "timeout": 5}
INTERACTIVE_MAX_WAIT = 3.0


class CalendarNotSetUp(CalendarError):
    """The school has not entered (or has switched off) this provider's app."""


def calendar_app(provider: str) -> CalendarApp:
    """The school's app for `provider`, usable (enabled, with credentials); CalendarNotSetUp
    otherwise."""
    if provider not in Provider.values:
        raise CalendarNotSetUp(f"Unknown calendar provider {provider!r}.", code="unknown_provider")
    app = CalendarApp.objects.filter(provider=provider).first()
    if app is None or not app.usable:
        raise CalendarNotSetUp(
            f"{Provider(provider).label} is not set up for this school: ask an admin.",
            code="not_set_up",
        )
    return app


def oauth_for(app: CalendarApp) -> CalendarOAuth:
    """The app's OAuth (authorize URL, code exchange, refresh, revoke)."""
    return oauth_class(app.provider)(app)


@functools.cache
def _limiter(max_wait: float) -> RateLimiter:
    return RateLimiter(
        _redis(settings.REDIS_URL),
        rates=dict(getattr(settings, "LIVEROLL_CALENDAR_RATE_LIMITS", {})),
        prefix=RATE_PREFIX,
        max_wait=max_wait,
    )


def provider_for(
    connection: CalendarConnection, *, interactive: bool = False, app: CalendarApp | None = None
) -> CalendarProvider:
    """A ready provider for the person's connection, drawing on the shared limiter (one bucket
    per connection). Works for a connection being disconnected, and for an app since switched
    off (its events must still be removed); CalendarNotSetUp when the app has no credentials.
    `interactive`: a person waits on the answer (fewer retries, shorter waits)."""
    if app is None:
        app = CalendarApp.objects.filter(provider=connection.provider).first()
    if app is None or not app.has_credentials:
        raise CalendarNotSetUp(
            f"{connection.get_provider_display()} is not set up for this school: ask an admin.",
            code="not_set_up",
        )
    endpoints = endpoints_for(app)
    options: dict[str, Any] = dict(INTERACTIVE) if interactive else {}
    client = CalendarClient(
        provider=app.provider,
        api_base=endpoints.api,
        tokens=ConnectionTokens(connection, oauth_for(app)),
        account_key=f"{tenant_connection().schema_name}:{connection.pk}",
        limiter=_limiter(INTERACTIVE_MAX_WAIT if interactive else 10.0),
        **options,
    )
    if app.provider == Provider.GOOGLE:
        return GoogleCalendar(
            client, userinfo_url=endpoints.userinfo, calendar_id=connection.calendar_id
        )
    return MicrosoftCalendar(client, calendar_id=connection.calendar_id)


def provider_for_grant(app: CalendarApp, *, access_token: str) -> CalendarProvider:
    """A provider on a token just obtained (the OAuth callback, before a connection row
    exists): for `account()`, to learn whose calendar it is. No refresh, no shared bucket."""
    endpoints = endpoints_for(app)
    client = CalendarClient(
        provider=app.provider,
        api_base=endpoints.api,
        tokens=_FixedToken(access_token),
        account_key="",
        **INTERACTIVE,
    )
    if app.provider == Provider.GOOGLE:
        return GoogleCalendar(client, userinfo_url=endpoints.userinfo)
    return MicrosoftCalendar(client)


class _FixedToken:
    def __init__(self, token: str):
        self._token = token

    def access_token(self) -> str:
        return self._token

    def refresh(self, stale_token: str) -> str:
        raise CalendarAuthError("The calendar did not accept the new sign-in: connect again.")
