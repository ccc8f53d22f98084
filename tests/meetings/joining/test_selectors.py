"""Who may join: the people a meeting is for, never its managers, never when cancelled."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.joining.models import JoinPolicy
from meetings.joining.selectors import join_window, may_join, meetings_joinable
from meetings.models import Meeting, TargetAudience
from tenants.accounts.models import Role, User
from tenants.accounts.services import user_create
from tenants.school.models import Enrolment

from .conftest import meeting_make

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        (TargetAudience.CLASS, {"student"}),
        (TargetAudience.STUDENTS, {"student"}),
        (TargetAudience.ALL, {"student", "parent"}),
        (TargetAudience.TEACHERS, set()),  # the only teacher teaches the class: they start it
        (TargetAudience.PERSONAL, set()),
    ],
)
def test_who_may_join_by_audience(alpha, audience, expected):
    meeting = meeting_make(alpha, audience=audience)
    with schema_context(alpha.schema):
        joins = {role for role, user in alpha.users.items() if may_join(user=user, meeting=meeting)}
    assert joins == expected


def test_a_teacher_of_another_class_joins_a_meeting_for_all_teachers(alpha):
    meeting = meeting_make(alpha, audience=TargetAudience.TEACHERS)
    with schema_context(alpha.schema):
        other = user_create(email="t2@alpha.test", password=None, role=Role.TEACHER)
        assert may_join(user=other, meeting=meeting)


def test_invitees_join_a_personal_meeting(alpha):
    meeting = meeting_make(alpha, audience=TargetAudience.PERSONAL)
    with schema_context(alpha.schema):
        meeting.invitees.add(alpha.users["parent"])
        assert may_join(user=alpha.users["parent"], meeting=meeting)
        assert not may_join(user=alpha.users["student"], meeting=meeting)


def test_an_unenrolled_student_may_not_join(alpha, class_meeting):
    student = alpha.users["student"]
    with schema_context(alpha.schema):
        assert may_join(user=student, meeting=class_meeting)
        Enrolment.objects.filter(student=student).delete()
        assert not may_join(user=student, meeting=class_meeting)


def test_nobody_joins_a_cancelled_meeting(alpha):
    meeting = meeting_make(alpha, status=Meeting.Status.CANCELLED)
    with schema_context(alpha.schema):
        assert not may_join(user=alpha.users["student"], meeting=meeting)


def test_an_inactive_or_anonymous_user_joins_nothing(alpha, class_meeting):
    from django.contrib.auth.models import AnonymousUser

    with schema_context(alpha.schema):
        student = User.objects.get(pk=alpha.users["student"].pk)  # not the shared instance
        student.is_active = False
        assert not may_join(user=student, meeting=class_meeting)
        assert not may_join(user=AnonymousUser(), meeting=class_meeting)  # type: ignore[arg-type]
        assert not may_join(user=None, meeting=class_meeting)


def test_meetings_joinable_asks_a_fixed_number_of_queries(alpha, django_assert_max_num_queries):
    meetings = [meeting_make(alpha, audience=a) for a in TargetAudience.values * 3]
    with schema_context(alpha.schema), django_assert_max_num_queries(3):
        ids = meetings_joinable(user=alpha.users["student"], meetings=meetings)
    assert len(ids) == 9  # class, students and all, three each


def test_the_window_opens_before_the_start_and_closes_after_the_end(alpha):
    start = timezone.now() + timedelta(hours=1)
    meeting = meeting_make(alpha, start=start)
    with schema_context(alpha.schema):
        window = join_window(meeting=meeting)
        assert window.opens_at == start - timedelta(minutes=10)
        assert window.closes_at == start + timedelta(minutes=45 + 15)
        JoinPolicy.objects.create(opens_minutes_before=30, closes_minutes_after_end=0)
        window = join_window(meeting=meeting)
        assert window.opens_at == start - timedelta(minutes=30)
        assert window.closes_at == start + timedelta(minutes=45)
