"""Reconciliation (meetings.services.zoom_changes.zoom_meetings_reconcile, the
`zoom-meetings-reconcile` job): Zoom is asked about the meetings of sessions still to come and
what a missed webhook left different is applied; a meeting Zoom no longer has is cancelled.
Zoom's answers are its real `GET /meetings/{meetingId}` body (tests/fixtures/zoom/rest/
meetings-meetingId_GET__Jericho-ZoomNet.json) with our meeting's values put in."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings import actors
from meetings.models import CalendarEvent, Meeting, MeetingSeries
from meetings.recurrence import RecurrenceRule
from meetings.services.calendar_events import _calendar_event_upsert
from meetings.services.scheduling import _rule_to_json
from meetings.services.zoom_changes import zoom_meetings_reconcile
from tenants.audit.models import AuditEntry
from tenants.scheduler import default_jobs

from .conftest import API, sample

pytestmark = pytest.mark.django_db

BASE = (timezone.now() + timedelta(days=14)).replace(hour=9, minute=0, second=0, microsecond=0)
BASE -= timedelta(days=BASE.weekday())


def zt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def occ_id(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def zoom_meeting(zoom_id: str, **values) -> dict:
    """Zoom's GET answer for a scheduled meeting (type 2) with these values."""
    body = sample("rest/meetings-meetingId_GET__Jericho-ZoomNet.json")
    body.update(
        id=int(zoom_id),
        type=2,
        topic="Algebra",
        agenda="",
        start_time=zt(BASE),
        duration=45,
        timezone="UTC",
        join_url=f"https://zoom.test/j/{zoom_id}",
        start_url=f"https://zoom.test/s/{zoom_id}",
        registration_url="",
    )
    body.pop("occurrences")
    body.pop("recurrence")
    body.update(values)
    return body


def session(world, zoom_id: str, *, start=BASE, **fields) -> Meeting:
    meeting = Meeting.objects.create(
        school_class=world.school_class,
        host=world.users["teacher"],
        title="Algebra",
        start_time=start,
        duration_minutes=45,
        zoom_meeting_id=zoom_id,
        zoom_account=Meeting.Account.USER,
        **fields,
    )
    _calendar_event_upsert(meeting)
    return meeting


def sequence(meeting) -> int:
    return CalendarEvent.objects.get(meeting=meeting).sequence


def test_reconciliation_applies_what_a_missed_webhook_left_different(
    teacher_connected, requests_mock
):
    later = BASE + timedelta(hours=1)
    requests_mock.get(
        f"{API}/meetings/111",
        json=zoom_meeting("111", topic="Algebra (room 2)", start_time=zt(later), duration=50),
    )
    requests_mock.get(f"{API}/meetings/222", json=zoom_meeting("222"))
    with schema_context(teacher_connected.schema):
        changed = session(teacher_connected, "111")
        same = session(teacher_connected, "222")

        report = zoom_meetings_reconcile()

        changed.refresh_from_db()
        assert (changed.title, changed.start_time, changed.duration_minutes) == (
            "Algebra (room 2)",
            later,
            50,
        )
        assert sequence(changed) == 1
        assert sequence(same) == 0  # as Zoom has it: nothing bumped
        assert (report.checked, report.gone, report.failed) == (2, 0, 0)
        assert report.result.changed == [changed.pk]
        assert AuditEntry.objects.get(action="meeting.changed_at_zoom").actor_label == "zoom"


def test_a_meeting_zoom_no_longer_has_is_cancelled(teacher_connected, requests_mock):
    # Zoom's answer for a deleted meeting: 404 with code 3001
    requests_mock.get(
        f"{API}/meetings/333",
        status_code=404,
        json={"code": 3001, "message": "Meeting does not exist: 333."},
    )
    with schema_context(teacher_connected.schema):
        # held by the teacher's own Zoom user, whose connection is the one asked
        gone = session(teacher_connected, "333", zoom_host_id="zu-teacher")

        report = zoom_meetings_reconcile()

        gone.refresh_from_db()
        assert gone.status == "cancelled"
        assert report.gone == 1
        assert CalendarEvent.objects.get(meeting=gone).status == "CANCELLED"


