"""The access helpers: one meeting or class for one user, to read or to manage; "missing" and
"not yours" are the same NotFound."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.models import AttendanceRecord
from attendance.policy import access_student, record_visible, records_visible
from meetings.models import Meeting
from meetings.policy import (
    NotFound,
    access_class,
    access_class_or_none,
    access_meeting,
    access_meeting_or_none,
)
from tenants.accounts.models import Role
from tenants.accounts.services import user_create

pytestmark = pytest.mark.django_db


def _meeting(world, audience: str) -> Meeting:
    return Meeting.objects.create(
        school_class=world.school_class,
        host=world.users["teacher"],
        title=audience,
        target_audience=audience,
        start_time=timezone.now() + timedelta(days=1),
    )


def test_read_and_manage_a_meeting(alpha):
    with schema_context(alpha.schema):
        # given: a meeting of the class, open to all
        meeting = _meeting(alpha, "all")
        teacher, student = alpha.users["teacher"], alpha.users["student"]

        # then: its teacher reads and manages it; a student reads it only
        assert access_meeting(teacher, meeting.pk, to="manage") == meeting
        assert access_meeting(student, str(meeting.pk), to="read") == meeting
        assert access_meeting_or_none(student, meeting.pk, to="manage") is None
        with pytest.raises(NotFound, match="No such meeting."):
            access_meeting(student, meeting.pk, to="manage")


def test_missing_and_not_yours_are_the_same_answer(alpha):
    with schema_context(alpha.schema):
        # given: a personal meeting the student is not invited to, and an id that is no one's
        hidden = _meeting(alpha, "personal")
        student = alpha.users["student"]
        missing = Meeting.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000

        # when
        errors = []
        for meeting_id in (hidden.pk, missing, "not-a-number", None):
            with pytest.raises(NotFound) as caught:
                access_meeting(student, meeting_id)
            errors.append((type(caught.value), str(caught.value)))

        # then
        assert set(errors) == {(NotFound, "No such meeting.")}


def test_access_must_be_read_or_manage(alpha):
    with schema_context(alpha.schema), pytest.raises(ValueError):
        access_meeting(alpha.users["admin"], 1, to="write")


def test_classes_to_read_and_to_manage(alpha):
    with schema_context(alpha.schema):
        school_class = alpha.school_class
        assert access_class(alpha.users["student"], school_class.pk) == school_class
        assert access_class_or_none(alpha.users["student"], school_class.pk, to="manage") is None
        assert access_class(alpha.users["teacher"], school_class.pk, to="manage") == school_class
        childless = user_create(email="childless@alpha.test", password=None, role=Role.PARENT)
        with pytest.raises(NotFound, match="No such class."):
            access_class(childless, school_class.pk)


def test_attendance_records_and_students(alpha):
    with schema_context(alpha.schema):
        # given: a record of the enrolled student, and another student of no class
        meeting = _meeting(alpha, "all")
        student = alpha.users["student"]
        record = AttendanceRecord.objects.create(
            meeting=meeting, student=student, computed_status="absent"
        )
        outsider = user_create(email="outsider@alpha.test", password=None, role=Role.STUDENT)

        # then: the query form and the row form of the record rule agree
        assert list(records_visible(student)) == [record]
        assert record_visible(student, record, manages=False)
        assert list(records_visible(outsider)) == []
        assert not record_visible(outsider, record, manages=False)
        # and: whose attendance one may ask about
        assert access_student(alpha.users["teacher"], student.pk) == student
        assert access_student(student, None) == student
        with pytest.raises(NotFound, match="No such student."):
            access_student(alpha.users["teacher"], outsider.pk)
