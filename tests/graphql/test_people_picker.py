"""`people(role, search, limit, offset)`: admins pick from everyone active in their school,
teachers from the students of their own classes, nobody else from anyone; paged, searched by
name or email ignoring case, in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.school.services import class_create, class_enrol

pytestmark = pytest.mark.django_db

PEOPLE = """query($role: Role, $search: String, $limit: Int, $offset: Int) {
    people(role: $role, search: $search, limit: $limit, offset: $offset) {
        totalCount items { id email name role }
    }
}"""


def _emails(data) -> list[str]:
    return [p["email"] for p in data["people"]["items"]]


def test_an_admin_picks_from_everyone_active_in_the_school(alpha, gql):
    with schema_context(alpha.schema):
        gone = user_create(email="gone@alpha.test", password=None, role=Role.STUDENT)
        gone.is_active = False
        gone.save()
    data = gql(alpha, "admin").ok(PEOPLE)
    assert sorted(_emails(data)) == sorted(u.email for u in alpha.users.values())
    assert data["people"]["totalCount"] == 4


@pytest.mark.parametrize("role", ["TEACHER", "STUDENT", "PARENT", "ADMIN"])
def test_an_admin_picks_by_role(alpha, gql, role):
    data = gql(alpha, "admin").ok(PEOPLE, role=role)
    assert _emails(data) == [alpha.users[role.lower()].email]
    assert data["people"]["items"][0]["role"] == role


def test_search_matches_name_or_email_ignoring_case(alpha, gql):
    with schema_context(alpha.schema):
        user_create(email="zed@alpha.test", password=None, role=Role.STUDENT, name="Nadia Rahman")
    client = gql(alpha, "admin")
    assert _emails(client.ok(PEOPLE, search="rAhMaN")) == ["zed@alpha.test"]
    assert _emails(client.ok(PEOPLE, search="ZED@")) == ["zed@alpha.test"]
    assert _emails(client.ok(PEOPLE, search="no such person")) == []


def test_pages_are_bounded_and_ordered(alpha, gql):
    with schema_context(alpha.schema):
        for i in range(5):
            user_create(email=f"s{i}@alpha.test", password=None, role=Role.STUDENT, name=f"S {i}")
    client = gql(alpha, "admin")
    first = client.ok(PEOPLE, role="STUDENT", limit=2, offset=0)["people"]
    second = client.ok(PEOPLE, role="STUDENT", limit=2, offset=2)["people"]
    assert first["totalCount"] == second["totalCount"] == 6
    assert len(first["items"]) == len(second["items"]) == 2
    assert not set(_emails({"people": first})) & set(_emails({"people": second}))
    refused = client(PEOPLE, limit=1000)
    assert refused["data"] is None
    assert "limit must be from 1 to 100" in refused["errors"][0]["message"]


def test_a_teacher_picks_only_the_students_of_their_classes(alpha, gql):
    with schema_context(alpha.schema):
        other_teacher = user_create(email="t2@alpha.test", password=None, role=Role.TEACHER)
        stranger = user_create(email="s2@alpha.test", password=None, role=Role.STUDENT)
        class_enrol(
            school_class=class_create(name="Other", teachers=[other_teacher]), students=[stranger]
        )
        # enrolled in two of the teacher's classes: listed once
        second = class_create(name="Second", teachers=[alpha.users["teacher"]])
        class_enrol(school_class=second, students=[alpha.users["student"]])
    client = gql(alpha, "teacher")
    data = client.ok(PEOPLE)
    assert _emails(data) == [alpha.users["student"].email]
    assert data["people"]["totalCount"] == 1
    assert _emails(client.ok(PEOPLE, role="PARENT")) == []
    assert _emails(client.ok(PEOPLE, search="s2@")) == []


@pytest.mark.parametrize("role", ["student", "parent", None])
def test_students_parents_and_strangers_pick_nobody(alpha, gql, role):
    body = gql(alpha, role)(PEOPLE)
    assert body["data"] is None
    assert body["errors"][0]["message"] in (
        "Only admins and teachers can list people.",
        "Sign in first.",
    )


def test_people_of_another_school_are_never_listed(alpha, beta, gql):
    emails = _emails(gql(alpha, "admin").ok(PEOPLE, search="beta"))
    assert emails == []
    assert all(e.endswith("@alpha.test") for e in _emails(gql(alpha, "admin").ok(PEOPLE)))


def test_a_page_costs_the_same_queries_for_many_people(alpha, gql):
    client = gql(alpha, "admin")
    client.ok(PEOPLE)  # warm the session and the schema
    with CaptureQueriesContext(connection) as few:
        client.ok(PEOPLE, limit=100)
    with schema_context(alpha.schema):
        for i in range(40):
            user_create(email=f"m{i}@alpha.test", password=None, role=Role.STUDENT)
    with CaptureQueriesContext(connection) as many:
        data = client.ok(PEOPLE, limit=100)
    assert len(data["people"]["items"]) == 44
    assert len(many.captured_queries) == len(few.captured_queries)
