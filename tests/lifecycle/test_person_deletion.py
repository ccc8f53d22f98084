"""Deleting a person: their Zoom grant revoked at Zoom, tokens, devices and stored links gone,
registrations cancelled, deactivated at once, anonymised by the periodic job; a teacher's
classes and meetings stay (with a successor, or the anonymised host). Read back from the raw
tables."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.models import AttendanceRecord, ParticipantSession
from attendance.people import people_anonymise_due
from meetings import services as meeting_services
from meetings.joining.models import JoinDevice
from meetings.models import Meeting, Registrant
from tenants.accounts.models import Role
from tenants.accounts.services import api_token_create, user_create
from tenants.audit.models import AuditEntry
from tenants.audit.services import audit_record

from ..graphql.conftest import GQL
from ..meetings.conftest import API, OAUTH

DELETE = """mutation($id: ID!, $successor: ID) {
  deletePerson(id: $id, successorId: $successor) { ok errors { code message } }
}"""


def _raw(sql: str, *params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _meeting(world, *, host, start) -> Meeting:
    return Meeting.objects.create(
        school_class=world.school_class,
        host=host,
        title="Maths",
        start_time=start,
        zoom_meeting_id="777",
        zoom_account=Meeting.Account.USER,
        join_url="https://zoom.test/j/777?pwd=p",
        start_url="https://zoom.test/s/777?zak=hostsecret",
    )


def test_deleting_a_student_removes_what_lets_them_act_and_cancels_registrations(
    teacher_connected, requests_mock, django_capture_on_commit_callbacks
):
    world = teacher_connected
    with schema_context(world.schema):
        student = world.users["student"]
        meeting = _meeting(
            world, host=world.users["teacher"], start=timezone.now() + timedelta(days=2)
        )
        Registrant.objects.create(
            meeting=meeting,
            user=student,
            status=Registrant.Status.REGISTERED,
            zoom_registrant_id="reg-1",
            join_url="https://zoom.test/w/777?tk=student",
        )
        JoinDevice.objects.create(
            meeting=meeting, subject_kind="u", subject_id=student.pk, device_hash="h"
        )
        api_token_create(user=student, name="cli")
    cancel = requests_mock.put(f"{API}/meetings/777/registrants/status", status_code=204)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = GQL(world, "admin").ok(DELETE, id=str(student.pk))
    assert result["deletePerson"] == {"ok": True, "errors": []}
    with schema_context(world.schema):
        # the cancellation actor (sent after commit), run here
        meeting_services.registrants_cancel_for_person(user_id=student.pk)

        assert _raw(
            "SELECT is_active, deleted_at IS NOT NULL FROM accounts_user WHERE id = %s", student.pk
        ) == [(False, True)]
        assert _raw("SELECT count(*) FROM accounts_apitoken WHERE user_id = %s", student.pk) == [
            (0,)
        ]
        assert _raw(
            "SELECT count(*) FROM joining_joindevice WHERE subject_id = %s", student.pk
        ) == [(0,)]
        assert _raw(
            "SELECT status, join_url FROM meetings_registrant WHERE user_id = %s", student.pk
        ) == [("cancelled", "")]
        assert AuditEntry.objects.get(action="person.deleted").target_id == str(student.pk)
    assert cancel.called
    assert callbacks  # the cancellation was queued after commit


def test_deleting_a_teacher_revokes_their_zoom_grant_and_hands_over_to_a_successor(
    teacher_connected, requests_mock
):
    world = teacher_connected
    revoke = requests_mock.post(f"{OAUTH}/oauth/revoke", json={"status": "success"})
    with schema_context(world.schema):
        teacher = world.users["teacher"]
        successor = user_create(email="succ@alpha.test", password=None, role=Role.TEACHER, name="S")
        past = _meeting(world, host=teacher, start=timezone.now() - timedelta(days=3))

    result = GQL(world, "admin").ok(DELETE, id=str(teacher.pk), successor=str(successor.pk))

    assert result["deletePerson"]["ok"] is True
    assert revoke.last_request.qs == {"token": ["user-access-1"]}
    with schema_context(world.schema):
        assert _raw(
            "SELECT count(*) FROM meetings_zoomconnection WHERE user_id = %s", teacher.pk
        ) == [(0,)]
        assert _raw("SELECT host_id, start_url FROM meetings_meeting WHERE id = %s", past.pk) == [
            (successor.pk, "")
        ]
        teachers = set(world.school_class.teachers.values_list("pk", flat=True))
        assert teachers == {successor.pk}


def test_a_teacher_deleted_without_successor_keeps_their_meetings_under_an_anonymised_host(alpha):
    with schema_context(alpha.schema):
        teacher = alpha.users["teacher"]
        past = _meeting(alpha, host=teacher, start=timezone.now() - timedelta(days=3))

        audit_record(actor_label="zoom", action="zoom.x", details={"user": teacher.email})
        email = teacher.email

    GQL(alpha, "admin").ok(DELETE, id=str(teacher.pk))
    with schema_context(alpha.schema):
        people_anonymise_due()

        mentions = _raw(
            "SELECT count(*) FROM audit_auditentry WHERE details::text LIKE %s", f"%{email}%"
        )
        assert mentions == [(0,)]

        assert _raw("SELECT host_id FROM meetings_meeting WHERE id = %s", past.pk) == [
            (teacher.pk,)
        ]
        assert _raw("SELECT name, email FROM accounts_user WHERE id = %s", teacher.pk) == [
            ("Deleted person", f"deleted-{teacher.pk}@deleted.invalid")
        ]


def test_anonymisation_keeps_attendance_counting_without_identity(alpha):
    with schema_context(alpha.schema):
        student = alpha.users["student"]
        meeting = _meeting(
            alpha, host=alpha.users["teacher"], start=timezone.now() - timedelta(days=1)
        )
        AttendanceRecord.objects.create(meeting=meeting, student=student, computed_status="present")
        ParticipantSession.objects.create(
            meeting=meeting,
            participant_key="k1",
            user=student,
            role="attendee",
            name="alpha student",
            email=student.email,
        )

    GQL(alpha, "admin").ok(DELETE, id=str(student.pk))
    with schema_context(alpha.schema):
        assert people_anonymise_due() == 1
        assert people_anonymise_due() == 0  # idempotent

        assert _raw(
            "SELECT name, email, anonymised_at IS NOT NULL FROM accounts_user WHERE id = %s",
            student.pk,
        ) == [("Deleted person", f"deleted-{student.pk}@deleted.invalid", True)]
        assert _raw(
            "SELECT count(*) FROM attendance_attendancerecord WHERE student_id = %s", student.pk
        ) == [(1,)]
        assert _raw(
            "SELECT name, email FROM attendance_participantsession WHERE user_id = %s", student.pk
        ) == [("", "")]
        names = _raw(
            "SELECT count(*) FROM audit_auditentry WHERE actor_label = %s OR details::text LIKE %s",
            "student@alpha.test",
            "%student@alpha.test%",
        )
        assert names == [(0,)]


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_only_admins_delete_people(alpha, role):
    body = GQL(alpha, role)(DELETE, id=str(alpha.users["student"].pk))

    assert body.get("errors") or body["data"]["deletePerson"]["ok"] is False
    with schema_context(alpha.schema):
        assert _raw(
            "SELECT is_active FROM accounts_user WHERE id = %s", alpha.users["student"].pk
        ) == [(True,)]


def test_an_admin_cannot_delete_another_schools_person_or_name_a_wrong_successor(alpha, beta):
    beta_student = beta.users["student"]
    admin = GQL(alpha, "admin")

    admin.ok(DELETE, id=str(beta_student.pk))
    wrong = admin.ok(
        DELETE, id=str(alpha.users["teacher"].pk), successor=str(alpha.users["student"].pk)
    )["deletePerson"]
    myself = admin.ok(DELETE, id=str(alpha.users["admin"].pk))["deletePerson"]

    # ids are per schema: the same number may be someone in alpha; beta's row must be untouched
    with schema_context(beta.schema):
        assert _raw("SELECT is_active FROM accounts_user WHERE id = %s", beta_student.pk) == [
            (True,)
        ]
    assert wrong == {
        "ok": False,
        "errors": [{"code": "invalid", "message": "The successor must be another active teacher."}],
    }
    assert myself["ok"] is False


def test_the_school_admin_site_deletes_nobody_their_calendar_stays_for_delete_person(alpha):
    # given: the student connected a calendar
    from meetings.calendar_sync.models import CalendarConnection

    student = alpha.users["student"]
    with schema_context(alpha.schema):
        CalendarConnection.objects.create(
            user=student, provider="google", access_token="a", refresh_token="r"
        )

    # when: an admin tries the school admin site's delete page of the person
    admin = alpha.client("admin")
    page = admin.get(f"/admin/accounts/user/{student.pk}/delete/")
    posted = admin.post(f"/admin/accounts/user/{student.pk}/delete/", {"post": "yes"})

    # then: refused; the person and the tokens their calendar's removal needs stay
    assert (page.status_code, posted.status_code) == (403, 403)
    with schema_context(alpha.schema):
        assert _raw("SELECT count(*) FROM accounts_user WHERE id = %s", student.pk) == [(1,)]
        assert _raw(
            "SELECT count(*) FROM calendar_sync_calendarconnection WHERE user_id = %s",
            student.pk,
        ) == [(1,)]
