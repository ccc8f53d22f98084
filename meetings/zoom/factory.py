"""Which Zoom account acts for a meeting or a host, as a ready provider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from meetings.models import Meeting, ZoomConnection, ZoomSettings
from meetings.providers.base import MeetingProvider, MeetingProviderError
from meetings.zoom.client import ZoomClient
from meetings.zoom.endpoints import api_base
from meetings.zoom.oauth import AccountTokenSource, UserTokenSource
from meetings.zoom.provider import ZoomProvider
from meetings.zoom.ratelimit import rate_limiter_from_settings
from tenants.accounts.models import Role, User
from tenants.connection import tenant_connection


class ZoomNotConnected(MeetingProviderError):
    """Neither the host's own Zoom nor the school's Zoom account can be used."""


@dataclass(frozen=True)
class Acting:
    provider: MeetingProvider
    account: str  # Meeting.Account value
    host_user_id: str  # the Zoom user the meeting is made for ("me" for the token's owner)


def zoom_settings() -> ZoomSettings:
    zoom, _ = ZoomSettings.objects.get_or_create(singleton=True)
    return zoom


# Someone is waiting on the answer (a student opening their join link): wait less for a
# rate-limit token and retry less than a worker does, and say "try again" sooner.
INTERACTIVE: dict[str, Any] = {"max_retries": 1, "timeout": 5}


def _client_options(interactive: bool) -> dict[str, Any]:
    if not interactive:
        return {"limiter": rate_limiter_from_settings()}
    wait = float(getattr(settings, "LIVEROLL_JOIN_ZOOM_MAX_WAIT_SECONDS", 3))
    return {**INTERACTIVE, "limiter": rate_limiter_from_settings(max_wait=wait)}


def _user_provider(
    zoom: ZoomSettings, conn: ZoomConnection, *, interactive: bool = False
) -> MeetingProvider:
    key = f"{tenant_connection().schema_name}:{conn.zoom_account_id or conn.zoom_user_id}"
    client = ZoomClient(api_base(zoom), UserTokenSource(conn), key, **_client_options(interactive))
    return ZoomProvider(client)


def account_provider(
    zoom: ZoomSettings | None = None, *, interactive: bool = False
) -> MeetingProvider:
    zoom = zoom or zoom_settings()
    key = f"{tenant_connection().schema_name}:{zoom.account_id}"
    client = ZoomClient(
        api_base(zoom), AccountTokenSource(zoom), key, **_client_options(interactive)
    )
    return ZoomProvider(client)


def acting_for_host(host: User) -> Acting:
    """The host's own connection when usable, else the school's Server-to-Server account."""
    zoom = zoom_settings()
    conn = ZoomConnection.objects.filter(user=host).first()
    if conn is not None and conn.is_usable and zoom.has_app_credentials:
        return Acting(_user_provider(zoom, conn), Meeting.Account.USER, "me")
    if zoom.has_account_credentials:
        return Acting(account_provider(zoom), Meeting.Account.ACCOUNT, zoom.account_host_user)
    if conn is not None and conn.status == ZoomConnection.Status.NEEDS_RECONNECT:
        raise ZoomNotConnected("Zoom signed you out: reconnect Zoom, then try again.")
    if host.role == Role.ADMIN:
        # An admin is the one who sets it up: never send them to "an admin".
        raise ZoomNotConnected(
            "Connect your Zoom account first, or set up the school's Zoom account "
            "(Settings, Zoom: account id)."
        )
    raise ZoomNotConnected(
        "Connect your Zoom account first (or ask an admin to set up the school's Zoom account)."
    )


def provider_for_meeting(meeting: Meeting, *, interactive: bool = False) -> MeetingProvider:
    """The account the meeting was made on: only that one can change it. `interactive`: a
    person waits on the call (shorter waits and fewer retries)."""
    zoom = zoom_settings()
    if meeting.zoom_account == Meeting.Account.ACCOUNT:
        return account_provider(zoom, interactive=interactive)
    conn = ZoomConnection.objects.filter(user_id=meeting.host_id).first()
    if conn is None or not conn.is_usable:
        raise ZoomNotConnected(
            f"This class is on {meeting.host}'s Zoom, which is not connected now."
        )
    return _user_provider(zoom, conn, interactive=interactive)
