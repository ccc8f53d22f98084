"""Classes in the app: `classes` counts every student of a class whoever asks (a student's card
said "1 student"); `classRoster` shows a class's teachers, students and their parents to its
teachers and the school's admins only; `createClass`, `updateClass` and `setClassTeachers` are
admins', in their own school, with the role rules of tenants.school.services, audited."""

import pytest
from django_tenants.utils import schema_context

from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.audit.models import AuditEntry
from tenants.school.models import SchoolClass
from tenants.school.services import class_create, class_enrol

from .conftest import GQL

pytestmark = pytest.mark.django_db

CLASSES = "{ classes { id name studentCount students { email } } }"
ROSTER = """query($id: ID!) {
    classRoster(id: $id) {
        id name studentCount canEdit
        teachers { email }
        students { person { email } pending parents { email } }
    }
}"""
CREATE = """mutation($name: String!, $teacherIds: [ID!]) {
    createClass(name: $name, teacherIds: $teacherIds) {
        schoolClass { id name studentCount teachers { id name } }
        errors { field message code }
    }
}"""
UPDATE = """mutation($id: ID!, $name: String!) {
    updateClass(id: $id, name: $name) { schoolClass { id name } errors { field message code } }
}"""
TEACHERS = """mutation($classId: ID!, $teacherIds: [ID!]!) {
    setClassTeachers(classId: $classId, teacherIds: $teacherIds) {
        schoolClass { teachers { id } } errors { field message code }
    }
}"""


def _more_students(world, count: int) -> None:
    with schema_context(world.schema):
        class_enrol(
            school_class=world.school_class,
            students=[
                user_create(email=f"s{i}@x.test", password=None, role=Role.STUDENT)
                for i in range(count)
            ],
        )


@pytest.mark.parametrize("role", ["admin", "teacher", "student", "parent"])
def test_a_class_card_counts_all_its_students_whoever_asks(alpha, gql, role):
    # given: the class has 1 + 4 students
    _more_students(alpha, 4)
    # when
    (card,) = gql(alpha, role).ok(CLASSES)["classes"]
    # then
    assert card["studentCount"] == 5
    assert len(card["students"]) == (5 if role in ("admin", "teacher") else 1)


@pytest.mark.parametrize("role", ["admin", "teacher"])
def test_admins_and_the_class_teachers_read_its_roster_with_parents(alpha, gql, role):
    roster = gql(alpha, role).ok(ROSTER, id=str(alpha.school_class.pk))["classRoster"]
    assert roster["teachers"] == [{"email": "teacher@alpha.test"}]
    assert roster["students"] == [
        {
            "person": {"email": "student@alpha.test"},
            "pending": False,
            "parents": [{"email": "parent@alpha.test"}],
        }
    ]
    assert roster["studentCount"] == 1
    assert roster["canEdit"] is (role == "admin")


@pytest.mark.parametrize("role", ["student", "parent", None])
def test_nobody_else_reads_a_roster(alpha, gql, role):
    body = gql(alpha, role)(ROSTER, id=str(alpha.school_class.pk))
    assert body.get("data", {}) is None or body["data"]["classRoster"] is None


def test_a_teacher_reads_no_roster_of_a_class_they_do_not_teach(alpha, gql):
    with schema_context(alpha.schema):
        other = class_create(name="Not theirs", teachers=[])
    data = gql(alpha, "teacher").ok(ROSTER, id=str(other.pk))
    assert data["classRoster"] is None


def _on_host_of(world, other):
    """`world`'s admin's signed-in client, sending its requests to `other`'s host."""
    client = world.client("admin")
    client.defaults["HTTP_HOST"] = other.host
    return GQL(world, client=client)


def test_an_admins_session_reads_no_roster_of_another_school(alpha, beta):
    body = _on_host_of(alpha, beta)(ROSTER, id=str(beta.school_class.pk))
    assert body["data"] is None or body["data"]["classRoster"] is None
    assert body["errors"][0]["message"] == "Sign in first."


def test_an_admin_creates_a_class_with_its_teacher_and_it_is_audited(alpha, gql):
    teacher = alpha.users["teacher"]
    result = gql(alpha, "admin").ok(CREATE, name="  Physics ", teacherIds=[str(teacher.pk)])
    made = result["createClass"]
    assert made["errors"] == []
    assert made["schoolClass"]["name"] == "Physics"
    assert made["schoolClass"]["teachers"] == [{"id": str(teacher.pk), "name": "alpha teacher"}]
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(action="class.created").count() == 1


def test_a_class_name_is_unique_ignoring_case(alpha, gql):
    result = gql(alpha, "admin").ok(CREATE, name="alpha school MATHS")["createClass"]
    assert result["schoolClass"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("name", "duplicate")]


def test_an_empty_or_too_long_name_is_a_field_error(alpha, gql):
    client = gql(alpha, "admin")
    empty = client.ok(CREATE, name="  ")["createClass"]["errors"]
    long = client.ok(CREATE, name="x" * 201)["createClass"]["errors"]
    assert [(e["field"], e["code"]) for e in empty] == [("name", "required")]
    assert [(e["field"], e["code"]) for e in long] == [("name", "too_long")]


