"""The parents' absence notice: when final scoring writes a record ABSENT, each parent who
opted in (where the school allows it) gets one mail, once per record."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance import services as attendance_services
from attendance.models import AttendanceRecord, AttendanceStatus
from meetings.models import Meeting
from meetings.reminders import services

from .conftest import delivered

pytestmark = pytest.mark.django_db


def _ended_class(world) -> Meeting:
    start = timezone.now() - timedelta(hours=2)
    return Meeting.objects.create(
        school_class=world.school_class,
        host=world.users["teacher"],
        title="Fractions",
        start_time=start,
        status=Meeting.Status.ENDED,
        actual_start=start,
        actual_end=start + timedelta(minutes=60),
    )


def _opt_in(world) -> None:
    services.reminder_preference_set(user=world.users["parent"], absence_notices_enabled=True)


def test_a_parent_who_opted_in_hears_once_that_their_child_missed_the_class(alpha):
    with schema_context(alpha.schema):
        # given: the student never came; their parent asked for absence notices
        _opt_in(alpha)
        meeting = _ended_class(alpha)

        # when: attendance is finalised, and finalised again (a retried actor)
        attendance_services.attendance_finalize(meeting_id=meeting.pk)
        attendance_services.attendance_finalize(meeting_id=meeting.pk)
        mails = delivered()

        # then: one mail to the parent naming the child, the class and the day
        record = AttendanceRecord.objects.get(meeting=meeting)
        assert record.status == AttendanceStatus.ABSENT and record.is_final
        assert [m.to for m in mails] == [[alpha.users["parent"].email]]
        day = f"{meeting.start_time:%A} {meeting.start_time.day} {meeting.start_time:%B %Y}"
        assert mails[0].subject == f"alpha student missed {alpha.school_class.name}"
        assert f"alpha student missed {alpha.school_class.name} on {day}." in mails[0].body


def test_no_notice_without_opting_in_or_when_the_school_sends_none(alpha):
    with schema_context(alpha.schema):
        # given: a parent who did not opt in
        first = _ended_class(alpha)
        attendance_services.attendance_finalize(meeting_id=first.pk)
        assert delivered() == []

        # given: one who did, in a school that then stopped absence notices
        _opt_in(alpha)
        services.reminder_policy_set(actor=alpha.users["admin"], absence_notices_allowed=False)
        second = _ended_class(alpha)
        attendance_services.attendance_finalize(meeting_id=second.pk)
        assert delivered() == []


def test_no_notice_for_provisional_scores_or_an_excused_record(alpha):
    with schema_context(alpha.schema):
        _opt_in(alpha)
        meeting = _ended_class(alpha)

        # when: scored provisionally (at the end, before the grace period)
        attendance_services.attendance_score_meeting(meeting=meeting)
        assert delivered() == []

        # when: the teacher excuses the absence before the scores are final
        record = AttendanceRecord.objects.get(meeting=meeting)
        attendance_services.attendance_override(
            actor=alpha.users["teacher"], record=record, status="excused", reason="ill"
        )
        attendance_services.attendance_finalize(meeting_id=meeting.pk)

        # then: no notice: the record is not ABSENT
        assert delivered() == []


def test_the_notice_stays_in_its_school(alpha, beta):
    # given: parents in both schools opted in; only alpha's class ran
    with schema_context(beta.schema):
        _opt_in(beta)
    with schema_context(alpha.schema):
        _opt_in(alpha)
        meeting = _ended_class(alpha)
        attendance_services.attendance_finalize(meeting_id=meeting.pk)
        mails = delivered()
    with schema_context(beta.schema):
        assert delivered() == []
    assert [m.to for m in mails] == [[alpha.users["parent"].email]]
