"""Zoom as the source of truth, across real processes: a weekly class scheduled on the Zoom
sandbox; its host moves one occurrence "in Zoom's own app" (`run_zoom_sandbox change`), the
sandbox sends `meeting.updated`, signed, to a real daphne, a real worker applies it, and the
student's calendar feed (`/calendar/<token>.ics`) shows the new time, as does the Google
Calendar they connected (the sandbox's stand-in); a deletion there (`run_zoom_sandbox delete`)
shows the session cancelled in the feed and removes it from their calendar."""

import time
import uuid
from datetime import UTC, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from icalendar import Calendar

from attendance.models import WebhookEvent
from meetings import services
from meetings.calendar_sync.models import CalendarApp, CalendarConnection
from meetings.models import CalendarFeed, Meeting, MeetingSeries, ZoomSettings
from meetings.recurrence import RecurrenceRule
from meetings.services.calendar_feeds import calendar_feed_get_or_create
from zoom_sandbox.calendars import DEMO_APPS
from zoom_sandbox.room import WebhookTarget
from zoom_sandbox.server import SandboxServer
from zoom_sandbox.users import DEMO_ACCOUNT_ID

from .support import (
    SignedInBrowser,
    calendar_connect_at_stand_in,
    committed_in,
    daphne_start,
    daphne_stop,
    http_get,
    worker_start,
    worker_stop,
    zoom_settings_set,
)

pytestmark = pytest.mark.django_db
SECRET = "zoom-changes-e2e-secret"


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker):
    """The sandbox on a free port, allowed as the school's Zoom; daphne and a webhooks worker."""
    with django_db_blocker.unblock(), SandboxServer(log=lambda line: None) as sandbox:
        env = {
            "DRAMATIQ_NAMESPACE": f"liveroll-test-zoom-changes-{uuid.uuid4().hex[:8]}",
            "LIVEROLL_ZOOM_ALLOWED_BASES": f"https://zoom.test,{sandbox.url}",
            "LIVEROLL_CALENDAR_ALLOWED_STAND_INS": sandbox.url,
        }
        web, port = daphne_start(env)
        # webhooks, and the calendar sync the changes queue ("default")
        worker = worker_start(env, queues=["webhooks", "default"])
        try:
            yield sandbox, port
        finally:
            worker_stop(worker)
            daphne_stop(web)


@pytest.fixture
def weekly_class(stack, worlds, settings):
    """alpha on the sandbox's demo account, a weekly class of three sessions scheduled on it,
    the sandbox's webhooks going to alpha on daphne, and the student's feed; all committed,
    all removed afterwards."""
    sandbox, port = stack
    settings.LIVEROLL_ZOOM_ALLOWED_BASES = [*settings.LIVEROLL_ZOOM_ALLOWED_BASES, sandbox.url]
    world = worlds["a"]
    sandbox.state.rooms.target_set(
        DEMO_ACCOUNT_ID,
        WebhookTarget(f"http://127.0.0.1:{port}/webhooks/zoom/", SECRET, world.host),
    )
    first = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)

    def arrange():
        zoom_settings_set(
            zoom_url=sandbox.url,
            client_id="demo-client-id",
            client_secret="demo-client-secret",
            account_id="demo-account",
            webhook_secret_token=SECRET,
        )
        meeting = services.meeting_schedule(
            actor=world.users["teacher"],
            school_class=world.school_class,
            title="Weekly chemistry",
            start_time=first,
            duration_minutes=45,
            recurrence=RecurrenceRule(frequency="weekly", weekdays=(first.weekday(),), count=3),
            registration_enabled=False,
        )
        feed = calendar_feed_get_or_create(user=world.users["student"])
        sessions = list(Meeting.objects.filter(series=meeting.series).order_by("start_time"))
        return feed.token, [(m.pk, m.zoom_occurrence_id) for m in sessions], meeting.zoom_meeting_id

    token, sessions, zoom_id = committed_in(world.schema, arrange)
    yield world, sandbox, port, token, sessions, zoom_id

    def clean():
        MeetingSeries.objects.filter(zoom_meeting_id=zoom_id).delete()
        WebhookEvent.objects.filter(zoom_meeting_id=zoom_id).delete()
        CalendarFeed.objects.filter(token=token).delete()
        ZoomSettings.objects.all().delete()

    committed_in(world.schema, clean)
    sandbox.state.rooms.targets.pop(DEMO_ACCOUNT_ID, None)


