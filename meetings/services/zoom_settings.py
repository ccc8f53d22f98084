"""The school's Zoom app settings (admins): saved with write-only secrets, and tested."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.utils import timezone

from meetings.models import ZoomSettings
from meetings.policy import access_admin
from meetings.providers.base import (
    UNREACHABLE,
    AccountError,
    AuthenticationError,
    MeetingProviderError,
    ProviderUnavailableError,
    ScopeError,
)
from meetings.services.connections import zoom_callback_url_here
from meetings.zoom import oauth
from meetings.zoom.endpoints import EndpointNotAllowed, base_url_check
from meetings.zoom.factory import account_provider, zoom_settings
from tenants.accounts.models import User
from tenants.audit.services import audit_record
from tenants.confirmation import email_confirmed_check
from tenants.outbound import UnsafeURL
from tenants.text import max_length_of, text_problem

logger = logging.getLogger(__name__)


SECRET_FIELDS = ("client_secret", "webhook_secret_token")
PLAIN_FIELDS = (
    "client_id",
    "account_id",
    "api_base_url",
    "oauth_base_url",
    "account_host_user",
)
BASE_FIELDS = ("api_base_url", "oauth_base_url")  # where the server sends the credentials
# Secrets are sealed in columns without a limit; Zoom's are a few dozen characters, so this
# only stops a pasted megabyte.
SECRET_MAX_LENGTH = 500


# --- Zoom settings (admins) ----------------------------------------------------------------


def zoom_settings_save(*, actor: User, ip: str | None = None, **values: str | None) -> ZoomSettings:
    """Save the school's Zoom app settings. The OAuth redirect URL is not among them: it is
    always the school's own callback (`zoom_callback_url`). Secrets are write-only: an empty or
    missing secret keeps the stored one. The API and OAuth bases are Zoom's, or a stand-in this
    environment allows (meetings.zoom.endpoints); an empty or missing one keeps the stored one.
    Every change is audited by field name (never by value). Refused (EmailNotConfirmed) until
    the school admin's email is confirmed."""
    access_admin(actor)
    email_confirmed_check()
    unknown = set(values) - set(SECRET_FIELDS) - set(PLAIN_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown Zoom settings: {', '.join(sorted(unknown))}")
    zoom = zoom_settings()
    errors: dict[str, str | ValidationError] = {}
    for name, given in values.items():
        # A NUL character or an over-long value: a field error, not a database error.
        limit = SECRET_MAX_LENGTH if name in SECRET_FIELDS else max_length_of(ZoomSettings, name)
        problem = text_problem(given or "", max_length=limit)
        if problem is not None:
            errors[name] = problem
    if errors:
        raise ValidationError(errors)
    for name in PLAIN_FIELDS:
        if name in values:
            value = (values[name] or "").strip()
            if name in BASE_FIELDS:
                if not value:
                    del values[name]  # keep the stored one
                    continue
                try:
                    value = base_url_check(field=name, value=value)
                except UnsafeURL as exc:
                    errors[name] = str(exc)
            values[name] = value
    if not values.get("client_id", zoom.client_id):
        errors["client_id"] = "This is required."
    for name in ("client_secret", "webhook_secret_token"):
        if not values.get(name) and not getattr(zoom, name):
            errors[name] = "This is required."
    moved = [n for n in BASE_FIELDS if n in values and values[n] != getattr(zoom, n)]
    if moved and zoom.client_secret and not values.get("client_secret"):
        # The stored secret goes only where it was entered for: a new destination gets it
        # typed again, so that saving settings can never send the old one elsewhere.
        errors["client_secret"] = "Enter the client secret again to change where it is sent."
    if errors:
        raise ValidationError(errors)

    changed = []
    for name in PLAIN_FIELDS:
        if name in values and values[name] != getattr(zoom, name):
            setattr(zoom, name, values[name])
            changed.append(name)
    for name in SECRET_FIELDS:
        if values.get(name) and values[name] != getattr(zoom, name):
            setattr(zoom, name, values[name])
            changed.append(name)
    if {"client_id", "client_secret", "account_id", "oauth_base_url"} & set(changed):
        zoom.account_access_token = ""  # cached for the old credentials
        zoom.account_token_expires_at = None
    zoom.save()
    if changed:
        audit_record(
            actor=actor,
            action="zoom.settings.updated",
            target=zoom,
            ip=ip,
            details={"changed": changed},
        )
    return zoom


@dataclass(frozen=True)
class ConnectionTest:
    ok: bool
    # ok | not_configured | bad_credentials | wrong_account | missing_scope | unreachable | error
    outcome: str
    message: str
    zoom_email: str = ""
    # What Zoom answered, when it did: its HTTP status and error code (a code only when it
    # looks like one: a short token, never free text).
    zoom_status: int | None = None
    zoom_code: str = ""


_ZOOM_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,50}")


