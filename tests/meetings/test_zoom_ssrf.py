"""An admin (sign-up is open: anyone) cannot make the server call an address of their choosing
with the school's Zoom credentials, nor read back what that address answers."""

import pytest
import requests
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from meetings import services
from meetings.models import ZoomSettings
from meetings.providers.base import UNREACHABLE
from meetings.zoom import oauth
from meetings.zoom.client import ZoomClient
from meetings.zoom.endpoints import EndpointNotAllowed
from tenants.outbound import UnsafeURL

from ..support import zoom_settings_set
from .conftest import API, OAUTH, token_body
from .conftest import VALID_ZOOM_SETTINGS as VALID

pytestmark = pytest.mark.django_db

ATTACKS = [
    "http://127.0.0.1:6379",
    "http://localhost:5432",
    "http://[::1]:8000",
    "http://169.254.169.254/latest/meta-data",
    "http://2130706433",
    "https://attacker.example",
    "https://zoom.us/?x=",  # swallows the path the client appends
    "https://zoom.us#",
    "https://zoom.us@attacker.example",  # user info
    "https://attacker.example\\@zoom.us",
    "https://zoom.us/../evil",
    "https://zoom.us/oauth;x",
    "https://zoom.us%2F@attacker.example",
    "ftp://zoom.us",
    "file:///etc/passwd",
    "https://ZOOM.us:444",
]


@pytest.mark.parametrize("field", ["oauth_base_url", "api_base_url"])
@pytest.mark.parametrize("url", ATTACKS)
def test_saving_a_base_that_is_not_allowed_is_a_field_error_and_saves_nothing(alpha, field, url):
    with schema_context(alpha.schema):
        with pytest.raises(ValidationError) as caught:
            services.zoom_settings_save(actor=alpha.users["admin"], **(VALID | {field: url}))
        assert set(caught.value.message_dict) == {field}
        assert not ZoomSettings.objects.filter(client_id="client-abc").exists()


def test_zooms_own_bases_are_always_allowed_and_stored_plainly(alpha, settings):
    settings.LIVEROLL_ZOOM_ALLOWED_BASES = []  # production
    with schema_context(alpha.schema):
        services.zoom_settings_save(
            actor=alpha.users["admin"],
            **(
                VALID
                | {
                    "api_base_url": "https://API.zoom.us:443/v2/",
                    "oauth_base_url": "https://zoom.us/",
                }
            ),
        )
        zoom = ZoomSettings.objects.get()
    assert (zoom.api_base_url, zoom.oauth_base_url) == ("https://api.zoom.us/v2", "https://zoom.us")


def test_in_production_the_test_stand_in_is_refused(alpha, settings):
    settings.LIVEROLL_ZOOM_ALLOWED_BASES = []
    with schema_context(alpha.schema), pytest.raises(ValidationError):
        services.zoom_settings_save(actor=alpha.users["admin"], **VALID)


def test_graphql_answers_a_typed_field_error(alpha):
    # given
    mutation = """mutation($input: ZoomSettingsInput!) {
        saveZoomSettings(input: $input) { ok errors { field message code } } }"""
    variables = {
        "input": {
            "clientId": "client-abc",
            "clientSecret": "s3cret-client-value",
            "webhookSecretToken": "whsec",
            "oauthBaseUrl": "http://169.254.169.254",
        }
    }

    # when
    body = (
        alpha.client("admin")
        .post(
            "/graphql/",
            {"query": mutation, "variables": variables},
            content_type="application/json",
        )
        .json()
    )

    # then
    result = body["data"]["saveZoomSettings"]
    assert result["ok"] is False
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("oauthBaseUrl", "invalid")]
    assert "this server calls no other Zoom address" in result["errors"][0]["message"]
    with schema_context(alpha.schema):
        assert not ZoomSettings.objects.filter(client_id="client-abc").exists()


def test_moving_the_secret_elsewhere_needs_the_secret_again(zoom_alpha, settings):
    # given: two allowed destinations (a sandbox and Zoom)
    with schema_context(zoom_alpha.schema):
        with pytest.raises(ValidationError) as caught:
            services.zoom_settings_save(
                actor=zoom_alpha.users["admin"],
                client_id="cid",
                oauth_base_url="https://zoom.us",
                api_base_url="https://api.zoom.us/v2",
            )
        assert set(caught.value.message_dict) == {"client_secret"}
        assert ZoomSettings.objects.get().oauth_base_url == OAUTH


# --- a base stored before the allow-list is never called -----------------------------------


