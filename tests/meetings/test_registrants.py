from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings import services
from meetings.models import Meeting, Registrant
from meetings.recurrence import RecurrenceRule
from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.school.services import class_enrol

from .conftest import API, created_meeting_body, sample

pytestmark = pytest.mark.django_db

START = (timezone.now() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)


@pytest.fixture
def class_of_five(teacher_connected):
    """alpha's class with five students, and a weekly class of 3 sessions on Zoom."""
    world = teacher_connected
    with schema_context(world.schema):
        students = [world.users["student"]] + [
            user_create(email=f"s{i}@alpha.test", password=None, role=Role.STUDENT, name=f"Sam {i}")
            for i in range(1, 5)
        ]
        class_enrol(school_class=world.school_class, students=students)
    return world, students


def _registrant_reply(request, context):
    email = request.json()["email"]
    context.status_code = 201
    body = sample("rest/meetings-meetingId-registrants_POST__Jericho-ZoomNet.json")
    body.update(registrant_id=f"reg-{email}", join_url=f"https://zoom.test/w/1?tk=tok-{email}")
    return body


def _schedule_weekly(world, requests_mock):
    rule = RecurrenceRule(frequency="weekly", weekdays=(START.weekday(),), count=3)
    starts = rule.occurrences(START, timezone="UTC")
    occurrences = [
        {"occurrence_id": f"occ{i}", "start_time": s.strftime("%Y-%m-%dT%H:%M:%SZ"), "duration": 60}
        for i, s in enumerate(starts)
    ]
    requests_mock.post(
        f"{API}/users/me/meetings",
        status_code=201,
        json=created_meeting_body(4242, occurrences=occurrences),
    )
    with schema_context(world.schema):
        return services.meeting_schedule(
            actor=world.users["teacher"],
            school_class=world.school_class,
            title="Weekly",
            start_time=START,
            recurrence=rule,
        )


def _sync(world):
    with schema_context(world.schema):
        return services.registrants_sync()


def test_every_enrolled_student_gets_a_personal_join_url_for_every_session(
    class_of_five, requests_mock
):
    # given
    world, students = class_of_five
    _schedule_weekly(world, requests_mock)
    requests_mock.post(f"{API}/meetings/4242/registrants", json=_registrant_reply)

    # when
    report = _sync(world)

    # then: one Zoom call per student (Zoom registers them for every occurrence)
    assert (report.registered, report.already, report.failed) == (5, 0, [])
    calls = [r for r in requests_mock.request_history if r.path.endswith("/registrants")]
    assert sorted(c.json()["email"] for c in calls) == sorted(s.email for s in students)
    assert all("occurrence_ids" not in c.qs for c in calls)
    with schema_context(world.schema):
        rows = Registrant.objects.filter(status=Registrant.Status.REGISTERED)
        assert rows.count() == 15  # 5 students x 3 sessions
        mine = rows.filter(user=students[1]).first()
        assert mine.join_url == f"https://zoom.test/w/1?tk=tok-{students[1].email}"
        assert mine.zoom_registrant_id == f"reg-{students[1].email}"


def test_running_again_registers_nobody_twice(class_of_five, requests_mock):
    world, _ = class_of_five
    _schedule_weekly(world, requests_mock)
    requests_mock.post(f"{API}/meetings/4242/registrants", json=_registrant_reply)
    _sync(world)
    calls = requests_mock.call_count

    report = _sync(world)

    assert (report.registered, report.already) == (0, 5)
    assert requests_mock.call_count == calls


def test_one_failure_does_not_stop_the_others_and_is_reported(class_of_five, requests_mock):
    world, students = class_of_five
    _schedule_weekly(world, requests_mock)
    bad = students[2].email

    def reply(request, context):
        if request.json()["email"] == bad:
            context.status_code = 400
            return {"code": 300, "message": "Invalid email"}
        return _registrant_reply(request, context)

    requests_mock.post(f"{API}/meetings/4242/registrants", json=reply)

    report = _sync(world)

    assert report.registered == 4
    assert report.failed == [(bad, "Zoom refused the request (HTTP 400, Zoom code 300).")]
    with schema_context(world.schema):
        failed = Registrant.objects.filter(user=students[2])
        assert {r.status for r in failed} == {"failed"}
        assert failed.first().last_error == "Zoom refused the request (HTTP 400, Zoom code 300)."

    # and a later run retries only that student
    requests_mock.post(f"{API}/meetings/4242/registrants", json=_registrant_reply)
    again = _sync(world)
    assert (again.registered, again.already) == (1, 4)


