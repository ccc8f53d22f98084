"""The admins' getting-started checklist, the teachers' Zoom connections and the Zoom app's setup
guide (GraphQL): admins of the school only, computed from the school's own data."""

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.handlers import HANDLERS, PAYLOAD_HANDLERS
from attendance.inbox.intake import PATHS
from meetings.models import Meeting, ZoomConnection, ZoomSettings
from meetings.zoom.app_guide import ZOOM_APP_SCOPES
from meetings.zoom.factory import ZoomNotConnected, acting_for_host
from tenants.accounts.models import Role, User
from tenants.school.models import SchoolClass
from zoom_sandbox import api as sandbox_api

from .conftest import API, OAUTH, token_body

pytestmark = pytest.mark.django_db

GETTING_STARTED = "{ gettingStarted { steps { key done count } doneCount complete nextStep } }"
CONNECTIONS = """query($limit: Int, $offset: Int) { zoomConnections(limit: $limit, offset: $offset) {
  totalCount items { person { id email role } active status zoomEmail lastError scopes } } }"""
LAST_TEST = "{ zoomSettings { lastTest { outcome zoomStatus zoomCode } } }"
GUIDE = "{ zoomSettings { redirectUrl webhookUrl configured scopes eventTypes } }"
TEST = """mutation { testZoomConnection { result { ok outcome message testedAt zoomStatus zoomCode }
  errors { code } } }"""


def gql(world, role, query, **variables):
    response = world.client(role).post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def steps(world) -> dict[str, tuple[bool, int]]:
    data = gql(world, "admin", GETTING_STARTED)["data"]["gettingStarted"]
    return {s["key"]: (s["done"], s["count"]) for s in data["steps"]}


# --- gettingStarted ------------------------------------------------------------------------


def test_an_empty_school_starts_at_its_zoom_app(alpha):
    # given: alpha's fixture school has people and a class, but neither Zoom nor a session
    with schema_context(alpha.schema):
        SchoolClass.objects.all().delete()
        User.objects.exclude(role=Role.ADMIN).delete()

    # when
    data = gql(alpha, "admin", GETTING_STARTED)["data"]["gettingStarted"]

    # then
    assert [s["key"] for s in data["steps"]] == [
        "EMAIL_CONFIRMED",
        "ZOOM_CONFIGURED",
        "ZOOM_TESTED",
        "TEACHER_INVITED",
        "TEACHER_CONNECTED",
        "CLASS_CREATED",
        "CLASS_SCHEDULED",
        "PEOPLE_IMPORTED",
    ]
    assert [s["done"] for s in data["steps"]] == [True] + [False] * 7
    assert (data["doneCount"], data["complete"], data["nextStep"]) == (1, False, "ZOOM_CONFIGURED")


def test_each_step_follows_the_schools_data(zoom_alpha):
    # given: Zoom configured (Server-to-Server) and tested, a teacher, a class, students
    with schema_context(zoom_alpha.schema):
        ZoomSettings.objects.update(last_test_result="ok", last_test_at=timezone.now())

    # when
    before = steps(zoom_alpha)
    with schema_context(zoom_alpha.schema):
        Meeting.objects.create(
            school_class=zoom_alpha.school_class,
            host=zoom_alpha.users["teacher"],
            title="First",
            start_time=timezone.now(),
        )
    after = steps(zoom_alpha)

    # then
    assert before["ZOOM_CONFIGURED"] == (True, 0) and before["ZOOM_TESTED"] == (True, 0)
    with schema_context(zoom_alpha.schema):
        teachers = User.objects.filter(role=Role.TEACHER, deleted_at__isnull=True).count()
        learners = User.objects.filter(
            role__in=(Role.STUDENT, Role.PARENT), deleted_at__isnull=True
        ).count()
    assert before["TEACHER_INVITED"] == (True, teachers)
    # the school's account hosts classes: no teacher needs their own Zoom
    assert before["TEACHER_CONNECTED"] == (True, 0)
    with schema_context(zoom_alpha.schema):
        classes = SchoolClass.objects.count()
    assert before["CLASS_CREATED"] == (True, classes)
    assert before["CLASS_SCHEDULED"] == (False, 0) and after["CLASS_SCHEDULED"] == (True, 1)
    assert before["PEOPLE_IMPORTED"] == (True, learners) and learners >= 2
    data = gql(zoom_alpha, "admin", GETTING_STARTED)["data"]["gettingStarted"]
    assert data["complete"] is True and data["nextStep"] is None