@pytest.mark.parametrize("stored", ["http://169.254.169.254", "https://zoom.test?x="])
def test_a_stored_base_that_is_not_allowed_is_not_called(zoom_alpha, requests_mock, stored):
    with schema_context(zoom_alpha.schema):
        zoom_settings_set(oauth_base_url=stored, api_base_url=stored)
        result = services.zoom_settings_test(actor=zoom_alpha.users["admin"])
        with pytest.raises(EndpointNotAllowed):
            oauth.token_request(ZoomSettings.objects.get(), {"grant_type": "refresh_token"})
    assert requests_mock.call_count == 0
    assert (result.ok, result.outcome) == (False, "not_configured")
    assert "save the Zoom settings again" in result.message


def test_the_client_builds_urls_that_cannot_be_steered():
    with pytest.raises(UnsafeURL):
        ZoomClient("https://zoom.test/v2?x=", tokens=None, account_key="k")
    client = ZoomClient(API, tokens=None, account_key="k")
    for path in ("/users/me?x=1", "//attacker.example/x", "users/me", "/a#b"):
        with pytest.raises(ValueError, match="not a path"):
            client.request("GET", path, category="light")


# --- nothing the other end says reaches the user ---------------------------------------------

BODY = "<html>redis_version:7.2 internal-admin-panel</html>"


@pytest.mark.parametrize(
    ("token_response", "outcome"),
    [
        (
            {"status_code": 401, "json": {"error": "invalid_client", "reason": BODY}},
            "bad_credentials",
        ),
        (
            {"status_code": 400, "json": {"error": "x", "reason": f"account {BODY}"}},
            "wrong_account",
        ),
        ({"status_code": 400, "json": {"error": "x", "error_description": BODY}}, "error"),
        ({"status_code": 500, "text": BODY}, "unreachable"),
        ({"status_code": 200, "json": {"reason": BODY}}, "error"),
    ],
)
def test_test_connection_never_echoes_the_answer(
    zoom_alpha, requests_mock, token_response, outcome
):
    requests_mock.post(f"{OAUTH}/oauth/token", **token_response)
    with schema_context(zoom_alpha.schema):
        result = services.zoom_settings_test(actor=zoom_alpha.users["admin"])
        stored = ZoomSettings.objects.get().last_test_message
    assert result.outcome == outcome
    assert "redis_version" not in result.message and "redis_version" not in stored


def test_api_errors_never_echo_the_answer(zoom_alpha, requests_mock):
    requests_mock.post(f"{OAUTH}/oauth/token", json=token_body(refresh=None))
    requests_mock.get(f"{API}/users/me", status_code=400, json={"code": 300, "message": BODY})
    with schema_context(zoom_alpha.schema):
        result = services.zoom_settings_test(actor=zoom_alpha.users["admin"])
    assert result.outcome == "error" and "redis_version" not in result.message


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ConnectionError("[Errno 111] Connection refused"),
        requests.exceptions.ConnectTimeout("timed out"),
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.SSLError("wrong version number"),
    ],
)
def test_open_and_closed_ports_read_the_same(zoom_alpha, requests_mock, failure):
    requests_mock.post(f"{OAUTH}/oauth/token", exc=failure)
    with schema_context(zoom_alpha.schema):
        result = services.zoom_settings_test(actor=zoom_alpha.users["admin"])
    assert (result.outcome, result.message) == ("unreachable", UNREACHABLE)


def test_the_token_endpoint_redirect_is_not_followed(zoom_alpha, requests_mock):
    requests_mock.post(
        f"{OAUTH}/oauth/token",
        status_code=307,
        headers={"Location": "http://169.254.169.254/latest/meta-data/"},
    )
    with schema_context(zoom_alpha.schema):
        result = services.zoom_settings_test(actor=zoom_alpha.users["admin"])
    assert (result.outcome, result.message) == ("unreachable", UNREACHABLE)
    assert requests_mock.call_count == 1


def test_an_api_redirect_is_not_followed(zoom_alpha, requests_mock):
    requests_mock.post(f"{OAUTH}/oauth/token", json=token_body(refresh=None))
    requests_mock.get(
        f"{API}/users/me", status_code=302, headers={"Location": "http://10.0.0.1/admin"}
    )
    # the target answers like Zoom would: following the redirect would make the test "ok"
    target = requests_mock.get("http://10.0.0.1/admin", json={"id": "x", "email": "x@y.z"})
    with schema_context(zoom_alpha.schema):
        result = services.zoom_settings_test(actor=zoom_alpha.users["admin"])
    assert result.outcome == "unreachable"
    assert not target.called
    assert [r.url for r in requests_mock.request_history][-1] == f"{API}/users/me"
