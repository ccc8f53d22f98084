from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings import services
from meetings.models import CalendarEvent, Meeting, MeetingSeries
from meetings.providers.base import ProviderValidationError
from meetings.recurrence import RecurrenceRule
from meetings.zoom.factory import ZoomNotConnected
from tenants.audit.models import AuditEntry
from tenants.school.services import class_create

from ..graphql.conftest import GQL
from ..support import zoom_settings_set
from .conftest import API, OAUTH, created_meeting_body, token_body

pytestmark = pytest.mark.django_db

START = "mutation($id: ID!) { startClass(meetingId: $id) { startUrl errors { code } } }"
SCHEDULE = """mutation($input: ScheduleMeetingInput!) {
    scheduleMeeting(input: $input) { meeting { id } errors { field message code } }
}"""

NEXT_MONDAY = (timezone.now() + timedelta(days=7 - timezone.now().weekday() + 7)).replace(
    hour=9, minute=0, second=0, microsecond=0
)


def _occurrences(starts):
    return [
        {
            "occurrence_id": str(int(s.timestamp() * 1000)),
            "start_time": s.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": 45,
            "status": "available",
        }
        for s in starts
    ]


def _schedule(world, role="teacher", **overrides):
    values = {
        "actor": world.users[role],
        "school_class": world.school_class,
        "title": "Algebra",
        "start_time": NEXT_MONDAY,
        "duration_minutes": 45,
        "timezone_name": "UTC",
    }
    values.update(overrides)
    with schema_context(world.schema):
        return services.meeting_schedule(**values)


def test_weekly_class_is_created_on_the_teachers_zoom_with_every_occurrence(
    teacher_connected, requests_mock
):
    # given
    rule = RecurrenceRule(frequency="weekly", weekdays=(0, 2), count=4)
    starts = rule.occurrences(NEXT_MONDAY, timezone="UTC")
    requests_mock.post(
        f"{API}/users/me/meetings",
        status_code=201,
        json=created_meeting_body(777, occurrences=_occurrences(starts)),
    )

    # when
    first = _schedule(teacher_connected, recurrence=rule)

    # then: Zoom got a type-8 meeting with the weekly recurrence
    sent = requests_mock.request_history[-1].json()
    assert sent["type"] == 8
    assert sent["recurrence"] == {
        "type": 2,
        "repeat_interval": 1,
        "weekly_days": "2,4",
        "end_times": 4,
    }
    assert requests_mock.request_history[-1].headers["Authorization"] == "Bearer user-access-1"
    # and every occurrence is a meeting of its own, tied to its Zoom occurrence
    with schema_context(teacher_connected.schema):
        meetings = list(Meeting.objects.order_by("start_time"))
        series = MeetingSeries.objects.get()
        assert [m.start_time for m in meetings] == starts
        assert {m.zoom_meeting_id for m in meetings} == {"777"}
        assert [m.zoom_occurrence_id for m in meetings] == [
            str(int(s.timestamp() * 1000)) for s in starts
        ]
        assert all(m.zoom_account == Meeting.Account.USER for m in meetings)
        assert meetings[0].join_url.startswith("https://zoom.test/j/777")
        assert series.zoom_meeting_id == "777"
        assert CalendarEvent.objects.count() == 4
        assert AuditEntry.objects.get(action="meeting.scheduled").details["occurrences"] == 4
    assert first == meetings[0]


def test_a_series_that_ends_on_a_date_reaches_zoom_with_its_end(teacher_connected, requests_mock):
    """The rule is stored as JSON (the end date as text) and read back for Zoom's request."""
    until = (NEXT_MONDAY + timedelta(days=14)).date()
    rule = RecurrenceRule(frequency="daily", until=until)
    starts = rule.occurrences(NEXT_MONDAY, timezone="UTC")
    requests_mock.post(
        f"{API}/users/me/meetings",
        status_code=201,
        json=created_meeting_body(778, occurrences=_occurrences(starts)),
    )

    _schedule(teacher_connected, recurrence=rule)

    sent = requests_mock.request_history[-1].json()["recurrence"]
    assert sent["end_date_time"].startswith(until.isoformat())
    assert "end_times" not in sent


