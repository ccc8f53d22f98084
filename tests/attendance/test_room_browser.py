"""The live room through the end of a class, in Chromium against daphne (the issue's mend):
while the class runs the register lists every enrolled student, by name; when the class ends
the room counts nobody and says so, and the scored register appears live, every row of it,
without a reload. Driven through frontend/tests/attendance-room.mjs; skipped like the SPA
smoke when Node.js, the build or Chromium is missing."""

import json
import os
import queue
import subprocess
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.handlers import parse_time
from attendance.inbox import engine
from attendance.models import WebhookEvent
from meetings.models import Meeting, Registrant, ZoomSettings
from tenants.accounts.models import ApiToken, Role, User
from tenants.accounts.services import api_token_create, user_create
from tenants.school.services import class_enrol
from zoom_sandbox.server import SandboxServer
from zoom_sandbox.users import DEMO_ACCOUNT_ID

from ..support import committed, daphne_start, daphne_stop, zoom_settings_set
from ..test_spa_smoke import CHROMIUM, FRONTEND, SMOKE_SKIPPED, TEACHER_PASSWORD, Daphne, _free_port
from .conftest import CLASS_START, ZOOM_ID, body, joined, left, store, zoom_time

pytestmark = pytest.mark.django_db

SCRIPT = FRONTEND / "tests" / "attendance-room.mjs"


