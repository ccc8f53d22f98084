import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.models import ZoomConnection
from zoom_sandbox.server import SandboxServer

from ..support import zoom_settings_set

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "zoom"
OAUTH = "https://zoom.test"
API = f"{OAUTH}/v2"  # where zoom_settings_set(zoom_url=OAUTH) points the REST API
# A complete, valid set of a school's Zoom settings, as an admin saves them.
VALID_ZOOM_SETTINGS = {
    "client_id": "client-abc",
    "client_secret": "s3cret-client-value",
    "account_id": "acct-9",
    "webhook_secret_token": "whsec-value-1234",
    "api_base_url": API,
    "oauth_base_url": OAUTH,
}


def sample(name: str) -> dict:
    """A real Zoom body from tests/fixtures/zoom (rest/ or webhooks/)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8-sig"))


def created_meeting_body(meeting_id=92674392836, occurrences=(), **overrides) -> dict:
    body = sample("rest/users-userId-meetings_POST__Jericho-ZoomNet.json")
    body.update(
        id=meeting_id,
        join_url=f"https://zoom.test/j/{meeting_id}?pwd=secretpwd",
        start_url=f"https://zoom.test/s/{meeting_id}?zak=hostsecret",
        occurrences=list(occurrences),
    )
    body.update(overrides)
    return body


@pytest.fixture
def zoom_alpha(alpha):
    """alpha's Zoom app configured (Server-to-Server and user OAuth) against https://zoom.test."""
    with schema_context(alpha.schema):
        zoom_settings_set(
            zoom_url=OAUTH,
            client_id="cid",
            client_secret="client-secret-value",
            account_id="acct-1",
            webhook_secret_token="webhook-secret-value",
        )
    return alpha


@pytest.fixture
def teacher_connected(zoom_alpha):
    """alpha's teacher has connected their own Zoom; the token is fresh."""
    with schema_context(zoom_alpha.schema):
        ZoomConnection.objects.create(
            user=zoom_alpha.users["teacher"],
            zoom_user_id="zu-teacher",
            zoom_email="teacher.zoom@alpha.test",
            zoom_account_id="acct-1",
            access_token="user-access-1",
            refresh_token="user-refresh-1",
            expires_at=timezone.now() + timedelta(hours=1),
            scopes="meeting:write meeting:read user:read",
        )
    return zoom_alpha


def token_body(access="acc", refresh="ref", expires_in=3599, scope="meeting:write user:read"):
    body = {"access_token": access, "token_type": "bearer", "expires_in": expires_in}
    if refresh:
        body["refresh_token"] = refresh
    body["scope"] = scope
    return body


@pytest.fixture
def sandbox(settings):
    """The Zoom sandbox on a free port, its origin allowed as a stand-in for Zoom."""
    with SandboxServer(log=lambda line: None) as server:
        settings.LIVEROLL_ZOOM_ALLOWED_BASES = [*settings.LIVEROLL_ZOOM_ALLOWED_BASES, server.url]
        yield server


def sandbox_account_set(sandbox) -> None:
    """The current school's Zoom: the sandbox's demo Server-to-Server account."""
    zoom_settings_set(
        zoom_url=sandbox.url,
        client_id="demo-client-id",
        client_secret="demo-client-secret",
        account_id="demo-account",
        webhook_secret_token="whs",
    )