def test_a_failed_test_and_user_oauth_only_need_a_connected_teacher(zoom_alpha):
    with schema_context(zoom_alpha.schema):
        ZoomSettings.objects.update(account_id="", last_test_result="bad_credentials")
    before = steps(zoom_alpha)
    with schema_context(zoom_alpha.schema):
        ZoomConnection.objects.create(user=zoom_alpha.users["teacher"], zoom_email="t@z.test")
    after = steps(zoom_alpha)

    assert before["ZOOM_CONFIGURED"] == (True, 0) and before["ZOOM_TESTED"] == (False, 0)
    assert before["TEACHER_CONNECTED"] == (False, 0)
    assert after["TEACHER_CONNECTED"] == (True, 1)


def test_a_cancelled_session_is_not_a_scheduled_class(alpha):
    with schema_context(alpha.schema):
        Meeting.objects.create(
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="Called off",
            start_time=timezone.now(),
            status=Meeting.Status.CANCELLED,
        )
    assert steps(alpha)["CLASS_SCHEDULED"] == (False, 0)


def test_each_school_counts_its_own(alpha, beta):
    # given: other tests may leave classes of their own in either school
    alphas, betas = steps(alpha)["CLASS_CREATED"][1], steps(beta)["CLASS_CREATED"][1]

    # when
    with schema_context(alpha.schema):
        for n in range(3):
            SchoolClass.objects.create(name=f"extra {n}")

    # then
    assert steps(alpha)["CLASS_CREATED"] == (True, alphas + 3)
    assert steps(beta)["CLASS_CREATED"] == (True, betas)


@pytest.mark.parametrize("role", ["teacher", "student", "parent", None])
@pytest.mark.parametrize("query", [GETTING_STARTED, CONNECTIONS, GUIDE])
def test_only_admins_see_the_schools_setup(alpha, role, query):
    body = gql(alpha, role, query)
    assert body["data"] is None
    assert body["errors"][0]["message"] in ("Only school admins can do that.", "Sign in first.")


# --- zoomConnections -------------------------------------------------------------------------


def test_admins_see_every_teacher_with_their_connection(teacher_connected):
    alpha = teacher_connected
    with schema_context(alpha.schema):
        User.objects.create(email="new@alpha.test", name="A new teacher", role=Role.TEACHER)
        User.objects.create(
            email="gone@alpha.test", role=Role.TEACHER, deleted_at=timezone.now(), is_active=False
        )
        ZoomConnection.objects.filter(user=alpha.users["teacher"]).update(
            status=ZoomConnection.Status.NEEDS_RECONNECT, last_error="Zoom signed them out"
        )

    page = gql(alpha, "admin", CONNECTIONS, limit=100)["data"]["zoomConnections"]

    # other tests may leave teachers of their own in the school
    mine = {"new@alpha.test", "teacher@alpha.test", "gone@alpha.test"}
    shown = [i for i in page["items"] if i["person"]["email"] in mine]
    assert page["totalCount"] == len(page["items"])
    first, second = shown
    assert first["person"]["email"] == "new@alpha.test"
    assert (first["status"], first["zoomEmail"], first["active"]) == ("NONE", "", True)
    assert second["person"] == {
        "id": str(alpha.users["teacher"].pk),
        "email": "teacher@alpha.test",
        "role": "TEACHER",
    }
    assert second["status"] == "NEEDS_RECONNECT"
    assert second["zoomEmail"] == "teacher.zoom@alpha.test"
    assert second["lastError"] == "Zoom signed them out"
    assert second["scopes"] == ["meeting:write", "meeting:read", "user:read"]


def test_connections_page_and_stay_in_their_school(teacher_connected, beta):
    alpha = teacher_connected
    before = gql(alpha, "admin", CONNECTIONS)["data"]["zoomConnections"]["totalCount"]
    with schema_context(alpha.schema):
        for n in range(3):
            User.objects.create(email=f"t{n}@alpha.test", name=f"0 T{n}", role=Role.TEACHER)

    # names starting with a digit sort first
    page = gql(alpha, "admin", CONNECTIONS, limit=2, offset=1)["data"]["zoomConnections"]
    theirs = gql(beta, "admin", CONNECTIONS, limit=100)["data"]["zoomConnections"]

    assert page["totalCount"] == before + 3
    assert [i["person"]["email"] for i in page["items"]] == ["t1@alpha.test", "t2@alpha.test"]
    emails = {i["person"]["email"] for i in theirs["items"]}
    assert "teacher@beta.test" in emails and not any(e.endswith("@alpha.test") for e in emails)
    assert gql(alpha, "admin", CONNECTIONS, limit=101)["data"] is None