class Room:
    """frontend/tests/attendance-room.mjs: JSON lines out, expectations in."""

    def __init__(self, base_url: str, meeting_id: int, stderr: Path):
        env = dict(
            os.environ,
            ROOM_BASE_URL=base_url,
            ROOM_EMAIL="teacher@alpha.test",
            ROOM_PASSWORD=TEACHER_PASSWORD,
            ROOM_MEETING_ID=str(meeting_id),
            ROOM_OUT=str(FRONTEND / "test-results"),
            CHROMIUM=str(CHROMIUM),
        )
        self.stderr = stderr
        with stderr.open("w") as err:
            self.process = subprocess.Popen(
                ["node", str(SCRIPT)],
                cwd=FRONTEND,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, event: str, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no {event!r} from the browser within {timeout} s")
            if line is None:
                pytest.fail(
                    f"the browser script ended before {event!r}:\n{self.stderr.read_text()}"
                )
            message = json.loads(line)
            if message["event"] == "pageerror":
                print(f"browser pageerror: {message['message']}")
            if message["event"] == "error":
                pytest.fail(f"in the browser: {message['message']} (see frontend/test-results/)")
            if message["event"] == event:
                return message

    def expect(self, **expectation) -> dict:
        self.process.stdin.write(json.dumps(expectation) + "\n")
        self.process.stdin.flush()
        return self.wait_for("seen")

    def finish(self) -> None:
        self.process.stdin.write("done\n")
        self.process.stdin.close()
        self.wait_for("done")
        assert self.process.wait(timeout=30) == 0

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def leave_no_trace(worlds):
    """A browser signs in through a real daphne, which commits: the sign-in's audit entries,
    the session, the teacher's last_login and the school's first sign-in (and whatever the
    test's requests audit) would outlive the test and change what later tests see. Put them
    back."""
    from django.contrib.sessions.models import Session

    from tenants.audit.models import AuditEntry
    from tenants.models import Organisation

    world = worlds["a"]
    teacher = world.users["teacher"]

    def before():
        with schema_context(world.schema):
            last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            sessions = set(Session.objects.values_list("session_key", flat=True))
            login = User.objects.filter(pk=teacher.pk).values_list("last_login", flat=True).get()
        first = Organisation.objects.filter(pk=world.org.pk).values_list("first_signin_at").get()
        return last, sessions, login, first[0]

    last, sessions, login, first_signin = committed(before)
    yield

    def after():
        with schema_context(world.schema):
            AuditEntry.objects.filter(pk__gt=last).delete()
            Session.objects.exclude(session_key__in=sessions).delete()
            User.objects.filter(pk=teacher.pk).update(last_login=login)
        Organisation.objects.filter(pk=world.org.pk).update(first_signin_at=first_signin)

    committed(after)


@pytest.fixture
def running_class(worlds, leave_no_trace):
    """alpha's class with two more students (Ann and Bob, registered for Zoom like the world's
    own student), and a session on Zoom that started a few minutes ago. Committed."""
    world = worlds["a"]
    start = timezone.now() - timedelta(minutes=20)

    def create():
        with schema_context(world.schema):
            WebhookEvent.objects.all().delete()
            ann = user_create(
                email="ann.room@alpha.test", password=None, role=Role.STUDENT, name="Ann Room"
            )
            bob = user_create(
                email="bob.room@alpha.test", password=None, role=Role.STUDENT, name="Bob Room"
            )
            class_enrol(school_class=world.school_class, students=[ann, bob])
            meeting = Meeting.objects.create(
                school_class=world.school_class,
                host=world.users["teacher"],
                title="Room maths",
                start_time=start,
                duration_minutes=60,
                zoom_meeting_id=ZOOM_ID,
            )
            for who, reg in ((world.users["student"], "reg-s"), (ann, "reg-a"), (bob, "reg-b")):
                Registrant.objects.create(
                    meeting=meeting, user=who, status="registered", zoom_registrant_id=reg
                )
            return meeting.pk, [ann.pk, bob.pk]

    def delete():
        with schema_context(world.schema):
            WebhookEvent.objects.all().delete()
            Meeting.objects.filter(pk=meeting_id).delete()
            User.objects.filter(pk__in=students).delete()

    meeting_id, students = committed(create)
    yield world, meeting_id, start
    committed(delete)


def _play(world, bodies) -> None:
    def run():
        with schema_context(world.schema):
            for event_id in store(bodies):
                engine.webhook_event_process(event_id=event_id)

    committed(run)


def _at(start, minute: int) -> dict:
    return {
        "start_time": zoom_time(start),
        "end_time": zoom_time(start + timedelta(minutes=minute)),
    }


@pytest.mark.skipif(SMOKE_SKIPPED is not None, reason=SMOKE_SKIPPED or "")
def test_the_room_ends_with_nobody_in_it_and_the_whole_register_live(running_class, tmp_path):
    world, meeting_id, start = running_class
    daphne = Daphne(_free_port(), tmp_path / "daphne.log")
    daphne.start()
    room = Room(f"http://{world.host}:{daphne.port}", meeting_id, tmp_path / "room.err")
    try:
        room.wait_for("ready")

        # given: the class runs; the world's student and Ann are in the room
        started = body("meeting.started", start_time=zoom_time(start))
        _play(
            world,
            [
                started,
                _relative(joined("alpha student", 1, registrant_id="reg-s"), start),
                _relative(joined("Ann Room", 2, registrant_id="reg-a"), start),
            ],
        )

        # then: both are in the room, by name; the register lists every enrolled student
        seen = room.expect(
            names=["alpha student", "Ann Room"],
            count=2,
            register=["alpha student:PRESENT", "Ann Room:PRESENT", "Bob Room:ABSENT"],
            screenshot="attendance-room-running.png",
        )
        assert seen["names"] == ["alpha student", "Ann Room"] and seen["count"] == "2"
        assert seen["register"] == ["alpha student:PRESENT", "Ann Room:PRESENT", "Bob Room:ABSENT"]

        # when: Ann leaves early and Zoom ends the class (the student never left: Zoom's leave
        # for them is lost)
        _play(
            world,
            [
                _relative(left("Ann Room", 10, registrant_id="reg-a"), start),
                body("meeting.ended", **_at(start, 20)),
            ],
        )

        # then: nobody is in the room, it says the class has ended, and the scored register
        # shows every student, live, in the same page
        seen = room.expect(
            ended=True,
            count=0,
            names=[],
            register=["alpha student:PRESENT", "Ann Room:PARTIAL", "Bob Room:ABSENT"],
            screenshot="attendance-room-ended.png",
        )
        assert seen["ended"] and seen["count"] == "0" and seen["names"] == []
        assert seen["register"] == ["alpha student:PRESENT", "Ann Room:PARTIAL", "Bob Room:ABSENT"]
        assert seen["sameDocument"], "the page was reloaded"
        room.finish()
    except BaseException:
        print(f"daphne log:\n{daphne.tail()}\nbrowser stderr:\n{room.stderr.read_text()[-3000:]}")
        raise
    finally:
        room.kill()
        daphne.stop()


def _relative(event: dict, start, *, zoom_id: str = ZOOM_ID, uuid: str = "abcUUID123==") -> dict:
    """A conftest event body (timed from its fixed CLASS_START) moved to this class's start
    (and, if given, to another Zoom meeting)."""
    shift = start - CLASS_START
    obj = event["payload"]["object"]
    obj.update(id=zoom_id, uuid=uuid, start_time=zoom_time(start))
    participant = obj.get("participant") or {}
    for key in ("join_time", "leave_time"):
        if key in participant:
            participant[key] = zoom_time(parse_time(participant[key]) + shift)
    event["event_ts"] = int(timezone.now().timestamp() * 1000)
    return event


# --- "End class" clicked in the app, on the Zoom sandbox ----------------------------------------

SCHEDULE = """mutation($input: ScheduleMeetingInput!) {
  scheduleMeeting(input: $input) { meeting { id zoomMeetingId } errors { field message } } }"""


@pytest.fixture
def zoom_class(worlds, leave_no_trace):
    """daphne with alpha's Zoom on the sandbox (so that "End class" reaches a Zoom), Ann and
    Bob enrolled, and a class scheduled over GraphQL (it is created on the sandbox's Zoom), with
    the three students registered. Committed; all undone afterwards."""
    world = worlds["a"]
    with SandboxServer(smtp_port=0, log=lambda line: None) as sandbox:
        env = {
            "DRAMATIQ_NAMESPACE": f"liveroll-test-room-{uuid.uuid4().hex[:8]}",
            "LIVEROLL_ZOOM_ALLOWED_BASES": f"https://zoom.test,{sandbox.url}",
        }
        web, port = daphne_start(env)

        def arrange():
            with schema_context(world.schema):
                zoom_settings_set(
                    zoom_url=sandbox.url,
                    client_id="demo-client-id",
                    client_secret="demo-client-secret",
                    account_id=DEMO_ACCOUNT_ID,
                    webhook_secret_token="room-e2e-secret",
                )
                ann = user_create(
                    email="ann.end@alpha.test", password=None, role=Role.STUDENT, name="Ann End"
                )
                bob = user_create(
                    email="bob.end@alpha.test", password=None, role=Role.STUDENT, name="Bob End"
                )
                class_enrol(school_class=world.school_class, students=[ann, bob])
                token = api_token_create(user=world.users["teacher"], name="room e2e")[1]
                return token, [ann, bob]

        token, (ann, bob) = committed(arrange)
        try:
            response = requests.post(
                f"http://127.0.0.1:{port}/graphql/",
                json={
                    "query": SCHEDULE,
                    "variables": {
                        "input": {
                            "classId": str(world.school_class.pk),
                            "title": "End maths",
                            "startTime": (timezone.now() + timedelta(minutes=2)).isoformat(),
                            "durationMinutes": 45,
                        }
                    },
                },
                headers={"Host": world.host, "Authorization": f"Bearer {token}"},
                timeout=30,
            ).json()
            meeting = response["data"]["scheduleMeeting"]["meeting"]
            assert meeting and meeting["zoomMeetingId"], response

            def register():
                with schema_context(world.schema):
                    who = ((world.users["student"], "reg-s"), (ann, "reg-a"), (bob, "reg-b"))
                    for person, reg in who:
                        Registrant.objects.update_or_create(
                            meeting_id=meeting["id"],
                            user=person,
                            defaults={"status": "registered", "zoom_registrant_id": reg},
                        )

            committed(register)
            yield world, port, int(meeting["id"]), meeting["zoomMeetingId"]
        finally:
            daphne_stop(web)

            def clean():
                with schema_context(world.schema):
                    Meeting.objects.filter(title="End maths").delete()
                    WebhookEvent.objects.all().delete()
                    ApiToken.objects.filter(name="room e2e").delete()
                    ZoomSettings.objects.all().delete()
                    User.objects.filter(
                        email__in=["ann.end@alpha.test", "bob.end@alpha.test"]
                    ).delete()

            committed(clean)


@pytest.mark.skipif(SMOKE_SKIPPED is not None, reason=SMOKE_SKIPPED or "")
def test_end_class_empties_the_room_at_once_and_the_register_follows(zoom_class, tmp_path):
    world, port, meeting_id, zoom_id = zoom_class
    start = timezone.now() - timedelta(minutes=20)
    room = Room(f"http://{world.host}:{port}", meeting_id, tmp_path / "room.err")

    def moved(event):
        return _relative(event, start, zoom_id=zoom_id, uuid="end-class-uuid==")

    try:
        room.wait_for("ready")
        # given: the class runs with the world's student and Ann in the room
        _play(
            world,
            [
                moved(body("meeting.started")),
                moved(joined("alpha student", 1, registrant_id="reg-s")),
                moved(joined("Ann End", 2, registrant_id="reg-a")),
            ],
        )
        seen = room.expect(names=["alpha student", "Ann End"], count=2)
        assert seen["count"] == "2"

        # when: the teacher ends the class in the app (and confirms); Zoom's events not yet in
        seen = room.expect(action="end-class", ended=True, count=0, screenshot="end-class.png")

        # then: at once the room has nobody in it and says the class has ended
        assert seen["ended"] and seen["count"] == "0" and seen["names"] == []

        # when: Zoom's leaves and its meeting.ended arrive (as Zoom sends them after an end)
        ended_at = timezone.now() - start
        minutes = int(ended_at.total_seconds() // 60)
        _play(
            world,
            [
                moved(left("Ann End", 10, registrant_id="reg-a")),
                moved(left("alpha student", minutes, registrant_id="reg-s")),
                moved(body("meeting.ended", end_time=zoom_time(start + ended_at))),
            ],
        )

        # then: the room stays ended, and the whole register appears, scored, without a reload
        want = ["alpha student:PRESENT", "Ann End:PARTIAL", "Bob End:ABSENT"]
        seen = room.expect(ended=True, count=0, register=want, screenshot="end-class-scored.png")
        assert seen["ended"] and seen["count"] == "0"
        assert seen["register"] == want and seen["sameDocument"]
        room.finish()
    finally:
        room.kill()