def _answered(result: ConnectionTest, exc: MeetingProviderError) -> ConnectionTest:
    code = str(exc.code) if exc.code is not None else ""
    return replace(
        result,
        zoom_status=exc.status if isinstance(exc.status, int) else None,
        zoom_code=code if _ZOOM_CODE.fullmatch(code) else "",
    )


def zoom_settings_test(*, actor: User, ip: str | None = None) -> ConnectionTest:
    """Get a token and make one cheap call; say precisely what failed. Refused
    (EmailNotConfirmed) until the school admin's email is confirmed."""
    access_admin(actor)
    email_confirmed_check()
    zoom = zoom_settings()
    result = _test(zoom)
    zoom.last_test_at = timezone.now()
    zoom.last_test_result = result.outcome
    zoom.last_test_message = result.message[:500]
    zoom.last_test_zoom_status = result.zoom_status
    zoom.last_test_zoom_code = result.zoom_code
    zoom.save(
        update_fields=[
            "last_test_at",
            "last_test_result",
            "last_test_message",
            "last_test_zoom_status",
            "last_test_zoom_code",
        ]
    )
    audit_record(
        actor=actor,
        action="zoom.settings.tested",
        target=zoom,
        ip=ip,
        details={"outcome": result.outcome},
    )
    return result


def _test(zoom: ZoomSettings) -> ConnectionTest:
    if not zoom.has_app_credentials:
        return ConnectionTest(False, "not_configured", "Enter the client id and secret first.")
    try:
        if zoom.account_id:
            zoom.account_access_token = ""  # test the credentials, not a cached token
            user = account_provider(zoom).authenticate()
            return ConnectionTest(
                True, "ok", f"Connected to the Zoom account as {user.email}.", user.email
            )
        # User OAuth only: a made-up code tells bad credentials (invalid_client) apart from
        # good ones (invalid_grant), with no user involved.
        oauth.token_request(
            zoom,
            {
                "grant_type": "authorization_code",
                "code": "liveroll-connection-test",
                "redirect_uri": zoom_callback_url_here(),
            },
        )
    # Our own words only: the answer came from whatever the settings pointed at, and what it
    # said (or whether it answered at all) is logged by the client, not shown.
    except AccountError as exc:
        return _answered(
            ConnectionTest(False, "wrong_account", "Zoom rejected the account id."), exc
        )
    except oauth.InvalidGrantError:
        return ConnectionTest(True, "ok", "Client id and secret accepted; teachers can connect.")
    except AuthenticationError as exc:
        return _answered(
            ConnectionTest(False, "bad_credentials", "Zoom rejected the client id or secret."),
            exc,
        )
    except ScopeError as exc:
        return _answered(
            ConnectionTest(
                False,
                "missing_scope",
                "The Zoom app lacks a permission (scope) the platform needs.",
            ),
            exc,
        )
    except EndpointNotAllowed as exc:
        return ConnectionTest(False, "not_configured", exc.message)
    except ProviderUnavailableError as exc:
        return _answered(ConnectionTest(False, "unreachable", UNREACHABLE), exc)
    except MeetingProviderError as exc:
        logger.warning("zoom connection test failed: %s (status=%s)", exc.message, exc.status)
        return _answered(
            ConnectionTest(False, "error", "Zoom refused the test. Check the settings."), exc
        )
    return ConnectionTest(True, "ok", "Credentials accepted.")