def test_another_schools_admin_cannot_revoke_a_connection(teacher_connected, beta):
    revoke = "mutation($id: ID!) { revokeZoomConnection(userId: $id) { ok errors { code } } }"
    teacher_id = str(teacher_connected.users["teacher"].pk)

    data = gql(beta, "admin", revoke, id=teacher_id)["data"]["revokeZoomConnection"]

    assert data == {"ok": False, "errors": [{"code": "not_found"}]}
    with schema_context(teacher_connected.schema):
        assert ZoomConnection.objects.get().status == ZoomConnection.Status.ACTIVE


# --- the Zoom app's setup guide --------------------------------------------------------------


def test_the_guide_shows_this_schools_own_urls_and_what_to_pick(zoom_alpha, beta):
    mine = gql(zoom_alpha, "admin", GUIDE)["data"]["zoomSettings"]
    theirs = gql(beta, "admin", GUIDE)["data"]["zoomSettings"]

    assert mine["webhookUrl"].endswith("/webhooks/zoom/") and "alpha." in mine["webhookUrl"]
    assert "beta." in theirs["webhookUrl"] and "beta." in theirs["redirectUrl"]
    assert "/" + mine["webhookUrl"].split("/", 3)[3] in PATHS
    assert mine["configured"] is True and theirs["configured"] is False
    # every event the webhook handles, and no other
    assert set(mine["eventTypes"]) == set(HANDLERS) | set(PAYLOAD_HANDLERS)


def test_the_scopes_cover_every_call_the_platform_makes():
    # the sandbox checks Zoom's scope of each endpoint
    needed = {scope for scope, _handler in sandbox_api.ROUTES.values()}
    assert needed <= set(ZOOM_APP_SCOPES)


def test_a_failed_test_says_what_zoom_answered(zoom_alpha, requests_mock):
    requests_mock.post(
        f"{OAUTH}/oauth/token",
        status_code=401,
        json={"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
    )

    result = gql(zoom_alpha, "admin", TEST)["data"]["testZoomConnection"]["result"]

    assert (result["ok"], result["outcome"]) == (False, "bad_credentials")
    assert (result["zoomStatus"], result["zoomCode"]) == (401, "invalid_client")
    assert result["testedAt"]
    # and after a reload, from the stored last test
    last = gql(zoom_alpha, "admin", LAST_TEST)["data"]["zoomSettings"]["lastTest"]
    assert last["outcome"] == "bad_credentials"
    assert (last["zoomStatus"], last["zoomCode"]) == (401, "invalid_client")


def test_zoom_free_text_never_becomes_the_code(zoom_alpha, requests_mock):
    requests_mock.post(f"{OAUTH}/oauth/token", json=token_body(refresh=None))
    requests_mock.get(
        f"{API}/users/me",
        status_code=400,
        json={"code": "<b>not a code</b>", "message": "does not contain scopes:[user:read]."},
    )

    result = gql(zoom_alpha, "admin", TEST)["data"]["testZoomConnection"]["result"]

    assert result["outcome"] == "missing_scope"
    assert result["zoomStatus"] == 400 and result["zoomCode"] == ""


# --- a new school's admin is never sent to "an admin" ---------------------------------------


def test_an_admin_connecting_zoom_before_the_app_is_set_up_is_told_where(alpha):
    connect = "mutation { connectZoom { authorizeUrl errors { code message } } }"

    admins = gql(alpha, "admin", connect)["data"]["connectZoom"]["errors"]
    teachers = gql(alpha, "teacher", connect)["data"]["connectZoom"]["errors"]

    assert "ask an admin" not in admins[0]["message"]
    assert "Settings" in admins[0]["message"]
    assert "ask an admin" in teachers[0]["message"]


def test_an_admin_hosting_without_zoom_is_told_where_to_set_it_up(alpha):
    with schema_context(alpha.schema), pytest.raises(ZoomNotConnected) as caught:
        acting_for_host(alpha.users["admin"])

    assert "ask an admin" not in str(caught.value) and "Settings" in str(caught.value)


def test_zoom_connect_ready_is_false_until_the_app_is_set_up(alpha):
    """My Zoom (the app) sends an admin to the Zoom settings and a teacher to an admin while
    the school's Zoom app is not set up (frontend/src/areas/sessions/MyZoom.tsx)."""
    for role in ("admin", "teacher", "student"):
        assert gql(alpha, role, "{ zoomConnectReady }")["data"]["zoomConnectReady"] is False


def test_zoom_connect_ready_once_the_app_is_set_up(zoom_alpha):
    ready = {
        role: gql(zoom_alpha, role, "{ zoomConnectReady }")["data"]["zoomConnectReady"]
        for role in ("admin", "teacher", "parent")
    }
    assert ready == {"admin": True, "teacher": True, "parent": False}
