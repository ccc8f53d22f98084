"""Cancelling a meeting cancels its registrants at Zoom; a student leaving a class has theirs
cancelled for its upcoming meetings; the join route refuses a cancelled registration."""

import pytest
from django_tenants.utils import schema_context

from meetings import actors, services
from meetings.models import Meeting, MeetingSeries, Registrant
from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.school.models import Enrolment
from tenants.school.services import class_enrol

from ..conftest import API, OAUTH, token_body
from .conftest import meeting_make
from .test_route import link

pytestmark = pytest.mark.django_db

STATUS = f"{API}/meetings/777/registrants/status"


@pytest.fixture
def zoom(zoom_alpha, requests_mock):
    requests_mock.post(f"{OAUTH}/oauth/token", json=token_body("acct-token", refresh=None))
    requests_mock.put(STATUS, status_code=204)
    requests_mock.delete(f"{API}/meetings/777", status_code=204)
    return requests_mock


def _register(world, meeting, users):
    with schema_context(world.schema):
        for user in users:
            Registrant.objects.create(
                meeting=meeting,
                user=user,
                status=Registrant.Status.REGISTERED,
                zoom_registrant_id=f"reg-{user.pk}",
                join_url=f"https://zoom.test/w/777?tk=t{user.pk}",
            )


def _status_calls(requests_mock):
    return [r for r in requests_mock.request_history if r.method == "PUT"]


def _statuses(world, meeting):
    with schema_context(world.schema):
        return set(Registrant.objects.filter(meeting=meeting).values_list("status", flat=True))


def test_cancelling_a_meeting_cancels_its_registrants_at_zoom_first(alpha, zoom, class_meeting):
    # given: 31 registrants (Zoom takes 30 a call)
    with schema_context(alpha.schema):
        students = [alpha.users["student"]] + [
            user_create(email=f"c{i}@alpha.test", password=None, role=Role.STUDENT)
            for i in range(30)
        ]
    _register(alpha, class_meeting, students)

    # when
    with schema_context(alpha.schema):
        services.meeting_cancel(actor=alpha.users["teacher"], meeting=class_meeting)

    # then
    calls = _status_calls(zoom)
    assert [len(c.json()["registrants"]) for c in calls] == [30, 1]
    assert {c.json()["action"] for c in calls} == {"cancel"}
    assert calls[0].json()["registrants"][0] == {
        "id": f"reg-{students[0].pk}",
        "email": students[0].email,
    }
    assert "occurrence_id" not in calls[0].qs
    methods = [r.method for r in zoom.request_history if r.method != "POST"]
    assert methods == ["PUT", "PUT", "DELETE"]  # registrants before the meeting goes
    assert _statuses(alpha, class_meeting) == {Registrant.Status.CANCELLED}


def test_if_zoom_refuses_the_registrants_nothing_is_cancelled(alpha, zoom, class_meeting):
    _register(alpha, class_meeting, [alpha.users["student"]])
    zoom.put(STATUS, status_code=400, json={"code": 300, "message": "no"})

    with schema_context(alpha.schema), pytest.raises(Exception, match="refused"):
        services.meeting_cancel(actor=alpha.users["teacher"], meeting=class_meeting)

    with schema_context(alpha.schema):
        assert Meeting.objects.get(pk=class_meeting.pk).status == Meeting.Status.SCHEDULED
    assert _statuses(alpha, class_meeting) == {Registrant.Status.REGISTERED}


def test_cancelling_one_session_of_a_series_cancels_that_occurrence_only(alpha, zoom):
    with schema_context(alpha.schema):
        series = MeetingSeries.objects.create(
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="Weekly",
            recurrence={},
            zoom_meeting_id="777",
        )
    first = meeting_make(alpha, series=series, zoom_occurrence_id="occ1")
    second = meeting_make(alpha, series=series, zoom_occurrence_id="occ2")
    _register(alpha, first, [alpha.users["student"]])
    _register(alpha, second, [alpha.users["student"]])

    with schema_context(alpha.schema):
        services.meeting_cancel(actor=alpha.users["teacher"], meeting=first)

    (call,) = _status_calls(zoom)
    assert call.qs["occurrence_id"] == ["occ1"]
    assert _statuses(alpha, first) == {Registrant.Status.CANCELLED}
    assert _statuses(alpha, second) == {Registrant.Status.REGISTERED}


