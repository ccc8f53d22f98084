from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings import services
from meetings.models import ZoomConnection
from meetings.providers.base import InvalidGrantError
from meetings.zoom import oauth
from tenants.audit.models import AuditEntry

from ..graphql.conftest import GQL
from .conftest import API, OAUTH, token_body

pytestmark = pytest.mark.django_db


def _start_connect(world, client):
    response = client.post("/zoom/connect/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}" == OAUTH
    return parse_qs(location.query)


def test_teacher_connects_zoom_and_sees_connected_as(zoom_alpha, requests_mock):
    # given
    client = zoom_alpha.client("teacher")
    query = _start_connect(zoom_alpha, client)
    assert query["redirect_uri"] == ["http://alpha.localhost:8000/oauth/zoom/callback/"]
    assert query["client_id"] == ["cid"]
    requests_mock.post(f"{OAUTH}/oauth/token", json=token_body("acc-1", "ref-1"))
    requests_mock.get(
        f"{API}/users/me",
        json={"id": "zu-42", "email": "tara@zoom.example", "account_id": "acct-1"},
    )

    # when: Zoom redirects back with a code and the state
    response = client.get("/oauth/zoom/callback/", {"code": "the-code", "state": query["state"][0]})

    # then: back in the app, connected
    assert response.status_code == 302
    # a teacher's own Zoom page in the app (an admin's is the school's Zoom settings)
    assert response["Location"] == "/app/my-zoom?zoom=connected"
    mine = GQL(zoom_alpha, client=client).ok("{ myZoomConnection { zoomEmail status } }")
    assert mine["myZoomConnection"]["zoomEmail"] == "tara@zoom.example"
    token_call = requests_mock.request_history[0]
    assert "grant_type=authorization_code" in token_call.text and "code=the-code" in token_call.text
    with schema_context(zoom_alpha.schema):
        conn = ZoomConnection.objects.get(user=zoom_alpha.users["teacher"])
        assert (conn.zoom_user_id, conn.access_token, conn.refresh_token) == (
            "zu-42",
            "acc-1",
            "ref-1",
        )
        assert conn.scopes == "meeting:write user:read"
        assert AuditEntry.objects.filter(action="zoom.connection.connected").exists()


def test_callback_refuses_a_forged_state(zoom_alpha, requests_mock):
    client = zoom_alpha.client("teacher")
    _start_connect(zoom_alpha, client)
    response = client.get("/oauth/zoom/callback/", {"code": "c", "state": "forged"})
    assert response.status_code == 400
    assert "invalid or expired" in response.content.decode()
    assert 'href="/app/my-zoom"' in response.content.decode()
    assert not requests_mock.called


def test_callback_refuses_a_state_started_by_someone_else(zoom_alpha, requests_mock):
    # given: the admin starts a connection; the teacher is sent the callback link
    query = _start_connect(zoom_alpha, zoom_alpha.client("admin"))
    victim = zoom_alpha.client("teacher")
    _start_connect(zoom_alpha, victim)  # the victim has a nonce of their own

    response = victim.get("/oauth/zoom/callback/", {"code": "c", "state": query["state"][0]})

    assert "started by someone else" in response.content.decode()
    assert not requests_mock.called


def test_callback_state_is_single_use(zoom_alpha, requests_mock):
    client = zoom_alpha.client("teacher")
    query = _start_connect(zoom_alpha, client)
    requests_mock.post(f"{OAUTH}/oauth/token", json=token_body())
    requests_mock.get(f"{API}/users/me", json={"id": "z", "email": "z@zoom.example"})
    client.get("/oauth/zoom/callback/", {"code": "c", "state": query["state"][0]})
    calls = requests_mock.call_count

    again = client.get(
        "/oauth/zoom/callback/", {"code": "c", "state": query["state"][0]}, follow=True
    )

    assert "already used" in again.content.decode()
    assert requests_mock.call_count == calls


def test_state_from_another_tenant_is_refused(zoom_alpha, beta, requests_mock):
    with schema_context(zoom_alpha.schema):
        session = {}
        url = services.zoom_connect_start(
            user=zoom_alpha.users["teacher"], session=session, tenant=zoom_alpha.org
        )
    state = parse_qs(urlsplit(url).query)["state"][0]
    # The same user and session, so that only the tenant differs from what the state says.
    with schema_context(beta.schema), pytest.raises(services.OAuthStateError):
        services.zoom_connect_complete(
            user=zoom_alpha.users["teacher"],
            session=session,
            tenant=beta.org,
            code="c",
            state=state,
        )


def test_students_cannot_connect_zoom(zoom_alpha):
    response = zoom_alpha.client("student").post("/zoom/connect/")
    assert response.status_code == 400
    assert "Only teachers" in response.content.decode()


# --- refresh ---------------------------------------------------------------------------------


def _source(world):
    with schema_context(world.schema):
        return oauth.UserTokenSource(ZoomConnection.objects.get(user=world.users["teacher"]))


def test_token_near_expiry_is_refreshed_and_rotated(teacher_connected, requests_mock):
    with schema_context(teacher_connected.schema):
        ZoomConnection.objects.update(expires_at=timezone.now() + timedelta(minutes=2))
    requests_mock.post(f"{OAUTH}/oauth/token", json=token_body("user-access-2", "user-refresh-2"))

    with schema_context(teacher_connected.schema):
        token = _source(teacher_connected).access_token()
        conn = ZoomConnection.objects.get()

    assert token == "user-access-2"
    assert conn.refresh_token == "user-refresh-2"
    assert "refresh_token=user-refresh-1" in requests_mock.last_request.text


def test_a_fresh_token_is_not_refreshed(teacher_connected, requests_mock):
    with schema_context(teacher_connected.schema):
        assert _source(teacher_connected).access_token() == "user-access-1"
    assert not requests_mock.called


def test_refresh_after_someone_else_refreshed_reuses_their_token(teacher_connected, requests_mock):
    requests_mock.post(f"{OAUTH}/oauth/token", json=token_body("user-access-2", "user-refresh-2"))
    with schema_context(teacher_connected.schema):
        source = _source(teacher_connected)
        assert source.refresh("user-access-1") == "user-access-2"
        # a second caller that also saw the old token as stale
        assert source.refresh("user-access-1") == "user-access-2"
    assert requests_mock.call_count == 1


def test_invalid_grant_marks_the_connection_for_reconnect(teacher_connected, requests_mock):
    requests_mock.post(
        f"{OAUTH}/oauth/token",
        status_code=400,
        json={"reason": "Invalid Token!", "error": "invalid_grant"},
    )
    with schema_context(teacher_connected.schema):
        with pytest.raises(InvalidGrantError):
            _source(teacher_connected).refresh("user-access-1")
        conn = ZoomConnection.objects.get()
    assert conn.status == ZoomConnection.Status.NEEDS_RECONNECT
    mine = GQL(teacher_connected, "teacher").ok("{ myZoomConnection { status } }")
    assert mine["myZoomConnection"]["status"] == "needs_reconnect"


def test_disconnect_revokes_at_zoom_and_forgets_tokens(teacher_connected, requests_mock):
    requests_mock.post(f"{OAUTH}/oauth/revoke", json={"status": "success"})

    response = teacher_connected.client("teacher").post("/zoom/disconnect/")

    assert response.status_code == 302
    assert requests_mock.last_request.qs == {"token": ["user-access-1"]}
    with schema_context(teacher_connected.schema):
        conn = ZoomConnection.objects.get()
        entry = AuditEntry.objects.get(action="zoom.connection.disconnected")
    assert (conn.status, conn.access_token, conn.refresh_token) == ("revoked", "", "")
    assert entry.details["revoked_at_zoom"] is True


def test_admin_revokes_a_teachers_connection_but_a_student_cannot(teacher_connected, requests_mock):
    requests_mock.post(f"{OAUTH}/oauth/revoke", json={"status": "success"})
    teacher_id = teacher_connected.users["teacher"].pk
    revoke = "mutation($id: ID!) { revokeZoomConnection(userId: $id) { ok errors { code } } }"

    refused = GQL(teacher_connected, "student")(revoke, id=str(teacher_id))
    assert refused.get("errors") or not refused["data"]["revokeZoomConnection"]["ok"]
    with schema_context(teacher_connected.schema):
        assert ZoomConnection.objects.get().status == ZoomConnection.Status.ACTIVE
    revoked = GQL(teacher_connected, "admin").ok(revoke, id=str(teacher_id))
    assert revoked["revokeZoomConnection"] == {"ok": True, "errors": []}

    with schema_context(teacher_connected.schema):
        assert ZoomConnection.objects.get().status == ZoomConnection.Status.REVOKED
        assert AuditEntry.objects.filter(action="zoom.connection.revoked").exists()


def test_the_periodic_refresh_takes_only_tokens_about_to_expire(teacher_connected, requests_mock):
    from meetings.services import zoom_connections_refresh_due
    from tenants.accounts.models import Role
    from tenants.accounts.services import user_create

    with schema_context(teacher_connected.schema):
        ZoomConnection.objects.update(expires_at=timezone.now() + timedelta(minutes=10))
        other = user_create(email="t2@alpha.test", password=None, role=Role.TEACHER)
        ZoomConnection.objects.create(
            user=other,
            access_token="fresh",
            refresh_token="fresh-r",
            expires_at=timezone.now() + timedelta(hours=2),
        )
        requests_mock.post(f"{OAUTH}/oauth/token", json=token_body("renewed", "renewed-r"))

        assert zoom_connections_refresh_due() == 1

        tokens = dict(ZoomConnection.objects.values_list("user__email", "access_token"))
    assert tokens == {"teacher@alpha.test": "renewed", "t2@alpha.test": "fresh"}
    assert requests_mock.call_count == 1


CONNECT = """mutation($back: String) {
  connectZoom(returnTo: $back) { authorizeUrl errors { field code } }
}"""


def _gql(client, query, **variables):
    response = client.post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    return response.json()["data"]


def test_connecting_from_the_app_returns_to_the_page_that_started_it(zoom_alpha, requests_mock):
    # given: an admin starts from the app's My Zoom page (not their usual Zoom settings)
    client = zoom_alpha.client("admin")
    started = _gql(client, CONNECT, back="/app/my-zoom")["connectZoom"]
    assert started["errors"] == []
    state = parse_qs(urlsplit(started["authorizeUrl"]).query)["state"][0]
    requests_mock.post(f"{OAUTH}/oauth/token", json=token_body("acc-1", "ref-1"))
    requests_mock.get(f"{API}/users/me", json={"id": "zu-42", "email": "t@zoom.example"})

    # when: Zoom sends them back
    response = client.get("/oauth/zoom/callback/", {"code": "the-code", "state": state})

    # then: to that page, with the outcome
    assert response["Location"] == "/app/my-zoom?zoom=connected"


def test_a_connect_without_a_page_does_not_return_to_an_earlier_ones(zoom_alpha, requests_mock):
    # given: a connect started from My Zoom, abandoned; then one started without a page
    client = zoom_alpha.client("admin")
    _gql(client, CONNECT, back="/app/my-zoom")
    started = _gql(client, CONNECT)["connectZoom"]
    state = parse_qs(urlsplit(started["authorizeUrl"]).query)["state"][0]
    requests_mock.post(f"{OAUTH}/oauth/token", json=token_body("acc-1", "ref-1"))
    requests_mock.get(f"{API}/users/me", json={"id": "zu-42", "email": "t@zoom.example"})

    # when: Zoom sends them back
    response = client.get("/oauth/zoom/callback/", {"code": "the-code", "state": state})

    # then: to their usual Zoom page, not the abandoned one's
    assert response["Location"] == "/app/settings/zoom?zoom=connected"


def test_a_refused_consent_leads_back_to_the_page_that_started_it(zoom_alpha):
    client = zoom_alpha.client("admin")
    _gql(client, CONNECT, back="/app/my-zoom")

    response = client.get("/oauth/zoom/callback/", {"error": "access_denied"})

    assert response.status_code == 400
    assert 'href="/app/my-zoom"' in response.content.decode()


@pytest.mark.parametrize("back", ["https://evil.example/app/", "//evil.example/app", "/app/../x"])
def test_connect_zoom_returns_only_into_the_app(zoom_alpha, back):
    started = _gql(zoom_alpha.client("teacher"), CONNECT, back=back)["connectZoom"]
    assert started["authorizeUrl"] is None
    assert started["errors"] == [{"field": "returnTo", "code": "invalid"}]


@pytest.mark.parametrize("role", ["student", "parent"])
def test_students_and_parents_cannot_connect_zoom_from_the_app(zoom_alpha, role):
    started = _gql(zoom_alpha.client(role), CONNECT, back="/app/my-zoom")["connectZoom"]
    assert started["authorizeUrl"] is None
    assert started["errors"]