@pytest.mark.parametrize("who", ["student", "parent", "admin"])
def test_only_teachers_teach_a_new_class(alpha, gql, who):
    result = gql(alpha, "admin").ok(CREATE, name="Art", teacherIds=[str(alpha.users[who].pk)])
    assert result["createClass"]["schoolClass"] is None
    assert [e["code"] for e in result["createClass"]["errors"]] == ["invalid"]
    with schema_context(alpha.schema):
        assert not SchoolClass.objects.filter(name="Art").exists()


def test_another_schools_teacher_is_not_found(alpha, beta, gql):
    # beta's teacher's id is unknown in alpha (or another person: a student, refused too)
    with schema_context(alpha.schema):
        from tenants.accounts.models import User

        unknown = max(User.objects.values_list("pk", flat=True)) + 1000
    result = gql(alpha, "admin").ok(CREATE, name="Art", teacherIds=[str(unknown)])
    assert [e["code"] for e in result["createClass"]["errors"]] == ["not_found"]


@pytest.mark.parametrize("role", ["teacher", "student", "parent", None])
def test_only_admins_create_rename_or_staff_classes(alpha, gql, role):
    client = gql(alpha, role)
    class_id = str(alpha.school_class.pk)
    for query, variables in (
        (CREATE, {"name": "Art"}),
        (UPDATE, {"id": class_id, "name": "Renamed"}),
        (TEACHERS, {"classId": class_id, "teacherIds": []}),
    ):
        body = client(query, **variables)
        assert body.get("errors") or next(iter(body["data"].values()))["errors"], body
    with schema_context(alpha.schema):
        assert not SchoolClass.objects.filter(name__in=["Art", "Renamed"]).exists()
        assert alpha.school_class.teachers.count() == 1


def test_an_admin_renames_a_class_and_it_is_audited(alpha, gql):
    result = gql(alpha, "admin").ok(UPDATE, id=str(alpha.school_class.pk), name="Algebra")
    assert result["updateClass"]["schoolClass"]["name"] == "Algebra"
    with schema_context(alpha.schema):
        entry = AuditEntry.objects.get(action="class.updated")
    assert entry.details == {"name": "Algebra", "before": "Alpha School maths"}


def test_an_admin_changes_nothing_in_another_school(alpha, beta):
    client = _on_host_of(alpha, beta)
    class_id = str(beta.school_class.pk)
    for query, variables in (
        (CREATE, {"name": "Intruder"}),
        (UPDATE, {"id": class_id, "name": "Taken over"}),
        (TEACHERS, {"classId": class_id, "teacherIds": []}),
    ):
        body = client(query, **variables)
        assert body.get("errors") or next(iter(body["data"].values()))["errors"], body
    with schema_context(beta.schema):
        assert list(SchoolClass.objects.values_list("name", flat=True)) == ["Beta maths"]
        assert beta.school_class.teachers.count() == 1


def test_an_admin_sets_the_teachers_and_only_teachers(alpha, gql):
    with schema_context(alpha.schema):
        second = user_create(email="t2@alpha.test", password=None, role=Role.TEACHER)
    client = gql(alpha, "admin")
    class_id = str(alpha.school_class.pk)
    done = client.ok(TEACHERS, classId=class_id, teacherIds=[str(second.pk)])
    refused = client.ok(TEACHERS, classId=class_id, teacherIds=[str(alpha.users["student"].pk)])
    assert done["setClassTeachers"]["schoolClass"]["teachers"] == [{"id": str(second.pk)}]
    assert [e["code"] for e in refused["setClassTeachers"]["errors"]] == ["invalid"]
    with schema_context(alpha.schema):
        assert list(alpha.school_class.teachers.values_list("pk", flat=True)) == [second.pk]
        assert AuditEntry.objects.filter(action="class.teachers_set").count() == 1


ROSTER_PAGE = """query($id: ID!, $search: String, $limit: Int, $offset: Int) {
    classRoster(id: $id, search: $search, limit: $limit, offset: $offset) {
        studentCount matchingCount students { person { email } }
    }
}"""


def test_a_roster_is_paged_and_searched_by_student_or_parent(alpha, gql):
    _more_students(alpha, 4)
    client = gql(alpha, "admin")
    class_id = str(alpha.school_class.pk)
    first = client.ok(ROSTER_PAGE, id=class_id, limit=2)["classRoster"]
    rest = client.ok(ROSTER_PAGE, id=class_id, limit=2, offset=2)["classRoster"]
    by_parent = client.ok(ROSTER_PAGE, id=class_id, search="ALPHA PARENT")["classRoster"]
    assert first["studentCount"] == first["matchingCount"] == 5
    assert len(first["students"]) == len(rest["students"]) == 2
    assert not {s["person"]["email"] for s in first["students"]} & {
        s["person"]["email"] for s in rest["students"]
    }
    assert by_parent["matchingCount"] == 1
    assert by_parent["students"] == [{"person": {"email": "student@alpha.test"}}]
    assert client(ROSTER_PAGE, id=class_id, limit=1000)["errors"]
