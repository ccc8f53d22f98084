from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from meetings import services
from meetings.models import ZoomSettings
from tenants.audit.models import AuditEntry

from ..graphql.conftest import GQL
from .conftest import API, OAUTH, token_body
from .conftest import VALID_ZOOM_SETTINGS as VALID

pytestmark = pytest.mark.django_db

SETTINGS = "{ zoomSettings { clientId clientSecretHint webhookSecretHint } }"


def test_admin_saves_settings_and_secrets_are_sealed_and_audited_by_name(alpha):
    with schema_context(alpha.schema):
        services.zoom_settings_save(actor=alpha.users["admin"], ip="203.0.113.1", **VALID)
        with connection.cursor() as cursor:
            cursor.execute("SELECT client_secret, webhook_secret_token FROM meetings_zoomsettings")
            raw = cursor.fetchone()
        entry = AuditEntry.objects.get(action="zoom.settings.updated")

    assert all(value.startswith("enc:") for value in raw)
    assert "s3cret-client-value" not in str(raw) and "whsec-value-1234" not in str(raw)
    assert sorted(entry.details["changed"]) == sorted(VALID)
    assert "s3cret" not in str(entry.details)
    assert entry.actor_id == alpha.users["admin"].pk


def test_empty_secret_keeps_the_stored_one(alpha):
    with schema_context(alpha.schema):
        services.zoom_settings_save(actor=alpha.users["admin"], **VALID)
        services.zoom_settings_save(
            actor=alpha.users["admin"], **(VALID | {"client_secret": "", "client_id": "new-id"})
        )
        zoom = ZoomSettings.objects.get()
        second = AuditEntry.objects.filter(action="zoom.settings.updated").first()
    assert (zoom.client_id, zoom.client_secret) == ("new-id", "s3cret-client-value")
    assert second.details["changed"] == ["client_id"]


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_only_admins_edit_zoom_settings(alpha, role):
    with schema_context(alpha.schema), pytest.raises(PermissionDenied):
        services.zoom_settings_save(actor=alpha.users[role], **VALID)
    assert GQL(alpha, role)(SETTINGS)["errors"][0]["message"] == "Only school admins can do that."


def test_validation_names_each_bad_field(alpha):
    with schema_context(alpha.schema), pytest.raises(ValidationError) as caught:
        services.zoom_settings_save(
            actor=alpha.users["admin"],
            **(VALID | {"client_id": "", "api_base_url": "not a url", "client_secret": ""}),
        )
    errors = caught.value.message_dict
    assert set(errors) == {"client_id", "api_base_url", "client_secret"}


def test_the_settings_never_show_a_secret(alpha):
    with schema_context(alpha.schema):
        services.zoom_settings_save(actor=alpha.users["admin"], **VALID)
    shown = GQL(alpha, "admin").ok(SETTINGS)["zoomSettings"]
    assert "s3cret-client-value" not in str(shown) and "whsec-value-1234" not in str(shown)
    assert "…alue" in shown["clientSecretHint"]  # the last four characters, at most
    assert shown["clientId"] == "client-abc"


def test_the_settings_save_from_the_app(alpha):
    saved = GQL(alpha, "admin").ok(
        """mutation($input: ZoomSettingsInput!) {
            saveZoomSettings(input: $input) { ok errors { field code } }
        }""",
        input={
            "clientId": VALID["client_id"],
            "clientSecret": VALID["client_secret"],
            "webhookSecretToken": VALID["webhook_secret_token"],
        },
    )["saveZoomSettings"]
    assert saved == {"ok": True, "errors": []}
    with schema_context(alpha.schema):
        assert ZoomSettings.objects.get().client_secret == "s3cret-client-value"


# --- test connection ------------------------------------------------------------------------


def _test(alpha):
    with schema_context(alpha.schema):
        return services.zoom_settings_test(actor=alpha.users["admin"])


def test_connection_ok(zoom_alpha, requests_mock):
    requests_mock.post(f"{OAUTH}/oauth/token", json=token_body(refresh=None))
    requests_mock.get(f"{API}/users/me", json={"id": "u1", "email": "owner@alpha.test"})

    result = _test(zoom_alpha)

    assert (result.ok, result.outcome) == (True, "ok")
    assert "owner@alpha.test" in result.message
    assert (
        requests_mock.request_history[0].text == "grant_type=account_credentials&account_id=acct-1"
    )
    with schema_context(zoom_alpha.schema):
        assert ZoomSettings.objects.get().last_test_result == "ok"
        assert AuditEntry.objects.get(action="zoom.settings.tested").details == {"outcome": "ok"}


