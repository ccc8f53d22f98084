"""From connecting to disconnecting, over real HTTP against the sandbox's calendar stand-in,
with daphne and a real worker: a student connects Google Calendar through the consent page
(landing back on their profile), the worker writes their sessions with the platform's join
link, the teacher moves one session and cancels another in the app and the calendar follows,
and disconnecting removes every event."""

import uuid
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from meetings.calendar_sync.models import CalendarApp, CalendarConnection
from meetings.models import Meeting
from tenants.mail.models import OutboundMail
from zoom_sandbox.calendars import DEMO_APPS
from zoom_sandbox.server import SandboxServer

from ...support import (
    SignedInBrowser,
    calendar_connect_at_stand_in,
    committed_in,
    daphne_start,
    daphne_stop,
    wait_for,
    worker_start,
    worker_stop,
)

pytestmark = pytest.mark.django_db

EMAIL = "student.calendar@example.com"


@pytest.fixture
def stack(worlds):
    world = worlds["a"]
    with SandboxServer(log=lambda line: None) as sandbox:
        env = {
            "DRAMATIQ_NAMESPACE": f"liveroll-test-calendar-{uuid.uuid4().hex[:8]}",
            "LIVEROLL_CALENDAR_ALLOWED_STAND_INS": sandbox.url,
        }
        web, port = daphne_start(env)
        worker = worker_start(env, queues=["default"])
        client_id, secret = DEMO_APPS["google"]
        start = (timezone.now() + timedelta(days=2)).replace(microsecond=0)

        def arrange():
            CalendarApp.objects.create(
                provider="google", client_id=client_id, client_secret=secret, stand_in=sandbox.url
            )
            return [
                Meeting.objects.create(
                    school_class=world.school_class,
                    host=world.users["teacher"],
                    title=f"Calendar e2e {i}",
                    start_time=start + timedelta(days=i),
                    duration_minutes=50,
                    timezone="Asia/Dhaka",
                ).pk
                for i in range(3)
            ]

        meeting_ids = committed_in(world.schema, arrange)
        try:
            yield world, sandbox, port, meeting_ids
        finally:
            worker_stop(worker)
            daphne_stop(web)

            def clean():
                # The move and the cancellation mailed the class (invitation updates).
                OutboundMail.objects.all().delete()
                Meeting.objects.filter(pk__in=meeting_ids).delete()
                CalendarConnection.objects.all().delete()
                CalendarApp.objects.all().delete()

            committed_in(world.schema, clean)


def _events(sandbox):
    return [
        e
        for c in sandbox.state.cal_snapshot()
        if c["provider"] == "google" and c["email"] == EMAIL
        for e in c["events"]
        if not e["cancelled"]
    ]


def test_connect_sync_follow_changes_and_disconnect_through_the_stand_in(stack):
    world, sandbox, port, meeting_ids = stack
    student = SignedInBrowser(port, world, "student")
    teacher = SignedInBrowser(port, world, "teacher")

    # when: the student connects (app → stand-in's consent page → the school's callback)
    landed = calendar_connect_at_stand_in(student, provider="GOOGLE", email=EMAIL)
    assert landed == "/app/profile?calendar=connected#calendars"

    # then: the worker writes the three sessions, with the student's platform link
    events = wait_for(lambda: len(_events(sandbox)) == 3 and _events(sandbox))
    assert all("/join/" in e["location"] and "zoom" not in e["location"] for e in events)
    mine = wait_for(
        lambda: (
            (
                c := student.graphql(
                    "{ myCalendars { connections { syncing eventCount accountEmail } } }"
                )["myCalendars"]["connections"][0]
            )["syncing"]
            is False
            and c
        )
    )
    assert mine == {"syncing": False, "eventCount": 3, "accountEmail": EMAIL}

    # when: the teacher moves the first session an hour later and cancels the second
    first, second, third = meeting_ids
    moved_to = (timezone.now() + timedelta(days=2, hours=5)).replace(microsecond=0)
    teacher.graphql(
        """mutation($input: UpdateMeetingInput!) { updateMeeting(input: $input) {
             errors { message } } }""",
        input={"meetingId": str(first), "startTime": moved_to.isoformat()},
    )
    teacher.graphql(
        "mutation($id: ID!) { cancelMeeting(meetingId: $id) { errors { message } } }",
        id=str(second),
    )

    # then: the calendar follows (one event moved in place, one deleted)
    def followed():
        found = {e["title"]: e for e in _events(sandbox)}
        return (
            set(found) == {"Calendar e2e 0", "Calendar e2e 2"}
            and found["Calendar e2e 0"]["start"].startswith(
                moved_to.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
            )
            and found
        )

    after = wait_for(followed)
    assert {e["id"] for e in after.values()} <= {e["id"] for e in events}

    # when: the student disconnects, then: every event goes and so does the connection
    gone = student.graphql(
        "mutation { disconnectCalendar(provider: GOOGLE) { connection { status } } }"
    )["disconnectCalendar"]["connection"]
    assert gone == {"status": "DISCONNECTING"}
    wait_for(lambda: _events(sandbox) == [])
    wait_for(lambda: not committed_in(world.schema, lambda: CalendarConnection.objects.exists()))
