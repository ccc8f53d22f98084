"""Each provider's OAuth for a school's app, against the providers' own addresses.
Shapes: Google developers.google.com/identity/protocols/oauth2/web-server (authorization
parameters; token, refresh and revoke answers and errors); Microsoft learn.microsoft.com/
entra/identity-platform/v2-oauth2-auth-code-flow (authorize parameters; token answers and the
AADSTS error body)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django_tenants.utils import schema_context

from meetings.calendar_sync.factory import calendar_app, oauth_for
from meetings.calendar_sync.models import Provider
from meetings.calendar_sync.providers.base import (
    CalendarAuthError,
    CalendarGrantRevoked,
    CalendarUnavailable,
    TokenGrant,
)

from .conftest import GOOGLE_TOKEN, MS_TOKEN, google_token_body, ms_token_body

pytestmark = pytest.mark.django_db

REDIRECT = "https://alpha.example/oauth/calendar/google/callback/"


def _oauth(world, provider):
    with schema_context(world.schema):
        return oauth_for(calendar_app(provider))


def test_google_authorize_url_asks_for_offline_access_and_the_calendar(calendars):
    url = _oauth(calendars.world, Provider.GOOGLE).authorize_url(
        state="signed-state", redirect_uri=REDIRECT, login_hint="tara@gmail.com"
    )

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://accounts.google.com/o/oauth2/v2/auth"
    )
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "client_id": "google-client",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid email https://www.googleapis.com/auth/calendar.events "
        "https://www.googleapis.com/auth/calendar.freebusy",
        "state": "signed-state",
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "true",
        "login_hint": "tara@gmail.com",
    }


def test_microsoft_authorize_url_asks_for_offline_access_and_calendars(calendars):
    url = _oauth(calendars.world, Provider.MICROSOFT).authorize_url(
        state="st", redirect_uri=REDIRECT
    )

    parts = urlsplit(url)
    assert parts.netloc == "login.microsoftonline.com"
    assert parts.path == "/common/oauth2/v2.0/authorize"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["scope"] == "offline_access User.Read Calendars.ReadWrite"
    assert query["response_mode"] == "query" and "login_hint" not in query


def test_google_code_exchange(calendars, requests_mock):
    token = requests_mock.post(GOOGLE_TOKEN, json=google_token_body("a-1", refresh="r-1"))

    grant = _oauth(calendars.world, Provider.GOOGLE).exchange_code(
        code="4/0AX4", redirect_uri=REDIRECT
    )

    assert grant == TokenGrant("a-1", "r-1", 3599, google_token_body()["scope"])
    form = parse_qs(token.last_request.text)
    assert form["grant_type"] == ["authorization_code"] and form["code"] == ["4/0AX4"]
    assert form["client_secret"] == ["google-secret"]
    assert token.last_request.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_code_exchange_without_the_calendar_scope_is_refused(calendars, requests_mock):
    # Google's granular consent: the person unticked the calendar
    requests_mock.post(
        GOOGLE_TOKEN,
        json=google_token_body(
            "a-1", refresh="r-1", scope="openid https://www.googleapis.com/auth/userinfo.email"
        ),
    )

    with pytest.raises(CalendarAuthError) as raised:
        _oauth(calendars.world, Provider.GOOGLE).exchange_code(code="c", redirect_uri=REDIRECT)
    assert raised.value.code == "insufficient_scope"


def test_microsoft_code_exchange_reads_graph_scope_uris(calendars, requests_mock):
    requests_mock.post(MS_TOKEN, json=ms_token_body("a-1", "r-1"))

    grant = _oauth(calendars.world, Provider.MICROSOFT).exchange_code(
        code="OAAABAAAA", redirect_uri=REDIRECT
    )

    assert (grant.access_token, grant.refresh_token) == ("a-1", "r-1")


def test_wrong_client_secret_is_an_auth_error_for_the_admin(calendars, requests_mock):
    requests_mock.post(
        GOOGLE_TOKEN,
        status_code=401,
        json={"error": "invalid_client", "error_description": "Unauthorized"},
    )

    with pytest.raises(CalendarAuthError) as raised:
        _oauth(calendars.world, Provider.GOOGLE).refresh(refresh_token="r")
    assert "admin" in raised.value.message
    assert "Unauthorized" not in raised.value.message  # their words are only logged


def test_invalid_grant_is_grant_revoked(calendars, requests_mock):
    requests_mock.post(
        MS_TOKEN,
        status_code=400,
        json={
            "error": "invalid_grant",
            "error_description": "AADSTS50173: The provided grant has expired due to it being "
            "revoked.",
            "error_codes": [50173],
        },
    )

    with pytest.raises(CalendarGrantRevoked):
        _oauth(calendars.world, Provider.MICROSOFT).refresh(refresh_token="r")


def test_token_endpoint_5xx_is_unavailable(calendars, requests_mock):
    requests_mock.post(GOOGLE_TOKEN, status_code=503, text="")

    with pytest.raises(CalendarUnavailable):
        _oauth(calendars.world, Provider.GOOGLE).refresh(refresh_token="r")


def test_google_revoke_and_already_revoked(calendars, requests_mock):
    revoke = requests_mock.post(
        "https://oauth2.googleapis.com/revoke",
        [
            {"json": {}, "status_code": 200},
            {
                "json": {"error": "invalid_token", "error_description": "Token expired or revoked"},
                "status_code": 400,
            },
        ],
    )
    oauth = _oauth(calendars.world, Provider.GOOGLE)

    oauth.revoke(token="r-1")
    oauth.revoke(token="r-1")  # gone already: fine

    assert parse_qs(revoke.last_request.text) == {"token": ["r-1"]}


def test_microsoft_revoke_calls_nothing(calendars, requests_mock):
    _oauth(calendars.world, Provider.MICROSOFT).revoke(token="r-1")

    assert not requests_mock.called