def test_a_rate_limit_defers_the_rest(class_of_five, requests_mock):
    world, _ = class_of_five
    _schedule_weekly(world, requests_mock)
    replies = iter(range(100))

    def reply(request, context):
        if next(replies) >= 2:
            context.status_code = 429
            context.headers["Retry-After"] = "0"
            return {"code": 429, "message": "daily limit"}
        return _registrant_reply(request, context)

    requests_mock.post(f"{API}/meetings/4242/registrants", json=reply)

    report = _sync(world)

    assert report.registered == 2
    assert report.deferred == 3
    assert report.failed == []


def test_a_new_enrolment_is_found_by_the_sweep(class_of_five, requests_mock):
    world, _ = class_of_five
    first = _schedule_weekly(world, requests_mock)
    requests_mock.post(f"{API}/meetings/4242/registrants", json=_registrant_reply)
    _sync(world)
    with schema_context(world.schema):
        assert services.registrants_pending_meeting_ids() == []
        late = user_create(email="late@alpha.test", password=None, role=Role.STUDENT)
        class_enrol(school_class=world.school_class, students=[late])
        pending = services.registrants_pending_meeting_ids()
        assert first.pk in pending

        report = services.registrants_sync(meeting_ids=pending)

        assert report.registered == 1
        assert Registrant.objects.filter(user=late).count() == 3


def test_the_sweep_finds_a_newcomer_who_replaced_a_leaver(class_of_five, requests_mock):
    """As many registered as enrolled, yet the newcomer is not registered."""
    from tenants.school.models import Enrolment

    world, _ = class_of_five
    first = _schedule_weekly(world, requests_mock)
    requests_mock.post(f"{API}/meetings/4242/registrants", json=_registrant_reply)
    _sync(world)
    with schema_context(world.schema):
        leaver = Registrant.objects.filter(meeting=first).first().user
        Enrolment.objects.filter(student=leaver).delete()
        newcomer = user_create(email="new@alpha.test", password=None, role=Role.STUDENT)
        class_enrol(school_class=world.school_class, students=[newcomer])

        assert first.pk in services.registrants_pending_meeting_ids()


def test_a_late_joiner_registers_only_for_the_sessions_left(class_of_five, requests_mock):
    world, _ = class_of_five
    _schedule_weekly(world, requests_mock)
    with schema_context(world.schema):
        Meeting.objects.filter(zoom_occurrence_id="occ0").update(status=Meeting.Status.ENDED)
        late = user_create(email="late2@alpha.test", password=None, role=Role.STUDENT)
        class_enrol(school_class=world.school_class, students=[late])
    requests_mock.post(f"{API}/meetings/4242/registrants", json=_registrant_reply)

    _sync(world)

    call = [r for r in requests_mock.request_history if r.json().get("email") == late.email][0]
    assert call.qs == {"occurrence_ids": ["occ1,occ2"]}


def test_secrets_tokens_and_join_urls_are_never_stored_in_clear(class_of_five, requests_mock):
    # given: everything secret this app stores, stored
    world, _ = class_of_five
    _schedule_weekly(world, requests_mock)
    requests_mock.post(f"{API}/meetings/4242/registrants", json=_registrant_reply)
    _sync(world)
    clear = [
        "client-secret-value",
        "webhook-secret-value",
        "user-access-1",
        "user-refresh-1",
        "zoom.test/j/",
        "zoom.test/s/",
        "hostsecret",
        "zoom.test/w/",
    ]

    # when: every text column of every table in the tenant's schema is read raw
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND data_type IN ('text', 'character varying', 'jsonb')",
            [world.schema],
        )
        columns = cursor.fetchall()
        found = []
        for table, column in columns:
            cursor.execute(f'SELECT "{column}"::text FROM "{world.schema}"."{table}"')
            for (value,) in cursor.fetchall():
                found += [(table, column, s) for s in clear if value and s in value]

    # then
    assert len(columns) > 30
    assert found == []
