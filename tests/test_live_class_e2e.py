"""A live class end to end, across real processes: the Zoom sandbox's class player sends signed
webhooks, with Zoom's quirks, to a real daphne; a real dramatiq worker processes them; the
teacher watches the room over a real websocket; and every enrolled student ends with the
attendance that the played segments give."""

import asyncio
import json
import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest
import websockets
from django.conf import settings
from django.utils import timezone

from attendance.models import AttendanceRecord, ParticipantSession, WebhookEvent
from attendance.scoring import Policy, Segment, score_many
from meetings.models import Meeting, Registrant, ZoomSettings
from tenants.accounts.models import Role, User
from tenants.accounts.services import user_create
from tenants.school.services import class_enrol
from zoom_sandbox.player import ClassPlayer, Student
from zoom_sandbox.state import SandboxState

from .support import (
    committed_in,
    daphne_start,
    daphne_stop,
    worker_start,
    worker_stop,
    zoom_settings_set,
)

pytestmark = pytest.mark.django_db
SECRET = "e2e-webhook-secret"
ENROLLED, ATTENDING = 10, 8


@pytest.fixture
def stack():
    """daphne and a worker of their own (a task namespace nobody else uses)."""
    env = {"DRAMATIQ_NAMESPACE": f"liveroll-test-e2e-{uuid.uuid4().hex[:8]}"}
    web, port = daphne_start(env)
    worker = worker_start(env, queues=["webhooks"])
    yield port
    worker_stop(worker)
    daphne_stop(web)


@pytest.fixture
def live_class(worlds):
    """alpha's class with ten students, its webhook secret and a session on a sandbox
    meeting; all committed, all removed afterwards."""
    world = worlds["a"]
    sandbox = SandboxState()
    token = sandbox.bearer(f"Bearer {sandbox.issue_token()['access_token']}")
    zoom = sandbox.meeting_create(token, "me", {"topic": "Live maths", "type": 2, "duration": 45})

    def arrange():
        students = [
            user_create(
                email=f"e2e{n:02d}@alpha.test",
                password=None,
                role=Role.STUDENT,
                name=f"Pupil {n:02d}",
            )
            for n in range(ENROLLED)
        ]
        class_enrol(school_class=world.school_class, students=students)
        zoom_settings_set(webhook_secret_token=SECRET)
        meeting = Meeting.objects.create(
            school_class=world.school_class,
            host=world.users["teacher"],
            title="Live maths",
            start_time=timezone.now(),
            duration_minutes=45,
            zoom_meeting_id=str(zoom["id"]),
        )
        # Each student registered, as the platform does: they join through their personal
        # link, so Zoom's events carry their registrant id (what attendance trusts).
        for student in students:
            Registrant.objects.create(
                meeting=meeting,
                user=student,
                status="registered",
                zoom_registrant_id=_registrant_id(student.email),
            )
        return meeting.pk, [(s.name, s.email) for s in students]

    meeting_id, students = committed_in(world.schema, arrange)
    yield world, sandbox, zoom, meeting_id, students

    def clean():
        Meeting.objects.filter(pk=meeting_id).delete()
        WebhookEvent.objects.filter(zoom_meeting_id=str(zoom["id"])).delete()
        User.objects.filter(email__startswith="e2e").delete()
        ZoomSettings.objects.all().delete()

    committed_in(world.schema, clean)


ROOM = """subscription($id: ID!) { meetingParticipants(meetingId: $id) {
  kind status participants { name role joinedAt } } }"""