def test_school_account_is_used_when_the_teacher_has_not_connected(zoom_alpha, requests_mock):
    # given: no connection of the teacher's own; the school's Server-to-Server account
    teacher_email = zoom_alpha.users["teacher"].email.replace("@", "%40")
    requests_mock.post(f"{OAUTH}/oauth/token", json=token_body("acct-token", refresh=None))
    made = requests_mock.post(
        f"{API}/users/{teacher_email}/meetings", status_code=201, json=created_meeting_body(55)
    )
    as_owner = requests_mock.post(
        f"{API}/users/me/meetings", status_code=201, json=created_meeting_body(56)
    )

    # when
    meeting = _schedule(zoom_alpha)

    # then: the meeting is the teacher's on the school's account (Zoom shows them as host),
    # not the account owner's ("me")
    assert meeting.zoom_account == Meeting.Account.ACCOUNT
    assert made.call_count == 1 and not as_owner.called
    assert meeting.zoom_meeting_id == "55"
    assert requests_mock.last_request.headers["Authorization"] == "Bearer acct-token"


def test_school_account_falls_back_to_its_host_when_zoom_has_no_such_teacher(
    zoom_alpha, requests_mock
):
    # given: the teacher has no user on the school's Zoom account
    teacher_email = zoom_alpha.users["teacher"].email.replace("@", "%40")
    requests_mock.post(f"{OAUTH}/oauth/token", json=token_body("acct-token", refresh=None))
    requests_mock.post(
        f"{API}/users/{teacher_email}/meetings",
        status_code=404,
        json={"code": 1001, "message": "User does not exist."},
    )
    requests_mock.post(f"{API}/users/me/meetings", status_code=201, json=created_meeting_body(57))

    # when
    meeting = _schedule(zoom_alpha)

    # then: made for the account's default host instead
    assert meeting.zoom_meeting_id == "57"
    assert requests_mock.last_request.url.endswith("/users/me/meetings")


def test_without_any_zoom_the_class_is_scheduled_locally(alpha, requests_mock):
    meeting = _schedule(alpha)
    assert not meeting.on_zoom
    assert not requests_mock.called


def test_zoom_refusal_leaves_nothing_behind(teacher_connected, requests_mock):
    requests_mock.post(
        f"{API}/users/me/meetings",
        status_code=400,
        json={"code": 300, "message": "Invalid start_time"},
    )
    with pytest.raises(ProviderValidationError):
        _schedule(teacher_connected)
    with schema_context(teacher_connected.schema):
        assert not Meeting.objects.exists()
        assert not CalendarEvent.objects.exists()


