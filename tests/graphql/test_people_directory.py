"""`peopleDirectory`: a school's admins list its active people with their classes, children or
parents and two-factor state, paged and searched; nobody else, and never another school's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.accounts.models import Role, TwoFactor
from tenants.accounts.services import user_create, users_create_many
from tenants.school.services import class_enrol

from .conftest import GQL

pytestmark = pytest.mark.django_db

DIRECTORY = """query($role: Role, $search: String, $pending: Boolean, $limit: Int, $offset: Int) {
    peopleDirectory(
        role: $role, search: $search, pending: $pending, limit: $limit, offset: $offset
    ) {
        totalCount
        items {
            person { id email role } twoFactor pending
            classes { id name } children { name } parents { name } joinedAt lastLogin
        }
    }
}"""


def _by_email(data) -> dict[str, dict]:
    return {p["person"]["email"]: p for p in data["peopleDirectory"]["items"]}


def test_an_admin_sees_everyone_with_their_classes_and_links(alpha, gql):
    data = gql(alpha, "admin").ok(DIRECTORY)
    people = _by_email(data)
    assert data["peopleDirectory"]["totalCount"] == 4
    assert people["teacher@alpha.test"]["classes"] == [
        {"id": str(alpha.school_class.pk), "name": "Alpha School maths"}
    ]
    assert people["student@alpha.test"]["classes"][0]["name"] == "Alpha School maths"
    assert people["student@alpha.test"]["parents"] == [{"name": "alpha parent"}]
    assert people["parent@alpha.test"]["children"] == [{"name": "alpha student"}]
    assert people["parent@alpha.test"]["classes"] == []
    assert {p["twoFactor"] for p in people.values()} == {False}


def test_two_factor_shows_once_confirmed(alpha, gql):
    with schema_context(alpha.schema):
        TwoFactor.objects.create(
            user=alpha.users["teacher"], secret="x", confirmed_at=timezone.now()
        )
        TwoFactor.objects.create(user=alpha.users["student"], secret="x")
    people = _by_email(gql(alpha, "admin").ok(DIRECTORY))
    assert people["teacher@alpha.test"]["twoFactor"] is True
    assert people["student@alpha.test"]["twoFactor"] is False


def test_role_search_and_paging(alpha, gql):
    with schema_context(alpha.schema):
        for i in range(3):
            user_create(
                email=f"kid{i}@alpha.test", password=None, role=Role.STUDENT, name=f"Kid {i}"
            )
    client = gql(alpha, "admin")
    students = client.ok(DIRECTORY, role="STUDENT", limit=2, offset=0)["peopleDirectory"]
    rest = client.ok(DIRECTORY, role="STUDENT", limit=2, offset=2)["peopleDirectory"]
    assert students["totalCount"] == rest["totalCount"] == 4
    assert len(students["items"]) == 2 and len(rest["items"]) == 2
    assert list(_by_email(client.ok(DIRECTORY, search="KID 1"))) == ["kid1@alpha.test"]


def test_a_page_costs_the_same_queries_for_more_people(alpha, gql):
    client = gql(alpha, "admin")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.ok(DIRECTORY)
        return len(queries)

    before = count()
    with schema_context(alpha.schema):
        extra = [
            user_create(email=f"n{i}@alpha.test", password=None, role=Role.STUDENT)
            for i in range(5)
        ]
        class_enrol(school_class=alpha.school_class, students=extra)
    assert count() == before


@pytest.mark.parametrize("role", ["teacher", "student", "parent", None])
def test_only_admins_read_the_directory(alpha, gql, role):
    body = gql(alpha, role)(DIRECTORY)
    assert body["data"] is None
    assert body["errors"]


def test_an_admins_session_reads_nothing_of_another_school(alpha, beta):
    client = alpha.client("admin")
    client.defaults["HTTP_HOST"] = beta.host
    body = GQL(alpha, client=client)(DIRECTORY)
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Sign in first."


def test_bad_paging_or_search_is_refused(alpha, gql):
    client = gql(alpha, "admin")
    assert client(DIRECTORY, limit=0)["errors"]
    assert client(DIRECTORY, search="\x00")["errors"]


def test_people_not_signed_in_yet_are_listed_as_pending_and_deleted_ones_not(alpha, gql):
    # given: one imported (inactive, no password), one deactivated with a password, one deleted
    with schema_context(alpha.schema):
        users_create_many(people=[("new@alpha.test", "New", Role.STUDENT)])
        gone = user_create(email="off@alpha.test", password="x" * 12, role=Role.STUDENT)
        gone.is_active = False
        gone.save()
        deleted = user_create(email="del@alpha.test", password=None, role=Role.STUDENT)
        deleted.is_active = False
        deleted.deleted_at = timezone.now()
        deleted.save()
    client = gql(alpha, "admin")
    # when
    everyone = _by_email(client.ok(DIRECTORY))
    pending = _by_email(client.ok(DIRECTORY, pending=True))
    active = _by_email(client.ok(DIRECTORY, pending=False))
    # then
    assert everyone["new@alpha.test"]["pending"] is True
    assert everyone["student@alpha.test"]["pending"] is False
    assert not {"off@alpha.test", "del@alpha.test"} & set(everyone)
    assert list(pending) == ["new@alpha.test"]
    assert "new@alpha.test" not in active and len(active) == 4


COUNTS = "{ peopleCounts { admins teachers students parents pending } }"


def test_an_admin_counts_the_school_by_role(alpha, gql):
    with schema_context(alpha.schema):
        users_create_many(people=[("w@alpha.test", "W", Role.STUDENT)])
    counts = gql(alpha, "admin").ok(COUNTS)["peopleCounts"]
    assert counts == {"admins": 1, "teachers": 1, "students": 2, "parents": 1, "pending": 1}


@pytest.mark.parametrize("role", ["teacher", "student", "parent", None])
def test_only_admins_count(alpha, gql, role):
    assert gql(alpha, role)(COUNTS)["data"] is None


def test_an_admins_session_counts_nothing_of_another_school(alpha, beta):
    client = alpha.client("admin")
    client.defaults["HTTP_HOST"] = beta.host
    body = GQL(alpha, client=client)(COUNTS)
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Sign in first."