class Room:
    """The teacher's live view of the class (the `meetingParticipants` subscription), on its
    own thread and event loop. `messages` holds each result's `meetingParticipants`."""

    def __init__(self, port: int, host: str, session_key: str, meeting_id: int):
        self.url = f"ws://{host}:{port}/graphql/"
        self.port, self.host, self.session_key = port, host, session_key
        self.meeting_id = meeting_id
        self.messages: list[dict] = []
        self.ready = threading.Event()
        self.ended = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._watch()), daemon=True)
        self.thread.start()
        assert self.ready.wait(10), "the live websocket did not open"

    async def _watch(self) -> None:
        async with websockets.connect(
            self.url,
            host="127.0.0.1",
            port=self.port,
            subprotocols=["graphql-transport-ws"],
            origin=f"http://{self.host}:{self.port}",
            additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={self.session_key}"},
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            variables = {"id": str(self.meeting_id)}
            subscribe = {"query": ROOM, "variables": variables}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
            self.messages.append(_room_event(await ws.recv()))  # the snapshot
            self.ready.set()
            deadline = time.monotonic() + 60
            while not self.ended.is_set() and time.monotonic() < deadline:
                try:
                    message = _room_event(await asyncio.wait_for(ws.recv(), 1))
                except TimeoutError:
                    continue
                self.messages.append(message)
                if message["kind"] == "STATUS" and message["status"] == "ENDED":
                    self.ended.set()


def _registrant_id(email: str) -> str:
    return f"reg-{email}"


def _room_event(raw: str) -> dict:
    return json.loads(raw)["payload"]["data"]["meetingParticipants"]


def _played_attendance(summary, enrolled: list[tuple[str, str]]) -> dict[str, tuple[str, int]]:
    """What the played segments give, by the pure scoring function and the default policy."""

    def at(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    people: dict[str, list[Segment]] = {}
    for row in summary.participants:
        people.setdefault(row["user_email"], []).append(
            Segment(at(row["join_time"]), at(row["leave_time"]))
        )
    scores = score_many(
        people,
        window_start=at(summary.start_time),
        window_end=at(summary.end_time),
        policy=Policy(),
        enrolled=[email for _, email in enrolled],
    )
    return {
        email: (scores[email].status.value, scores[email].attended_seconds) for _, email in enrolled
    }


def test_a_played_class_streams_live_and_ends_with_everyones_attendance(stack, live_class):
    world, sandbox, zoom, meeting_id, enrolled = live_class
    room = Room(stack, world.host, world.session_keys["teacher"], meeting_id)
    assert room.messages[0]["kind"] == "SNAPSHOT"

    player = ClassPlayer(
        sandbox, f"http://127.0.0.1:{stack}/webhooks/zoom/", SECRET, host_header=world.host
    )
    summary = player.play(
        zoom["id"],
        students=[Student(name, email, _registrant_id(email)) for name, email in enrolled],
        participants=ATTENDING,
        speed=600,  # 45 minutes of class in under 5 s
        quirks=True,  # duplicates, out of order, a leave after the end, ids as text and numbers
        guest=True,
        seed=7,
    )
    assert summary.ok, summary.statuses
    assert room.ended.wait(30), "meeting.ended never reached the teacher"

    # Live: everyone who came was seen, with their role (each change says how a participant
    # is now: one who came and went within one batch shows as LEFT, joinedAt and all).
    seen = {
        participant["name"]: participant
        for message in room.messages
        if message["kind"] in ("JOINED", "LEFT")
        for participant in message["participants"]
    }
    joined = {name: participant["role"].lower() for name, participant in seen.items()}
    assert all(participant["joinedAt"] for participant in seen.values())
    played = {row["name"] for row in summary.participants}
    assert set(joined) == played
    attending = {name for name, email in enrolled if name in played}
    assert len(attending) == ATTENDING
    assert {joined[name] for name in attending} == {"student"}
    assert "guest" in joined.values() and "host" in joined.values()

    # Attendance: every enrolled student, as the played segments give it.
    def records():
        deadline = time.monotonic() + 30
        while WebhookEvent.objects.filter(status="pending").exists():
            assert time.monotonic() < deadline, "events left unprocessed"
            time.sleep(0.2)
        assert not ParticipantSession.objects.filter(meeting_id=meeting_id, left_at=None).exists()
        return {
            r.student.email: (r.status, r.attended_seconds)
            for r in AttendanceRecord.objects.filter(meeting_id=meeting_id).select_related(
                "student"
            )
        }

    everyone = [*enrolled, ("", world.users["student"].email)]  # the class had one already
    expected = _played_attendance(summary, everyone)
    assert committed_in(world.schema, records) == expected
    statuses = {status for status, _ in expected.values()}
    assert "absent" in statuses and statuses & {"present", "partial"}
    assert timedelta(seconds=max(s for _, s in expected.values())) <= timedelta(minutes=45)