def test_a_series_is_asked_once_and_follows_zoom_occurrences(teacher_connected, requests_mock):
    with schema_context(teacher_connected.schema):
        rule = RecurrenceRule(frequency="weekly", weekdays=(0,), count=3)
        starts = rule.occurrences(BASE, timezone="UTC")
        series = MeetingSeries.objects.create(
            school_class=teacher_connected.school_class,
            host=teacher_connected.users["teacher"],
            title="Algebra",
            recurrence=_rule_to_json(rule),
            zoom_meeting_id="444",
        )
        sessions = [
            session(
                teacher_connected,
                "444",
                start=s,
                series=series,
                kind="recurring",
                zoom_occurrence_id=occ_id(s),
            )
            for s in starts
        ]
        moved = starts[1] + timedelta(minutes=30)
        # Zoom: the second occurrence moved, the third deleted (no longer listed)
        requests_mock.get(
            f"{API}/meetings/444",
            json=zoom_meeting(
                "444",
                type=8,
                occurrences=[
                    {
                        "occurrence_id": occ_id(starts[0]),
                        "start_time": zt(starts[0]),
                        "duration": 45,
                        "status": "available",
                    },
                    {
                        "occurrence_id": occ_id(starts[1]),
                        "start_time": zt(moved),
                        "duration": 45,
                        "status": "available",
                    },
                ],
                recurrence={"type": 2, "repeat_interval": 1, "weekly_days": "2", "end_times": 3},
            ),
        )

        zoom_meetings_reconcile()

        after = list(Meeting.objects.filter(zoom_meeting_id="444").order_by("pk"))
        assert requests_mock.call_count == 1
        assert [m.start_time for m in after] == [starts[0], moved, starts[2]]
        assert [m.status for m in after] == ["scheduled", "scheduled", "cancelled"]
        assert [sequence(m) for m in after] == [0, 1, 1]
        assert sessions[0].pk == after[0].pk


def test_each_run_is_bounded_and_the_least_recently_checked_come_first(
    teacher_connected, requests_mock
):
    for zoom_id in ("501", "502", "503"):
        requests_mock.get(f"{API}/meetings/{zoom_id}", json=zoom_meeting(zoom_id))
    with schema_context(teacher_connected.schema):
        for zoom_id in ("501", "502", "503"):
            session(teacher_connected, zoom_id)

        first = zoom_meetings_reconcile(limit=2)
        second = zoom_meetings_reconcile(limit=2)

    asked = [r.path.rsplit("/", 1)[-1] for r in requests_mock.request_history]
    assert (first.checked, second.checked) == (2, 2)
    assert asked[:2] == ["501", "502"]
    assert asked[2] == "503"  # never checked before: first in the next run


def test_a_rate_limit_ends_the_run(teacher_connected, requests_mock):
    requests_mock.get(
        f"{API}/meetings/601",
        status_code=429,
        headers={"Retry-After": "0"},
        json={"code": 429, "message": "You have reached the maximum per-second rate limit."},
    )
    requests_mock.get(f"{API}/meetings/602", json=zoom_meeting("602"))
    with schema_context(teacher_connected.schema):
        session(teacher_connected, "601")
        session(teacher_connected, "602")

        report = zoom_meetings_reconcile()

    assert report.deferred
    assert all(r.path.endswith("/601") for r in requests_mock.request_history)


def test_past_and_cancelled_sessions_are_not_asked_about(teacher_connected, requests_mock):
    with schema_context(teacher_connected.schema):
        session(teacher_connected, "701", start=timezone.now() - timedelta(days=1))
        session(teacher_connected, "702", status="cancelled")

        report = zoom_meetings_reconcile()

    assert report.checked == 0
    assert requests_mock.call_count == 0


def test_the_job_is_declared_and_its_actor_reconciles_one_school(
    teacher_connected, beta, requests_mock
):
    requests_mock.get(f"{API}/meetings/801", status_code=404, json={"code": 3001, "message": "x"})
    with schema_context(beta.schema):
        theirs = session(beta, "801")
    with schema_context(teacher_connected.schema):
        ours = session(teacher_connected, "801", zoom_host_id="zu-teacher")
        actors.zoom_meetings_reconcile.fn()
        ours.refresh_from_db()
        assert ours.status == "cancelled"
    with schema_context(beta.schema):
        theirs.refresh_from_db()
        assert theirs.status == "scheduled"
    job = next(j for j in default_jobs() if j.name == "zoom-meetings-reconcile")
    assert job.every_seconds == 1800


def test_a_series_zoom_moved_whole_moves_its_sessions_and_cancels_only_the_deleted_one(
    teacher_connected, requests_mock
):
    with schema_context(teacher_connected.schema):
        rule = RecurrenceRule(frequency="weekly", weekdays=(0,), count=4)
        starts = rule.occurrences(BASE, timezone="UTC")
        series = MeetingSeries.objects.create(
            school_class=teacher_connected.school_class,
            host=teacher_connected.users["teacher"],
            title="Algebra",
            recurrence=_rule_to_json(rule),
            zoom_meeting_id="445",
        )
        sessions = [
            session(
                teacher_connected,
                "445",
                start=s,
                series=series,
                kind="recurring",
                zoom_occurrence_id=occ_id(s),
            )
            for s in starts
        ]
        # Zoom (a missed webhook): the series moved to Tuesdays at 10:00, so every occurrence
        # has a new id, and the third one was deleted since
        moved = [s + timedelta(days=1, hours=1) for s in starts]
        requests_mock.get(
            f"{API}/meetings/445",
            json=zoom_meeting(
                "445",
                type=8,
                start_time=zt(moved[0]),
                occurrences=[
                    {
                        "occurrence_id": occ_id(s),
                        "start_time": zt(s),
                        "duration": 45,
                        "status": "available",
                    }
                    for s in (moved[0], moved[1], moved[3])
                ],
                recurrence={"type": 2, "repeat_interval": 1, "weekly_days": "3", "end_times": 4},
            ),
        )

        report = zoom_meetings_reconcile()

        after = list(Meeting.objects.filter(zoom_meeting_id="445").order_by("pk"))
        assert [m.pk for m in after] == [m.pk for m in sessions]
        assert [m.start_time for m in after] == [moved[0], moved[1], starts[2], moved[3]]
        assert [m.status for m in after] == ["scheduled", "scheduled", "cancelled", "scheduled"]
        assert after[3].zoom_occurrence_id == occ_id(moved[3])
        assert report.result.created == []
        assert report.result.cancelled == [sessions[2].pk]