@pytest.mark.parametrize(
    ("token_response", "me_response", "outcome"),
    [
        (
            {
                "status_code": 401,
                "json": {"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
            },
            None,
            "bad_credentials",
        ),
        (
            {
                "status_code": 400,
                "json": {"reason": "Invalid account_id", "error": "invalid_request"},
            },
            None,
            "wrong_account",
        ),
        (
            {"json": token_body(refresh=None)},
            {
                "status_code": 400,
                "json": {
                    "code": 4711,
                    "message": "Invalid access token, does not contain scopes:[user:read].",
                },
            },
            "missing_scope",
        ),
        ({"exc": requests.exceptions.ConnectTimeout}, None, "unreachable"),
    ],
)
def test_connection_failures_say_which(
    zoom_alpha, requests_mock, token_response, me_response, outcome
):
    requests_mock.post(f"{OAUTH}/oauth/token", **token_response)
    if me_response:
        requests_mock.get(f"{API}/users/me", **me_response)

    result = _test(zoom_alpha)

    assert (result.ok, result.outcome) == (False, outcome)


def test_connection_test_for_user_oauth_only_apps(zoom_alpha, requests_mock):
    with schema_context(zoom_alpha.schema):
        ZoomSettings.objects.update(account_id="")
    requests_mock.post(
        f"{OAUTH}/oauth/token",
        status_code=400,
        json={"reason": "Invalid authorization code", "error": "invalid_grant"},
    )
    assert _test(zoom_alpha).outcome == "ok"


SAVE = """mutation($input: ZoomSettingsInput!) {
    saveZoomSettings(input: $input) { ok errors { field message code } } }"""


def _save_over_graphql(alpha, **fields):
    variables = {
        "input": {"clientId": "client-abc", "clientSecret": "s3cret", "webhookSecretToken": "wh"}
        | fields
    }
    response = alpha.client("admin").post(
        "/graphql/", {"query": SAVE, "variables": variables}, content_type="application/json"
    )
    return response.json()["data"]["saveZoomSettings"]


@pytest.mark.parametrize(
    "field", ["clientId", "clientSecret", "accountId", "accountHostUser", "webhookSecretToken"]
)
@pytest.mark.parametrize(
    ("value", "code"), [("abc\x00def", "nul_character"), ("x" * 5_000, "too_long")]
)
def test_a_nul_character_or_an_over_long_value_is_a_field_error(alpha, field, value, code):
    # when: before, PostgreSQL refused the text and the client saw "Unexpected error."
    result = _save_over_graphql(alpha, **{field: value})

    # then
    assert result["ok"] is False
    assert [(e["field"], e["code"]) for e in result["errors"]] == [(field, code)]
    with schema_context(alpha.schema):
        assert not ZoomSettings.objects.filter(client_id="client-abc").exists()


def test_the_oauth_redirect_url_cannot_be_set(alpha):
    # when: an admin (or whoever holds an admin's session) points Zoom's return address, where
    # Zoom sends the teachers' authorization codes, elsewhere
    body = alpha.client("admin").post(
        "/graphql/",
        {
            "query": SAVE,
            "variables": {"input": {"clientId": "c", "redirectUrl": "https://evil.example/"}},
        },
        content_type="application/json",
    )
    with schema_context(alpha.schema), pytest.raises(ValidationError) as caught:
        services.zoom_settings_save(
            actor=alpha.users["admin"], **(VALID | {"redirect_url": "https://evil.example/"})
        )

    # then: the API has no such field, and the service refuses it by name
    assert body.json()["data"] is None
    assert "redirect_url" in str(caught.value)
    with schema_context(alpha.schema):
        assert not ZoomSettings.objects.filter(client_id="client-abc").exists()


def test_the_oauth_redirect_url_is_the_schools_own_callback(zoom_alpha):
    # given
    expected = services.zoom_callback_url(slug=zoom_alpha.org.slug)

    # when
    with schema_context(zoom_alpha.schema):
        url = services.zoom_connect_start(
            user=zoom_alpha.users["teacher"], session={}, tenant=zoom_alpha.org
        )
    shown = (
        zoom_alpha.client("admin")
        .post(
            "/graphql/",
            {"query": "{ zoomSettings { redirectUrl } }"},
            content_type="application/json",
        )
        .json()["data"]["zoomSettings"]["redirectUrl"]
    )

    # then
    assert expected.endswith("/oauth/zoom/callback/") and zoom_alpha.org.slug in expected
    assert parse_qs(urlsplit(url).query)["redirect_uri"] == [expected]
    assert shown == expected
