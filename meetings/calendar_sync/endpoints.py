"""Where the platform may call "Google Calendar" and "Microsoft Outlook": the providers' own
OAuth and API addresses, or the same laid out under a stand-in origin this environment allows
(`LIVEROLL_CALENDAR_ALLOWED_STAND_INS`: the local sandbox in development and tests; refused by
the production settings). A school picks among these, never a host of its own: its app's
client secret and people's refresh tokens are sent there.

A stand-in origin serves Google under `<origin>/google/…` and Microsoft under
`<origin>/microsoft/…`, each laid out like the provider (the sandbox does)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

from meetings.calendar_sync.models import CalendarApp, Provider
from meetings.calendar_sync.providers.base import CalendarError
from tenants.outbound import UnsafeURL, base_url_normalise

# Google: OAuth 2.0 for web server apps (developers.google.com/identity/protocols/oauth2/
# web-server), the OpenID Connect discovery document's userinfo_endpoint
# (accounts.google.com/.well-known/openid-configuration) and the Calendar API v3 base.
GOOGLE_AUTHORIZE = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"
GOOGLE_REVOKE = "https://oauth2.googleapis.com/revoke"
GOOGLE_USERINFO = "https://openidconnect.googleapis.com/v1/userinfo"
GOOGLE_API = "https://www.googleapis.com/calendar/v3"
# Microsoft identity platform v2.0 endpoints (learn.microsoft.com/entra/identity-platform/
# v2-oauth2-auth-code-flow) and Microsoft Graph v1.0.
MICROSOFT_LOGIN = "https://login.microsoftonline.com"
MICROSOFT_API = "https://graph.microsoft.com/v1.0"

# A directory (Entra tenant) as it goes into the login URL's path: "common", "organizations",
# "consumers", a GUID or a domain name. Nothing that could add a path segment or a query.
_DIRECTORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,98}[A-Za-z0-9])?$")


class EndpointNotAllowed(CalendarError):
    """The school's calendar app points at an address this environment does not call (saved
    before the allow-list changed), or at a directory that is not a plain name."""


@dataclass(frozen=True)
class Endpoints:
    authorize: str
    token: str
    revoke: str  # "" where the provider has no revocation endpoint (Microsoft)
    userinfo: str  # "" where the account comes from the API (Microsoft Graph's /me)
    api: str


def allowed_stand_ins() -> list[str]:
    """The stand-in origins this environment allows, normalised (none in production)."""
    entries: list[str] = []
    for entry in getattr(settings, "LIVEROLL_CALENDAR_ALLOWED_STAND_INS", ()):
        try:
            entries.append(base_url_normalise(entry))
        except UnsafeURL:
            continue  # the settings check at start-up reports these
    return entries


def stand_in_check(value: str) -> str:
    """`value` normalised if it is "" (the provider itself) or an allowed stand-in origin;
    UnsafeURL (a message for the admin) otherwise."""
    if not value:
        return ""
    normalised = base_url_normalise(value)
    allowed = allowed_stand_ins()
    if normalised not in allowed:
        raise UnsafeURL(
            "Leave this empty to use the provider itself"
            + (f", or use {' or '.join(allowed)}" if allowed else "")
            + ": this server calls no other calendar address."
        )
    return normalised


def directory_check(value: str) -> str:
    """A Microsoft directory name ("common" when empty); UnsafeURL when it is not a plain name."""
    value = (value or "common").strip()
    if not _DIRECTORY.match(value) or ".." in value:
        raise UnsafeURL('Enter a directory (tenant) id or domain, or "common".')
    return value


def endpoints_for(app: CalendarApp) -> Endpoints:
    """The addresses to call for this school's app, checked again at every use."""
    try:
        origin = stand_in_check(app.stand_in)
        directory = directory_check(app.directory_tenant)
    except UnsafeURL as exc:
        raise EndpointNotAllowed(
            "The school's calendar app points at an address this server does not call: "
            "an admin must save the calendar settings again."
        ) from exc
    if app.provider == Provider.GOOGLE:
        if not origin:
            return Endpoints(
                GOOGLE_AUTHORIZE, GOOGLE_TOKEN, GOOGLE_REVOKE, GOOGLE_USERINFO, GOOGLE_API
            )
        base = f"{origin}/google"
        return Endpoints(
            authorize=f"{base}/o/oauth2/v2/auth",
            token=f"{base}/token",
            revoke=f"{base}/revoke",
            userinfo=f"{base}/v1/userinfo",
            api=f"{base}/calendar/v3",
        )
    if app.provider == Provider.MICROSOFT:
        login = f"{origin}/microsoft" if origin else MICROSOFT_LOGIN
        api = f"{origin}/microsoft/v1.0" if origin else MICROSOFT_API
        return Endpoints(
            authorize=f"{login}/{directory}/oauth2/v2.0/authorize",
            token=f"{login}/{directory}/oauth2/v2.0/token",
            revoke="",
            userinfo="",
            api=api,
        )
    raise EndpointNotAllowed(f"Unknown calendar provider {app.provider!r}.")
