"""`enrolStudents` takes a list of ids as clients send them: every one goes through the one id
parser (tenants/ids.py), so garbage is "not found", never "Unexpected error." (issue 10)."""

import pytest
from django_tenants.utils import schema_context

from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.school.models import SchoolClass

pytestmark = pytest.mark.django_db

ENROL = """mutation($classId: ID!, $studentIds: [ID!]!) {
    enrolStudents(classId: $classId, studentIds: $studentIds) { ok errors { field message code } }
}"""


def _enrol(world, class_id, student_ids):
    response = world.client("admin").post(
        "/graphql/",
        {"query": ENROL, "variables": {"classId": class_id, "studentIds": student_ids}},
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("garbage", ["abc", " 7", "1_000", "٣", "-1", "9" * 40, ""])
def test_a_garbage_student_id_is_not_found(alpha, garbage):
    # given: a student not yet in the class, so that a half-done enrolment would show
    with schema_context(alpha.schema):
        student = user_create(
            email="newcomer@alpha.test",
            password="x" * 12,
            role=Role.STUDENT,
        )
        before = list(SchoolClass.objects.get(pk=alpha.school_class.pk).students.all())

    # when: one good id, one garbage
    body = _enrol(alpha, str(alpha.school_class.pk), [str(student.pk), garbage])

    # then
    assert "errors" not in body, body
    result = body["data"]["enrolStudents"]
    assert result["ok"] is False
    assert [e["code"] for e in result["errors"]] == ["not_found"]
    with schema_context(alpha.schema):
        assert list(SchoolClass.objects.get(pk=alpha.school_class.pk).students.all()) == before
        assert student not in before


def test_good_ids_alone_are_enrolled(alpha):
    # the control for the test above: the same call without the garbage enrols the student
    with schema_context(alpha.schema):
        student = user_create(email="control@alpha.test", password="x" * 12, role=Role.STUDENT)
    body = _enrol(alpha, str(alpha.school_class.pk), [str(student.pk)])
    assert body["data"]["enrolStudents"] == {"ok": True, "errors": []}
    with schema_context(alpha.schema):
        assert (
            SchoolClass.objects.get(pk=alpha.school_class.pk)
            .students.filter(pk=student.pk)
            .exists()
        )


@pytest.mark.parametrize("garbage", ["abc", "9" * 40])
def test_a_garbage_class_id_is_not_found(alpha, garbage):
    body = _enrol(alpha, garbage, [str(alpha.users["student"].pk)])
    assert [e["code"] for e in body["data"]["enrolStudents"]["errors"]] == ["not_found"]
