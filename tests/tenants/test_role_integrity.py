"""Only teachers teach a class, only students are enrolled, only parents are linked to a child
(a student), through every way in: the services, the school's Django admin (class form,
enrolment inline, parent links, the pickers, a person's role) and GraphQL."""

import pytest
from django_tenants.utils import schema_context

from tenants.accounts.models import Role, User
from tenants.accounts.services import user_create
from tenants.school.models import Enrolment, ParentLink, SchoolClass
from tenants.school.services import (
    RoleMismatch,
    class_create,
    class_enrol,
    class_teachers_set,
    parent_link,
    role_change_check,
)

pytestmark = pytest.mark.django_db

ENROL = """mutation($classId: ID!, $studentIds: [ID!]!) {
    enrolStudents(classId: $classId, studentIds: $studentIds) { ok errors { message code } }
}"""
LINK = """mutation($parentId: ID!, $studentId: ID!) {
    linkParent(parentId: $parentId, studentId: $studentId) { ok errors { message code } }
}"""


def _person(world, role: Role, email: str = "someone@x.test") -> User:
    with schema_context(world.schema):
        return user_create(email=email, password="x" * 12, role=role, name=email)


# --- services -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "student", "parent"])
def test_only_teachers_teach_a_class(alpha, role):
    with schema_context(alpha.schema):
        with pytest.raises(RoleMismatch, match="not a teacher"):
            class_create(name="Art", teachers=[alpha.users[role]])
        with pytest.raises(RoleMismatch, match="not a teacher"):
            class_teachers_set(school_class=alpha.school_class, teachers=[alpha.users[role]])
        assert list(alpha.school_class.teachers.all()) == [alpha.users["teacher"]]


@pytest.mark.parametrize("role", ["admin", "teacher", "parent"])
def test_only_students_are_enrolled(alpha, role):
    with schema_context(alpha.schema):
        with pytest.raises(RoleMismatch, match="not a student"):
            class_enrol(school_class=alpha.school_class, students=[alpha.users[role]])
        assert not Enrolment.objects.filter(student=alpha.users[role]).exists()


@pytest.mark.parametrize(
    ("parent", "child", "message"),
    [
        ("teacher", "student", "not a parent"),
        ("admin", "student", "not a parent"),
        ("parent", "teacher", "not a student"),
        ("parent", "parent", "not a student"),
    ],
)
def test_only_parents_are_linked_and_only_to_students(alpha, parent, child, message):
    with schema_context(alpha.schema):
        with pytest.raises(RoleMismatch, match=message):
            parent_link(parent=alpha.users[parent], student=alpha.users[child])
        assert ParentLink.objects.count() == 1  # the fixture's own link only


@pytest.mark.parametrize(
    ("who", "new_role", "names"),
    [
        ("teacher", Role.STUDENT, "teaches Alpha School maths"),
        ("student", Role.TEACHER, "is enrolled in Alpha School maths"),
        ("parent", Role.STUDENT, "is the parent of student@alpha.test"),
    ],
)
def test_a_role_cannot_change_while_its_part_holds(alpha, who, new_role, names):
    with schema_context(alpha.schema), pytest.raises(RoleMismatch) as caught:
        role_change_check(user=alpha.users[who], role=new_role)
    assert names in str(caught.value)
    assert "Undo that first" in str(caught.value)


def test_a_role_changes_once_nothing_holds_it(alpha):
    person = _person(alpha, Role.STUDENT)
    with schema_context(alpha.schema):
        role_change_check(user=person, role=Role.PARENT)  # enrolled nowhere: allowed
        # the same role, or a role kept: nothing to check
        role_change_check(user=alpha.users["teacher"], role=Role.TEACHER)


# --- the school's Django admin --------------------------------------------------------------


def _class_form(world, **overrides):
    data = {
        "name": "Alpha art",
        "description": "",
        "teachers": [world.users["teacher"].pk],
        "enrolment_set-TOTAL_FORMS": "0",
        "enrolment_set-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["student", "parent", "admin"])
def test_the_admins_class_form_refuses_a_non_teacher(alpha, role):
    response = alpha.client("admin").post(
        "/admin/school/schoolclass/add/", _class_form(alpha, teachers=[alpha.users[role].pk])
    )
    assert response.status_code == 200  # the form again, with its error
    assert response.context["adminform"].form.errors["teachers"]
    with schema_context(alpha.schema):
        assert not SchoolClass.objects.filter(name="Alpha art").exists()


def test_the_admins_class_form_offers_only_teachers(alpha):
    form = alpha.client("admin").get("/admin/school/schoolclass/add/").context["adminform"].form
    offered = set(form.fields["teachers"].queryset)
    assert offered == {alpha.users["teacher"]}


def test_the_admins_class_form_refuses_a_non_teacher_when_changing_a_class(alpha):
    response = alpha.client("admin").post(
        f"/admin/school/schoolclass/{alpha.school_class.pk}/change/",
        _class_form(
            alpha,
            name=alpha.school_class.name,
            teachers=[alpha.users["teacher"].pk, alpha.users["parent"].pk],
        ),
    )
    assert response.status_code == 200
    with schema_context(alpha.schema):
        assert list(alpha.school_class.teachers.all()) == [alpha.users["teacher"]]


@pytest.mark.parametrize("role", ["teacher", "parent", "admin"])
def test_the_enrolment_inline_refuses_a_non_student(alpha, role):
    data = _class_form(
        alpha,
        **{
            "enrolment_set-TOTAL_FORMS": "1",
            "enrolment_set-0-student": str(alpha.users[role].pk),
        },
    )
    response = alpha.client("admin").post("/admin/school/schoolclass/add/", data)
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0]["student"]
    with schema_context(alpha.schema):
        assert not Enrolment.objects.filter(student=alpha.users[role]).exists()
        assert not SchoolClass.objects.filter(name="Alpha art").exists()