def _in_zoom(sandbox, action: str, zoom_id: str, occurrence: str, *options: str) -> None:
    """`action` ("change" or "delete") made to one occurrence in the sandbox's "Zoom app"."""
    call_command(
        "run_zoom_sandbox",
        action,
        "--sandbox",
        sandbox.url,
        "--meeting",
        zoom_id,
        "--occurrence",
        occurrence,
        *options,
    )


def _until(schema: str, meeting_id: int, check) -> Meeting:
    """The session once the worker has applied the webhook (`check` holds)."""

    def look():
        deadline = time.monotonic() + 60
        while True:
            meeting = Meeting.objects.select_related("calendar_event").get(pk=meeting_id)
            if check(meeting):
                return meeting
            failed = WebhookEvent.objects.filter(status="failed").first()
            assert failed is None, failed.last_error
            assert time.monotonic() < deadline, f"not applied: {meeting.status} {meeting}"
            time.sleep(0.2)

    return committed_in(schema, look)


def _feed_event(port: int, world, token: str, uid: str):
    status, body = http_get(port, f"/calendar/{token}.ics", world.host)
    assert status == 200
    events = [e for e in Calendar.from_ical(body).walk("VEVENT") if str(e["UID"]) == uid]
    assert len(events) == 1, f"no event {uid} in the feed"
    return events[0]


def test_a_change_and_a_deletion_in_zoom_reach_the_session_and_the_feed(weekly_class):
    world, sandbox, port, token, sessions, zoom_id = weekly_class
    (second_id, second_occurrence), (third_id, third_occurrence) = sessions[1], sessions[2]
    moved = (timezone.now() + timedelta(days=12)).replace(
        hour=7, minute=30, second=0, microsecond=0
    )

    # when: the host moves the second occurrence and makes it shorter, in Zoom's app
    _in_zoom(
        sandbox,
        "change",
        zoom_id,
        second_occurrence,
        "--start",
        moved.isoformat(),
        "--duration",
        "30",
    )

    # then: the session moves, and the student's feed has it at its new time
    second = _until(world.schema, second_id, lambda m: m.start_time == moved)
    assert second.duration_minutes == 30
    event = _feed_event(port, world, token, second.calendar_event.uid)
    assert event.decoded("DTSTART").astimezone(UTC) == moved.astimezone(UTC)
    assert event.decoded("DTEND").astimezone(UTC) == (moved + timedelta(minutes=30)).astimezone(UTC)
    assert int(event["SEQUENCE"]) == second.calendar_event.sequence == 1

    # when: the host deletes the third occurrence in Zoom's app
    _in_zoom(sandbox, "delete", zoom_id, third_occurrence)

    # then: the session is cancelled, and so is its event in the feed
    third = _until(world.schema, third_id, lambda m: m.status == "cancelled")
    event = _feed_event(port, world, token, third.calendar_event.uid)
    assert str(event["STATUS"]) == "CANCELLED"
    # and the first session is as it was
    first = committed_in(
        world.schema,
        lambda: Meeting.objects.select_related("calendar_event").get(pk=sessions[0][0]),
    )
    assert (first.status, first.calendar_event.sequence) == ("scheduled", 0)

    # when: the teacher shortens the first session here; Zoom (the sandbox) echoes the change
    def shorten():
        services.meeting_update(
            actor=world.users["teacher"],
            meeting=Meeting.objects.get(pk=first.pk),
            duration_minutes=40,
        )

    committed_in(world.schema, shorten)

    # then: the echo is processed and changes nothing more (one SEQUENCE bump: ours)
    def echoed() -> list[str]:
        deadline = time.monotonic() + 60
        while True:
            done = list(
                WebhookEvent.objects.filter(zoom_meeting_id=zoom_id, event="meeting.updated")
                .order_by("pk")
                .values_list("status", flat=True)
            )
            if len(done) == 2 and "pending" not in done:
                return done
            assert time.monotonic() < deadline, f"no echo processed: {done}"
            time.sleep(0.2)

    assert committed_in(world.schema, echoed) == ["processed", "processed"]
    first = committed_in(
        world.schema,
        lambda: Meeting.objects.select_related("calendar_event").get(pk=first.pk),
    )
    assert (first.duration_minutes, first.calendar_event.sequence) == (40, 1)