def test_a_database_failure_after_zoom_created_deletes_it_at_zoom(
    teacher_connected, requests_mock, monkeypatch
):
    requests_mock.post(f"{API}/users/me/meetings", status_code=201, json=created_meeting_body(99))
    requests_mock.delete(f"{API}/meetings/99", status_code=204)

    def fail(*args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(services.scheduling, "_attach_zoom", fail)

    with pytest.raises(IntegrityError):
        _schedule(teacher_connected)

    assert requests_mock.last_request.method == "DELETE"
    with schema_context(teacher_connected.schema):
        assert not Meeting.objects.exists()


def test_orphan_is_reported_when_zoom_cannot_delete_either(
    teacher_connected, requests_mock, monkeypatch
):
    requests_mock.post(f"{API}/users/me/meetings", status_code=201, json=created_meeting_body(98))
    requests_mock.delete(f"{API}/meetings/98", status_code=400, json={"code": 1, "message": "no"})
    monkeypatch.setattr(
        services.scheduling,
        "_attach_zoom",
        lambda *a, **k: (_ for _ in ()).throw(IntegrityError("x")),
    )
    with pytest.raises(IntegrityError):
        _schedule(teacher_connected)
    with schema_context(teacher_connected.schema):
        entry = AuditEntry.objects.get(action="zoom.meeting.orphaned")
    assert entry.target_id == "98"


@pytest.mark.parametrize("role", ["student", "parent"])
def test_only_teachers_and_admins_schedule(alpha, role):
    with pytest.raises(PermissionDenied):
        _schedule(alpha, role=role)


def test_a_teacher_cannot_schedule_for_a_class_they_do_not_teach(alpha):
    with schema_context(alpha.schema):
        other = class_create(name="Not mine", teachers=[])
    with pytest.raises(PermissionDenied):
        _schedule(alpha, school_class=other)


def test_bad_input_is_refused_with_reasons(alpha):
    with pytest.raises(ValidationError) as caught:
        _schedule(alpha, title=" ", duration_minutes=0, timezone_name="Mars/Olympus")
    assert set(caught.value.message_dict) == {"title", "duration_minutes", "timezone"}
    with pytest.raises(ValidationError, match="passed"):
        _schedule(alpha, start_time=datetime(2020, 1, 1, tzinfo=UTC))


def test_start_class_creates_the_zoom_meeting_when_missing_and_returns_the_start_url(
    alpha, requests_mock
):
    # given: scheduled before the teacher connected Zoom
    meeting = _schedule(alpha)
    with schema_context(alpha.schema):
        from meetings.models import ZoomConnection

        zoom_settings_set(zoom_url=OAUTH, client_id="c", client_secret="s")
        ZoomConnection.objects.create(
            user=alpha.users["teacher"],
            access_token="t",
            refresh_token="r",
            expires_at=timezone.now() + timedelta(hours=1),
        )
    requests_mock.post(f"{API}/users/me/meetings", status_code=201, json=created_meeting_body(31))

    # when
    with schema_context(alpha.schema):
        url = services.meeting_start(actor=alpha.users["teacher"], meeting=meeting)
        meeting.refresh_from_db()

    # then
    assert url == "https://zoom.test/s/31?zak=hostsecret"
    assert meeting.zoom_meeting_id == "31"
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(action="meeting.start_requested").exists()


def test_start_without_any_zoom_says_to_connect(alpha):
    meeting = _schedule(alpha)
    with schema_context(alpha.schema), pytest.raises(ZoomNotConnected, match="Connect your Zoom"):
        services.meeting_start(actor=alpha.users["teacher"], meeting=meeting)


def test_students_cannot_start_a_class(alpha):
    meeting = _schedule(alpha)
    with schema_context(alpha.schema), pytest.raises(PermissionDenied):
        services.meeting_start(actor=alpha.users["student"], meeting=meeting)


def test_start_class_gives_the_teacher_a_fresh_start_url(teacher_connected, requests_mock):
    # given: scheduled days ago; the stored start link's host token has expired since
    requests_mock.post(f"{API}/users/me/meetings", status_code=201, json=created_meeting_body(41))
    meeting = _schedule(teacher_connected)
    requests_mock.get(
        f"{API}/meetings/41",
        json=created_meeting_body(41, start_url="https://zoom.test/s/41?zak=fresh-token"),
    )

    started = GQL(teacher_connected, "teacher").ok(START, id=str(meeting.pk))["startClass"]

    assert started == {"startUrl": "https://zoom.test/s/41?zak=fresh-token", "errors": []}


def test_cancelling_one_occurrence_cancels_it_at_zoom_only(teacher_connected, requests_mock):
    rule = RecurrenceRule(frequency="daily", interval=2, count=3)
    starts = rule.occurrences(NEXT_MONDAY, timezone="UTC")
    requests_mock.post(
        f"{API}/users/me/meetings",
        status_code=201,
        json=created_meeting_body(5, occurrences=_occurrences(starts)),
    )
    requests_mock.delete(f"{API}/meetings/5", status_code=204)
    first = _schedule(teacher_connected, recurrence=rule)
    with schema_context(teacher_connected.schema):
        second = Meeting.objects.order_by("start_time")[1]

        services.meeting_cancel(actor=teacher_connected.users["teacher"], meeting=second)

        statuses = list(Meeting.objects.order_by("start_time").values_list("status", flat=True))
        event = CalendarEvent.objects.get(meeting=second)
    assert statuses == ["scheduled", "cancelled", "scheduled"]
    assert requests_mock.last_request.qs == {"occurrence_id": [second.zoom_occurrence_id]}
    assert (event.status, event.sequence) == ("CANCELLED", 1)
    assert first.status == "scheduled"


def test_cancelling_the_whole_series_deletes_the_zoom_meeting(teacher_connected, requests_mock):
    rule = RecurrenceRule(frequency="monthly", month_day=1, count=2)
    starts = rule.occurrences(NEXT_MONDAY, timezone="UTC")
    requests_mock.post(
        f"{API}/users/me/meetings",
        status_code=201,
        json=created_meeting_body(6, occurrences=_occurrences(starts)),
    )
    requests_mock.delete(f"{API}/meetings/6", status_code=204)
    first = _schedule(teacher_connected, recurrence=rule)

    with schema_context(teacher_connected.schema):
        cancelled = services.meeting_cancel(
            actor=teacher_connected.users["teacher"], meeting=first, whole_series=True
        )

    assert len(cancelled) == 2
    assert requests_mock.last_request.method == "DELETE" and requests_mock.last_request.qs == {}


def test_updating_a_meeting_patches_zoom_and_bumps_the_calendar(teacher_connected, requests_mock):
    requests_mock.post(f"{API}/users/me/meetings", status_code=201, json=created_meeting_body(8))
    requests_mock.patch(f"{API}/meetings/8", status_code=204)
    meeting = _schedule(teacher_connected)

    with schema_context(teacher_connected.schema):
        services.meeting_update(
            actor=teacher_connected.users["teacher"],
            meeting=meeting,
            start_time=NEXT_MONDAY + timedelta(hours=1),
        )
        event = CalendarEvent.objects.get(meeting=meeting)

    assert requests_mock.last_request.json()["start_time"].startswith(
        (NEXT_MONDAY + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    assert event.sequence == 1


def test_scheduling_creates_a_weekly_class(teacher_connected, requests_mock):
    rule = RecurrenceRule(frequency="weekly", weekdays=(0,), count=3)
    starts = rule.occurrences(NEXT_MONDAY, timezone="Europe/London")
    requests_mock.post(
        f"{API}/users/me/meetings",
        status_code=201,
        json=created_meeting_body(12, occurrences=_occurrences(starts)),
    )

    result = GQL(teacher_connected, "teacher").ok(
        SCHEDULE,
        input={
            "classId": str(teacher_connected.school_class.pk),
            "title": "Weekly maths",
            "startTime": NEXT_MONDAY.isoformat(),
            "durationMinutes": 45,
            "timezone": "Europe/London",
            "recurrence": {"frequency": "WEEKLY", "interval": 1, "weekdays": [0], "count": 3},
            "registrationEnabled": True,
        },
    )["scheduleMeeting"]

    assert result["errors"] == [], result
    with schema_context(teacher_connected.schema):
        assert Meeting.objects.filter(title="Weekly maths").count() == 3
    assert requests_mock.request_history[-1].json()["timezone"] == "Europe/London"


def test_a_meeting_is_hidden_from_other_classes_and_schools(teacher_connected, beta, requests_mock):
    requests_mock.post(f"{API}/users/me/meetings", status_code=201, json=created_meeting_body(13))
    meeting = _schedule(teacher_connected)
    read = "query($id: ID!) { meeting(id: $id) { id title } }"

    for role in ("student", "parent"):
        found = GQL(teacher_connected, role).ok(read, id=str(meeting.pk))["meeting"]
        assert found["id"] == str(meeting.pk)
    with schema_context(teacher_connected.schema):
        from tenants.accounts.models import Role, User

        outsider = User.objects.create_user("outsider@alpha.test", "x" * 12, role=Role.STUDENT)
    client = teacher_connected.client()
    with schema_context(teacher_connected.schema):
        client.force_login(outsider)
    assert GQL(teacher_connected, client=client)(read, id=str(meeting.pk))["errors"]
    assert GQL(beta, "admin")(read, id=str(meeting.pk))["errors"]


def test_a_parent_finds_their_childs_class(alpha):
    classes = GQL(alpha, "parent").ok("{ classes { name } }")["classes"]

    assert alpha.school_class.name in [c["name"] for c in classes]


def test_a_teacher_does_not_manage_an_open_meeting_of_no_class(alpha):
    """Visible to every teacher (audience all), managed by its host and admins only: the app
    shows no registrants and no start button to anyone else (`canManage`)."""
    with schema_context(alpha.schema):
        meeting = Meeting.objects.create(
            host=alpha.users["admin"],
            title="Assembly",
            target_audience="all",
            start_time=NEXT_MONDAY,
        )
    read = "query($id: ID!) { meeting(id: $id) { title canManage } }"

    teacher_view = GQL(alpha, "teacher").ok(read, id=str(meeting.pk))["meeting"]
    host_view = GQL(alpha, "admin").ok(read, id=str(meeting.pk))["meeting"]

    assert teacher_view == {"title": "Assembly", "canManage": False}
    assert host_view == {"title": "Assembly", "canManage": True}