def test_a_does_not_exist_from_a_successors_zoom_cancels_nothing(teacher_connected, requests_mock):
    from meetings.models import ZoomConnection
    from meetings.services.people import person_delete
    from tenants.accounts.models import Role
    from tenants.accounts.services import user_create

    from .conftest import OAUTH

    requests_mock.post(f"{OAUTH}/oauth/revoke", json={"status": "success"})
    # Zoom's answer to a token of another account asking for the meeting: it "does not exist"
    requests_mock.get(
        f"{API}/meetings/901",
        status_code=404,
        json={"code": 3001, "message": "Meeting does not exist: 901."},
    )
    with schema_context(teacher_connected.schema):
        world = teacher_connected
        # given: a class on the teacher's own Zoom; a successor with Zoom on another account
        ours = session(world, "901", zoom_host_id="zu-teacher")
        successor = user_create(
            email="teacher2@alpha.test", password="x" * 12, role=Role.TEACHER, name="Successor"
        )
        ZoomConnection.objects.create(
            user=successor,
            zoom_user_id="zu-successor",
            zoom_email="successor.zoom@other.test",
            zoom_account_id="acct-2",
            access_token="successor-access",
            refresh_token="successor-refresh",
            expires_at=timezone.now() + timedelta(hours=1),
            scopes="meeting:write meeting:read user:read",
        )
        # when: the teacher is deleted, their classes going to the successor, and
        # reconciliation asks Zoom through the successor's account
        person_delete(
            person_id=world.users["teacher"].pk, by=world.users["admin"], successor_id=successor.pk
        )
        report = zoom_meetings_reconcile()

        # then: Zoom's "does not exist" is not believed: nothing cancelled, nobody mailed
        ours.refresh_from_db()
        assert ours.host_id == successor.pk
        assert ours.status == "scheduled"
        assert (report.gone, report.unsure) == (0, 1)
        assert sequence(ours) == 0
        asked = [r for r in requests_mock.request_history if r.path.endswith("/meetings/901")]
        assert [r.headers["Authorization"] for r in asked] == ["Bearer successor-access"]


def test_the_holder_is_learnt_from_zoom_then_its_does_not_exist_is_believed(
    teacher_connected, requests_mock
):
    with schema_context(teacher_connected.schema):
        # given: a class made before its holder was kept
        legacy = session(teacher_connected, "902")
        assert legacy.zoom_host_id == ""

        # a "does not exist" before the holder is known is not believed
        requests_mock.get(
            f"{API}/meetings/902", status_code=404, json={"code": 3001, "message": "x"}
        )
        assert zoom_meetings_reconcile().unsure == 1
        legacy.refresh_from_db()
        assert legacy.status == "scheduled"

        # Zoom reads it to the teacher's connection: the holder is kept
        requests_mock.get(f"{API}/meetings/902", json=zoom_meeting("902", host_id="zu-teacher"))
        zoom_meetings_reconcile()
        legacy.refresh_from_db()
        assert legacy.zoom_host_id == "zu-teacher"

        # then deleted at Zoom: believed, cancelled
        requests_mock.get(
            f"{API}/meetings/902", status_code=404, json={"code": 3001, "message": "x"}
        )
        report = zoom_meetings_reconcile()
        legacy.refresh_from_db()
        assert (legacy.status, report.gone) == ("cancelled", 1)


def test_a_class_scheduled_here_keeps_its_holder_so_its_deletion_at_zoom_is_believed(
    teacher_connected, requests_mock
):
    from meetings import services

    from .conftest import created_meeting_body

    # Zoom's answer to the create: its host_id is the teacher's Zoom user
    requests_mock.post(
        f"{API}/users/me/meetings",
        status_code=201,
        json=created_meeting_body(903, host_id="zu-teacher"),
    )
    requests_mock.get(f"{API}/meetings/903", status_code=404, json={"code": 3001, "message": "x"})
    with schema_context(teacher_connected.schema):
        meeting = services.meeting_schedule(
            actor=teacher_connected.users["teacher"],
            school_class=teacher_connected.school_class,
            title="Algebra",
            start_time=BASE,
            duration_minutes=45,
        )
        assert meeting.zoom_host_id == "zu-teacher"

        report = zoom_meetings_reconcile()

        meeting.refresh_from_db()
        assert (meeting.status, report.gone) == ("cancelled", 1)