CALENDAR_EMAIL = "chemistry.student@example.com"


def _calendar_events(sandbox) -> dict[str, dict]:
    """The student's stand-in Google Calendar: its live events by start (UTC, to the minute)."""
    return {
        e["start"][:16]: e
        for c in sandbox.state.cal_snapshot()
        if c["provider"] == "google" and c["email"] == CALENDAR_EMAIL
        for e in c["events"]
        if not e["cancelled"]
    }


def _until_calendar(sandbox, check) -> dict[str, dict]:
    deadline = time.monotonic() + 60
    while True:
        events = _calendar_events(sandbox)
        if check(events):
            return events
        assert time.monotonic() < deadline, f"the calendar did not follow: {sorted(events)}"
        time.sleep(0.25)


def _minute(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def test_a_change_and_a_deletion_in_zoom_reach_the_connected_calendar(weekly_class):
    world, sandbox, port, _token, sessions, zoom_id = weekly_class
    (first_id, _), (second_id, second_occurrence), (third_id, third_occurrence) = sessions
    starts = committed_in(
        world.schema,
        lambda: {
            m.pk: m.start_time for m in Meeting.objects.filter(pk__in=[s[0] for s in sessions])
        },
    )
    client_id, client_secret = DEMO_APPS["google"]
    committed_in(
        world.schema,
        lambda: CalendarApp.objects.create(
            provider="google",
            client_id=client_id,
            client_secret=client_secret,
            stand_in=sandbox.url,
        ),
    )
    try:
        # given: the student has connected Google Calendar and holds the three sessions there
        student = SignedInBrowser(port, world, "student")
        landed = calendar_connect_at_stand_in(student, provider="GOOGLE", email=CALENDAR_EMAIL)
        assert landed == "/app/profile?calendar=connected#calendars"
        before = _until_calendar(sandbox, lambda events: len(events) == 3)
        assert set(before) == {_minute(start) for start in starts.values()}
        moved_event_id = before[_minute(starts[second_id])]["id"]

        # when: the host moves the second occurrence in Zoom's app
        moved = (timezone.now() + timedelta(days=13)).replace(
            hour=6, minute=15, second=0, microsecond=0
        )
        _in_zoom(sandbox, "change", zoom_id, second_occurrence, "--start", moved.isoformat())

        # then: the same event in their calendar moves to the new time
        after = _until_calendar(sandbox, lambda events: _minute(moved) in events)
        assert after[_minute(moved)]["id"] == moved_event_id
        assert _minute(starts[second_id]) not in after
        assert "/join/" in after[_minute(moved)]["location"]

        # when: the host deletes the third occurrence in Zoom's app
        _in_zoom(sandbox, "delete", zoom_id, third_occurrence)

        # then: it leaves their calendar; the first is where it was
        left = _until_calendar(sandbox, lambda events: len(events) == 2)
        assert set(left) == {_minute(starts[first_id]), _minute(moved)}
    finally:

        def clean():
            CalendarConnection.objects.all().delete()
            CalendarApp.objects.all().delete()

        committed_in(world.schema, clean)
