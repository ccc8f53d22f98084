"""setAttendancePolicy answers with typed errors named by their field (the settings form shows
each next to its input); admins only; each school its own policy."""

import pytest
from django_tenants.utils import schema_context

from attendance.models import AttendancePolicy

pytestmark = pytest.mark.django_db

SET = """mutation($input: AttendancePolicyInput!) {
  setAttendancePolicy(input: $input) { ok errors { field code message } } }"""
READ = "{ attendancePolicy { presentMinutes presentShare graceMinutes unverifiedMatchesCount } }"


def gql(world, role, query, **variables):
    response = world.client(role).post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"presentMinutes": 10, "presentShare": 0.5}, "presentShare"),
        ({"presentMinutes": None, "presentShare": None}, "presentMinutes"),
        ({"presentMinutes": None, "presentShare": 1.5}, "presentShare"),
        ({"presentMinutes": -3}, "presentMinutes"),
        ({"presentMinutes": 15, "graceMinutes": -1}, "graceMinutes"),
        ({"presentMinutes": 15, "graceMinutes": 1441}, "graceMinutes"),
    ],
)
def test_a_bad_policy_is_a_field_error_and_changes_nothing(alpha, given, field):
    data = gql(alpha, "admin", SET, input=given)["data"]["setAttendancePolicy"]

    assert data["ok"] is False
    assert [e["field"] for e in data["errors"]] == [field]
    assert gql(alpha, "admin", READ)["data"]["attendancePolicy"]["presentMinutes"] == 15


def test_an_admin_sets_the_policy_of_their_school_only(alpha, beta):
    given = {"presentMinutes": None, "presentShare": 0.75, "graceMinutes": 30}

    data = gql(alpha, "admin", SET, input=given)["data"]["setAttendancePolicy"]

    assert data == {"ok": True, "errors": []}
    assert gql(alpha, "admin", READ)["data"]["attendancePolicy"] == {
        "presentMinutes": None,
        "presentShare": 0.75,
        "graceMinutes": 30,
        "unverifiedMatchesCount": False,
    }
    with schema_context(beta.schema):
        assert not AttendancePolicy.objects.filter(present_share=0.75).exists()


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_only_admins_set_the_policy(alpha, role):
    body = gql(alpha, role, SET, input={"presentMinutes": 1})
    assert body["data"] is None or body["data"]["setAttendancePolicy"]["ok"] is False
