"""The people mutations that exist today (`unenrolStudent`, `linkParent`): only a school's admin
may use them, on that school's people only, and each is audited."""

import pytest
from django_tenants.utils import schema_context

from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.audit.models import AuditEntry
from tenants.school.models import Enrolment, ParentLink

pytestmark = pytest.mark.django_db

UNENROL = """mutation($classId: ID!, $studentId: ID!) {
    unenrolStudent(classId: $classId, studentId: $studentId) { ok errors { field message code } }
}"""
LINK = """mutation($parentId: ID!, $studentId: ID!) {
    linkParent(parentId: $parentId, studentId: $studentId) { ok errors { field message code } }
}"""


def _enrolled(world) -> bool:
    with schema_context(world.schema):
        return Enrolment.objects.filter(
            school_class=world.school_class, student=world.users["student"]
        ).exists()


def _new_parent(world):
    with schema_context(world.schema):
        return user_create(email="new-parent@x.test", password="x" * 12, role=Role.PARENT)


def test_an_admin_unenrols_a_student_and_it_is_audited(alpha, gql):
    # when
    result = gql(alpha, "admin").ok(
        UNENROL, classId=str(alpha.school_class.pk), studentId=str(alpha.users["student"].pk)
    )["unenrolStudent"]
    # then
    assert result == {"ok": True, "errors": []}
    assert not _enrolled(alpha)
    with schema_context(alpha.schema):
        entry = AuditEntry.objects.get(action="class.unenrolled")
        assert entry.actor == alpha.users["admin"]
        assert entry.target_id == str(alpha.school_class.pk)


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_only_an_admin_may_unenrol(alpha, gql, role):
    body = gql(alpha, role)(
        UNENROL, classId=str(alpha.school_class.pk), studentId=str(alpha.users["student"].pk)
    )
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == ["Only school admins can do that."]
    assert _enrolled(alpha)


def test_an_admin_cannot_unenrol_in_another_school(alpha, beta, gql):
    # alpha's admin sends beta's ids (which may equal ids in alpha: both schemas count from 1)
    with schema_context(alpha.schema):
        Enrolment.objects.filter(school_class=alpha.school_class).delete()
    result = gql(alpha, "admin").ok(
        UNENROL, classId=str(beta.school_class.pk), studentId=str(beta.users["student"].pk)
    )["unenrolStudent"]
    assert [e["code"] for e in result["errors"]] == ["not_found"]
    assert _enrolled(beta)


def test_an_admin_links_a_parent_and_it_is_audited(alpha, gql):
    parent = _new_parent(alpha)
    result = gql(alpha, "admin").ok(
        LINK, parentId=str(parent.pk), studentId=str(alpha.users["student"].pk)
    )["linkParent"]
    assert result == {"ok": True, "errors": []}
    with schema_context(alpha.schema):
        assert ParentLink.objects.filter(parent=parent, student=alpha.users["student"]).exists()
        entry = AuditEntry.objects.get(action="parent.linked")
        assert entry.actor == alpha.users["admin"] and entry.details["parent"] == parent.email


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_only_an_admin_may_link_a_parent(alpha, gql, role):
    parent = _new_parent(alpha)
    body = gql(alpha, role)(LINK, parentId=str(parent.pk), studentId=str(alpha.users["student"].pk))
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == ["Only school admins can do that."]
    with schema_context(alpha.schema):
        assert not ParentLink.objects.filter(parent=parent).exists()


@pytest.mark.parametrize("garbage", ["abc", "9" * 40, "0"])
def test_linking_unknown_people_is_not_found(alpha, gql, garbage):
    result = gql(alpha, "admin").ok(
        LINK, parentId=garbage, studentId=str(alpha.users["student"].pk)
    )["linkParent"]
    assert [e["code"] for e in result["errors"]] == ["not_found"]


def test_unenrolling_twice_says_not_found_the_second_time(alpha, gql):
    gql_admin = gql(alpha, "admin")
    ids = {"classId": str(alpha.school_class.pk), "studentId": str(alpha.users["student"].pk)}
    assert gql_admin.ok(UNENROL, **ids)["unenrolStudent"]["ok"] is True
    second = gql_admin.ok(UNENROL, **ids)["unenrolStudent"]
    assert [e["code"] for e in second["errors"]] == ["not_found"]