def test_the_enrolment_inline_enrols_a_student(alpha):
    student = _person(alpha, Role.STUDENT)
    data = _class_form(
        alpha, **{"enrolment_set-TOTAL_FORMS": "1", "enrolment_set-0-student": str(student.pk)}
    )
    response = alpha.client("admin").post("/admin/school/schoolclass/add/", data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    with schema_context(alpha.schema):
        assert Enrolment.objects.filter(student=student, school_class__name="Alpha art").exists()


@pytest.mark.parametrize(("parent", "child"), [("teacher", "student"), ("parent", "teacher")])
def test_the_parent_link_form_refuses_unfitting_people(alpha, parent, child):
    response = alpha.client("admin").post(
        "/admin/school/parentlink/add/",
        {"parent": alpha.users[parent].pk, "student": alpha.users[child].pk},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    with schema_context(alpha.schema):
        assert ParentLink.objects.count() == 1


def test_the_parent_link_form_links_a_parent(alpha):
    parent = _person(alpha, Role.PARENT)
    response = alpha.client("admin").post(
        "/admin/school/parentlink/add/", {"parent": parent.pk, "student": alpha.users["student"].pk}
    )
    assert response.status_code == 302
    with schema_context(alpha.schema):
        assert ParentLink.objects.filter(parent=parent).exists()


@pytest.mark.parametrize(
    ("model", "field", "role"),
    [("enrolment", "student", "student"), ("parentlink", "parent", "parent")],
)
def test_the_admins_autocomplete_pickers_list_only_fitting_people(alpha, model, field, role):
    response = alpha.client("admin").get(
        "/admin/autocomplete/",
        {"app_label": "school", "model_name": model, "field_name": field, "term": "alpha"},
    )
    assert response.status_code == 200
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert ids == {alpha.users[role].pk}


def _user_form(user, role: Role) -> dict:
    return {
        "email": user.email,
        "name": user.name,
        "role": int(role),
        "is_active": "on",
        "language": user.language,
        "timezone": user.timezone,
    }


@pytest.mark.parametrize(
    ("who", "new_role"),
    [("teacher", Role.STUDENT), ("student", Role.PARENT), ("parent", Role.TEACHER)],
)
def test_the_admin_cannot_change_the_role_of_someone_whose_part_holds(alpha, who, new_role):
    user = alpha.users[who]
    response = alpha.client("admin").post(
        f"/admin/accounts/user/{user.pk}/change/", _user_form(user, new_role)
    )
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["role"]
    assert "Undo that first" in message
    with schema_context(alpha.schema):
        assert User.objects.get(pk=user.pk).role == user.role


def test_the_admin_changes_the_role_of_someone_with_no_part(alpha):
    person = _person(alpha, Role.STUDENT)
    response = alpha.client("admin").post(
        f"/admin/accounts/user/{person.pk}/change/", _user_form(person, Role.PARENT)
    )
    assert response.status_code == 302
    with schema_context(alpha.schema):
        assert User.objects.get(pk=person.pk).role == Role.PARENT


# --- GraphQL --------------------------------------------------------------------------------


def _gql(world, query: str, **variables) -> dict:
    response = world.client("admin").post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


@pytest.mark.parametrize("role", ["teacher", "parent", "admin"])
def test_graphql_enrols_only_students(alpha, role):
    result = _gql(
        alpha, ENROL, classId=str(alpha.school_class.pk), studentIds=[str(alpha.users[role].pk)]
    )["enrolStudents"]
    assert result["ok"] is False
    assert [e["code"] for e in result["errors"]] == ["invalid"]
    assert "not a student" in result["errors"][0]["message"]
    with schema_context(alpha.schema):
        assert not Enrolment.objects.filter(student=alpha.users[role]).exists()


@pytest.mark.parametrize(("parent", "child"), [("teacher", "student"), ("parent", "admin")])
def test_graphql_links_only_parents_to_students(alpha, parent, child):
    result = _gql(
        alpha, LINK, parentId=str(alpha.users[parent].pk), studentId=str(alpha.users[child].pk)
    )["linkParent"]
    assert result["ok"] is False
    assert [e["code"] for e in result["errors"]] == ["invalid"]
    with schema_context(alpha.schema):
        assert ParentLink.objects.count() == 1
