from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from graphql_api.export import SCHEMA_FILE, printed_schema
from meetings.models import Meeting
from tenants.accounts.models import ApiToken
from tenants.accounts.services import api_token_create

from ..support import zoom_settings_set

pytestmark = pytest.mark.django_db

ME = "{ me { id email name role } }"


def test_committed_schema_is_current():
    assert SCHEMA_FILE.read_text() == printed_schema(), (
        "schema.graphql is stale: run `python -m graphql_api.export`"
    )


def test_me_for_each_role(alpha, gql):
    for role, code in [("admin", "ADMIN"), ("teacher", "TEACHER"), ("student", "STUDENT")]:
        data = gql(alpha, role).ok(ME)
        assert data["me"]["role"] == code
        assert data["me"]["email"] == f"{role}@alpha.test"
    assert gql(alpha).ok(ME) == {"me": None}


def test_login_and_logout_with_csrf(alpha):
    client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    mutation = 'mutation { login(email: "Teacher@alpha.test", password: "correct-horse-battery") { user { email } errors { message } } }'

    # without the CSRF token: refused
    refused = client.post("/graphql/", {"query": mutation}, content_type="application/json")
    assert refused.status_code == 403

    # the token comes as a cookie from any GET of /graphql/
    client.get("/graphql/", {"query": ME})
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/graphql/", {"query": mutation}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.json()["data"]["login"] == {
        "user": {"email": "teacher@alpha.test"},
        "errors": [],
    }
    token = client.cookies["csrftoken"].value  # rotated at login
    me = client.post(
        "/graphql/", {"query": ME}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert me.json()["data"]["me"]["email"] == "teacher@alpha.test"

    out = client.post(
        "/graphql/",
        {"query": "mutation { logout }"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert out.json()["data"]["logout"] is True


def test_wrong_password_is_a_typed_error(alpha, gql):
    data = gql(alpha).ok(
        'mutation { login(email: "teacher@alpha.test", password: "nope") { user { id } errors { field message code } } }'
    )
    assert data["login"] == {
        "user": None,
        "errors": [{"field": None, "message": "Wrong email or password.", "code": "invalid"}],
    }


def test_bearer_token_for_api_clients(alpha, beta):
    with schema_context(alpha.schema):
        _, token = api_token_create(user=alpha.users["teacher"], name="script")
    client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    response = client.post(
        "/graphql/",
        {"query": ME},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.json()["data"]["me"]["email"] == "teacher@alpha.test"
    # the same token means nothing at another school
    other = Client(HTTP_HOST=beta.host).post(
        "/graphql/",
        {"query": ME},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert other.status_code == 401
    with schema_context(alpha.schema):
        assert ApiToken.objects.get().last_used_at is not None
        ApiToken.objects.update(revoked=True)
    revoked = client.post(
        "/graphql/",
        {"query": ME},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert revoked.status_code == 401


def test_contract_names_for_the_dashboard(alpha, gql, in_schema):
    meeting = in_schema(
        alpha,
        Meeting.objects.create,
        school_class=alpha.school_class,
        host=alpha.users["teacher"],
        title="Algebra",
        start_time=timezone.now() + timedelta(days=1),
        zoom_meeting_id="123",
    )
    data = gql(alpha, "teacher").ok(
        """query($id: ID!) {
          classes { id name teachers { name } students { id name email } }
          meeting(id: $id) { id title status startTime zoomMeetingId
            participants { name role joinedAt leftAt }
            attendance { student { id email name } status attendedSeconds } }
          meetings(when: UPCOMING, limit: 10) { totalCount items { id title } }
          liveClasses { id title teacher { name } startedAt participantCount }
        }""",
        id=str(meeting.pk),
    )
    assert data["classes"][0]["students"] == [
        {
            "id": str(alpha.users["student"].pk),
            "name": "alpha student",
            "email": "student@alpha.test",
        }
    ]
    assert data["meeting"]["status"] == "SCHEDULED"
    assert data["meeting"]["zoomMeetingId"] == "123"
    assert data["meetings"]["items"] == [{"id": str(meeting.pk), "title": "Algebra"}]
    assert data["liveClasses"] == []


def test_live_classes_are_those_one_manages(alpha, gql, in_schema):
    """A running class visible to a teacher (audience all) but not theirs to manage is not in
    their live classes; admins see it."""
    in_schema(
        alpha,
        Meeting.objects.create,
        host=alpha.users["admin"],
        title="Assembly",
        target_audience="all",
        status=Meeting.Status.STARTED,
        start_time=timezone.now(),
    )
    query = "{ liveClasses { title } }"
    assert gql(alpha, "teacher").ok(query)["liveClasses"] == []
    assert gql(alpha, "admin").ok(query)["liveClasses"] == [{"title": "Assembly"}]


def test_a_student_sees_only_themselves_in_their_class_list(alpha, gql, in_schema):
    from tenants.accounts.models import Role
    from tenants.accounts.services import user_create
    from tenants.school.services import class_enrol

    def add_classmate():
        mate = user_create(email="mate@alpha.test", password=None, role=Role.STUDENT)
        class_enrol(school_class=alpha.school_class, students=[mate])

    in_schema(alpha, add_classmate)
    data = gql(alpha, "student").ok("{ classes { students { email } } }")
    assert data == {"classes": [{"students": [{"email": "student@alpha.test"}]}]}
    parent = gql(alpha, "parent").ok("{ classes { students { email } } }")
    assert parent == {"classes": [{"students": [{"email": "student@alpha.test"}]}]}


def test_limits_refuse_wide_and_huge_queries_and_big_pages(alpha, gql):
    client = gql(alpha, "admin")
    class_id = alpha.school_class.pk
    assert "errors" not in client(
        f"{{ classAttendance(classId: {class_id}) {{ meetings {{ attendance {{ student {{ id }} }} }} }} }}"
    )
    aliases = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(25)) + " }"
    assert "aliases" in client(aliases)["errors"][0]["message"].lower()
    huge = "{ " + " ".join(["me { id email name role }"] * 500) + " }"
    assert "tokens" in client(huge)["errors"][0]["message"]
    page = client("{ meetings(limit: 1000) { totalCount } }")
    assert page["errors"][0]["message"] == "limit must be from 1 to 100."


def test_depth_is_limited(monkeypatch):
    from graphql_api import schema as schema_module

    monkeypatch.setattr(schema_module, "MAX_DEPTH", 2)
    shallow = schema_module.build_schema()
    result = shallow.execute_sync("{ meetings { items { teacher { name } } } }")
    assert "exceeds maximum operation depth" in result.errors[0].message


def test_errors_say_what_is_wrong_without_internals(alpha, gql, monkeypatch):
    from meetings.graphql import queries

    def boom(*args, **kwargs):
        raise RuntimeError("password=hunter2 at db.internal:5432")

    monkeypatch.setattr(queries, "classes_visible", boom)
    body = gql(alpha, "admin")("{ classes { id } }")
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "hunter2" not in str(body)
    anonymous = gql(alpha)("{ classes { id } }")
    assert anonymous["errors"][0]["message"] == "Sign in first."


def test_introspection_is_off_in_production_settings(settings, monkeypatch):
    from graphql_api import schema as schema_module

    settings.GRAPHQL_INTROSPECTION = False
    extensions = schema_module._extensions()
    from strawberry.extensions import DisableIntrospection

    assert DisableIntrospection in extensions
    settings.GRAPHQL_INTROSPECTION = True
    assert DisableIntrospection not in schema_module._extensions()
    import importlib

    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("LIVEROLL_ENCRYPTION_KEYS", "k:" + "A" * 43 + "=")
    monkeypatch.delenv("GRAPHQL_INTROSPECTION", raising=False)
    importlib.reload(importlib.import_module("config.settings.base"))
    production = importlib.import_module("config.settings.production")
    assert importlib.reload(production).GRAPHQL_INTROSPECTION is False


def test_end_class_ends_it_at_zoom_and_refuses_students(alpha, gql, in_schema, requests_mock):
    from meetings.models import ZoomConnection

    def arrange():
        zoom_settings_set(zoom_url="https://zoom.test", client_id="c", client_secret="s")
        ZoomConnection.objects.create(
            user=alpha.users["teacher"],
            access_token="t",
            refresh_token="r",
            expires_at=timezone.now() + timedelta(hours=1),
        )
        return Meeting.objects.create(
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="Running",
            start_time=timezone.now(),
            status="started",
            zoom_meeting_id="77",
            zoom_account="user",
        )

    meeting = in_schema(alpha, arrange)
    requests_mock.put("https://zoom.test/v2/meetings/77/status", status_code=204)
    end = "mutation($id: ID!) { endClass(meetingId: $id) { meeting { status } errors { code } } }"

    refused = gql(alpha, "student").ok(end, id=str(meeting.pk))["endClass"]
    assert refused["errors"] == [{"code": "forbidden"}]
    assert not requests_mock.called

    ended = gql(alpha, "teacher").ok(end, id=str(meeting.pk))["endClass"]
    assert ended == {"meeting": {"status": "ENDED"}, "errors": []}
    assert requests_mock.last_request.json() == {"action": "end"}