def test_unenrolling_cancels_the_students_upcoming_registrations_once(alpha, zoom, class_meeting):
    # given
    student = alpha.users["student"]
    past = meeting_make(alpha, start=class_meeting.start_time.replace(year=2020))
    other = meeting_make(alpha, zoom_meeting_id="888")
    _register(alpha, class_meeting, [student])
    _register(alpha, past, [student])
    zoom.put(f"{API}/meetings/888/registrants/status", status_code=204)
    with schema_context(alpha.schema):
        Registrant.objects.filter(meeting=other).delete()
        _register(alpha, other, [student])
        Enrolment.objects.filter(student=student).delete()

    # when: twice (a retried actor)
    with schema_context(alpha.schema):
        first = services.registrants_cancel_for_student(
            school_class_id=alpha.school_class.pk, student_id=student.pk
        )
        again = services.registrants_cancel_for_student(
            school_class_id=alpha.school_class.pk, student_id=student.pk
        )

    # then
    assert (first, again) == (2, 0)
    assert sorted(c.path for c in _status_calls(zoom)) == [
        "/v2/meetings/777/registrants/status",
        "/v2/meetings/888/registrants/status",
    ]
    assert _statuses(alpha, class_meeting) == {Registrant.Status.CANCELLED}
    assert _statuses(alpha, past) == {Registrant.Status.REGISTERED}  # history stays


def test_a_student_enrolled_again_is_not_cancelled(alpha, zoom, class_meeting):
    _register(alpha, class_meeting, [alpha.users["student"]])
    with schema_context(alpha.schema):
        n = services.registrants_cancel_for_student(
            school_class_id=alpha.school_class.pk, student_id=alpha.users["student"].pk
        )
    assert n == 0 and _status_calls(zoom) == []


def test_the_unenrol_mutation_sends_the_cancelling_actor_after_commit(
    alpha, gql, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(actors.registrants_cancel_for_student, "send", lambda *a: sent.append(a))
    student = alpha.users["student"]
    mutation = "mutation($c: ID!, $s: ID!) { unenrolStudent(classId: $c, studentId: $s) { ok } }"

    with django_capture_on_commit_callbacks(execute=True):
        data = gql(alpha, "admin").ok(mutation, c=str(alpha.school_class.pk), s=str(student.pk))

    assert data["unenrolStudent"]["ok"] is True
    assert sent == [(alpha.school_class.pk, student.pk)]


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_only_admins_unenrol(alpha, gql, role):
    mutation = "mutation($c: ID!, $s: ID!) { unenrolStudent(classId: $c, studentId: $s) { ok } }"
    body = gql(alpha, role)(
        mutation, c=str(alpha.school_class.pk), s=str(alpha.users["student"].pk)
    )
    assert not (body.get("data") or {}).get("unenrolStudent", {}).get("ok")
    with schema_context(alpha.schema):
        assert Enrolment.objects.filter(student=alpha.users["student"]).exists()


def test_another_schools_admin_unenrols_in_their_own_school_only(alpha, beta, gql, monkeypatch):
    monkeypatch.setattr(actors.registrants_cancel_for_student, "send", lambda *a: None)
    mutation = "mutation($c: ID!, $s: ID!) { unenrolStudent(classId: $c, studentId: $s) { ok } }"
    # the same ids name beta's own class and student there
    gql(beta, "admin")(mutation, c=str(alpha.school_class.pk), s=str(alpha.users["student"].pk))

    with schema_context(alpha.schema):
        assert Enrolment.objects.filter(student=alpha.users["student"]).exists()


def test_the_sweep_finds_registrations_of_students_who_left(
    alpha, zoom, class_meeting, monkeypatch
):
    sent = []
    monkeypatch.setattr(actors.registrants_cancel_for_student, "send", lambda *a: sent.append(a))
    monkeypatch.setattr(actors.registrants_sync_meetings, "send", lambda *a: None)
    with schema_context(alpha.schema):
        leaver = user_create(email="leaver@alpha.test", password=None, role=Role.STUDENT)
        class_enrol(school_class=alpha.school_class, students=[leaver])
    _register(alpha, class_meeting, [alpha.users["student"], leaver])
    with schema_context(alpha.schema):
        Enrolment.objects.filter(student=leaver).delete()  # through the admin, say

        actors.registrants_sweep.fn()

    assert sent == [(alpha.school_class.pk, leaver.pk)]


def test_the_join_route_refuses_a_student_whose_registration_was_cancelled(
    alpha, zoom, class_meeting
):
    student = alpha.users["student"]
    _register(alpha, class_meeting, [student])
    with schema_context(alpha.schema):
        Enrolment.objects.filter(student=student).delete()
        services.registrants_cancel_for_student(
            school_class_id=alpha.school_class.pk, student_id=student.pk
        )
        class_enrol(school_class=alpha.school_class, students=[student])  # back, not yet synced

    response = alpha.client("student").get(link(alpha, class_meeting, student))

    assert response.status_code == 403
    assert b'data-reason="registration_cancelled"' in response.content
    assert b"zoom.test" not in response.content
