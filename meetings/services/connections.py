"""Teachers' own Zoom connections: OAuth connect, disconnect, token refresh."""

from __future__ import annotations

import logging
import secrets
from collections.abc import MutableMapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import ZoomConnection, ZoomSettings
from meetings.policy import access_admin
from meetings.providers.base import AuthenticationError, MeetingProviderError, ProviderUser
from meetings.zoom import oauth
from meetings.zoom.endpoints import api_base, oauth_base
from meetings.zoom.factory import ZoomNotConnected, zoom_settings
from tenants.accounts.models import Role, User
from tenants.audit.services import audit_record
from tenants.confirmation import email_confirmed_check
from tenants.connection import tenant_connection
from tenants.models import Organisation
from tenants.services import tenant_url

logger = logging.getLogger(__name__)

# The user's session; a plain dict in tests.
Session = SessionBase | MutableMapping[str, Any]


# --- teachers' Zoom connections -------------------------------------------------------------

OAUTH_STATE_SALT = "liveroll.zoom.oauth-state"
OAUTH_NONCE_KEY = "zoom_oauth_nonce"
OAUTH_STATE_MAX_AGE = 600


class OAuthStateError(Exception):
    """The callback's state is missing, forged, expired, replayed or for someone else."""


def zoom_callback_url(*, slug: str) -> str:
    """Where Zoom sends a teacher back after approving: always this school's own callback, built
    by the platform. Never typed by anyone: Zoom hands the authorization code to this address,
    so an address an admin could set would let it be sent anywhere."""
    return tenant_url(slug, "/oauth/zoom/callback/")


def zoom_webhook_url(*, slug: str) -> str:
    """Where the school's Zoom app sends its events (attendance's intake serves the path)."""
    return tenant_url(slug, "/webhooks/zoom/")


def zoom_callback_url_here() -> str:
    """`zoom_callback_url` of the school whose schema is in use (no request at hand)."""
    school = Organisation.objects.get(schema_name=tenant_connection().schema_name)
    return zoom_callback_url(slug=school.slug)


# The session key of the app's page to return to after Zoom's consent screen (set by the
# connectZoom mutation, read by the OAuth callback view).
ZOOM_APP_RETURN_KEY = "liveroll_zoom_return"


def zoom_connect_start(*, user: User, session: Session, tenant: Organisation) -> str:
    """The URL that sends the teacher to Zoom to approve. The state is signed, bound to this
    tenant and user, and to a nonce kept in their session (single use). Refused
    (EmailNotConfirmed) until the school admin's email is confirmed."""
    if user.role not in (Role.TEACHER, Role.ADMIN):
        raise ValidationError(_("Only teachers connect a Zoom account."))
    email_confirmed_check(organisation=tenant)
    zoom = zoom_settings()
    if not zoom.has_app_credentials:
        # An admin is the one who sets it up: never send them to "an admin".
        raise ZoomNotConnected(
            "Set up the school's Zoom app first (Settings, Zoom)."
            if user.role == Role.ADMIN
            else "The school's Zoom app is not set up yet: ask an admin."
        )
    nonce = secrets.token_urlsafe(16)
    session[OAUTH_NONCE_KEY] = nonce
    state = signing.dumps(
        {"s": tenant.schema_name, "u": user.pk, "n": nonce}, salt=OAUTH_STATE_SALT
    )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": zoom.client_id,
            "redirect_uri": zoom_callback_url(slug=tenant.slug),
            "state": state,
        }
    )
    return f"{oauth_base(zoom)}/oauth/authorize?{query}"


def zoom_connect_complete(
    *,
    user: User,
    session: Session,
    tenant: Organisation,
    code: str,
    state: str,
    ip: str | None = None,
) -> ZoomConnection:
    try:
        payload = signing.loads(state, salt=OAUTH_STATE_SALT, max_age=OAUTH_STATE_MAX_AGE)
    except signing.BadSignature as exc:
        raise OAuthStateError(_("The Zoom sign-in link is invalid or expired. Try again.")) from exc
    nonce = session.pop(OAUTH_NONCE_KEY, None)
    if (
        payload.get("s") != tenant.schema_name
        or payload.get("u") != user.pk
        or not nonce
        or payload.get("n") != nonce
    ):
        raise OAuthStateError(_("This Zoom sign-in was started by someone else, or already used."))
    if not code:
        raise OAuthStateError(_("Zoom did not send an authorization code."))
    zoom = zoom_settings()
    body = oauth.token_request(
        zoom,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": zoom_callback_url(slug=tenant.slug),
        },
    )
    me = _whoami(zoom, body["access_token"])
    conn, _created = ZoomConnection.objects.update_or_create(
        user=user,
        defaults={
            "status": ZoomConnection.Status.ACTIVE,
            "zoom_user_id": me.id,
            "zoom_email": me.email,
            "zoom_account_id": me.account_id,
            "access_token": body["access_token"],
            "refresh_token": body.get("refresh_token", ""),
            "expires_at": timezone.now() + timedelta(seconds=int(body.get("expires_in", 3600))),
            "scopes": body.get("scope", ""),
            "refreshed_at": timezone.now(),
            "last_error": "",
        },
    )
    audit_record(
        actor=user,
        action="zoom.connection.connected",
        target=conn,
        ip=ip,
        details={"zoom_email": me.email, "scopes": conn.scopes},
    )
    return conn


class _FixedToken:
    def __init__(self, token: str) -> None:
        self.token = token

    def access_token(self) -> str:
        return self.token

    def refresh(self, stale_token: str) -> str:
        raise AuthenticationError("Zoom rejected the token it just issued")


def _whoami(zoom: ZoomSettings, token: str) -> ProviderUser:
    from meetings.zoom.client import ZoomClient
    from meetings.zoom.provider import ZoomProvider

    key = f"{tenant_connection().schema_name}:connect"
    return ZoomProvider(ZoomClient(api_base(zoom), _FixedToken(token), key)).authenticate()


def zoom_disconnect(*, connection: ZoomConnection, actor: User, ip: str | None = None) -> None:
    """Revoke at Zoom (best effort: the local tokens go either way) and forget the tokens.
    The teacher disconnects their own; an admin can revoke anyone's."""
    if actor.pk != connection.user_id:
        access_admin(actor)
    zoom = zoom_settings()
    revoked_at_zoom = True
    token = connection.access_token or connection.refresh_token
    if token and zoom.has_app_credentials:
        try:
            oauth.token_revoke(zoom, token)
        except MeetingProviderError as exc:
            revoked_at_zoom = False
            logger.warning("revoking %s at Zoom failed: %s", connection.user, exc)
    connection.status = ZoomConnection.Status.REVOKED
    connection.access_token = ""
    connection.refresh_token = ""
    connection.expires_at = None
    connection.save()
    audit_record(
        actor=actor,
        action="zoom.connection.revoked"
        if actor.pk != connection.user_id
        else "zoom.connection.disconnected",
        target=connection,
        ip=ip,
        details={"user": connection.user.email, "revoked_at_zoom": revoked_at_zoom},
    )


def zoom_connections_refresh_due(*, within: timedelta = timedelta(minutes=15)) -> int:
    """Refresh every active connection whose token expires soon. Returns how many."""
    due = ZoomConnection.objects.filter(
        status=ZoomConnection.Status.ACTIVE, expires_at__lt=timezone.now() + within
    ).values_list("pk", flat=True)
    refreshed = 0
    for pk in due:
        try:
            oauth.connection_refresh(connection_id=pk)
            refreshed += 1
        except MeetingProviderError as exc:
            logger.warning("refreshing Zoom connection %s failed: %s", pk, exc)
    return refreshed


def zoom_connections_deauthorize(*, zoom_user_id: str, zoom_account_id: str = "") -> int:
    """Zoom says a user removed the app (`app_deauthorized`): delete the stored tokens of their
    connection(s) in this school and tell the teacher. Idempotent: a connection already without
    tokens is left alone. Returns how many connections lost their tokens."""
    if not zoom_user_id:
        return 0
    found = ZoomConnection.objects.select_for_update().filter(zoom_user_id=zoom_user_id)
    if zoom_account_id:
        found = found.filter(zoom_account_id__in=[zoom_account_id, ""])
    forgotten = 0
    for connection in found.select_related("user"):
        if connection.status == ZoomConnection.Status.REVOKED and not connection.refresh_token:
            continue
        oauth.zoom_connection_tokens_forget(
            connection=connection,
            status=ZoomConnection.Status.REVOKED,
            reason="app_deauthorized",
        )
        forgotten += 1
    return forgotten
