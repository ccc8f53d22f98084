"""End to end against the real Zoom sandbox: a class scheduled through the platform, played
with a recording (the sandbox's class player, its signed webhooks), stored from its
`recording.completed`; then the platform's download link answers 302 to the sandbox with a fresh
download token, which serves the file; the play link opens the sandbox's play page with the
passcode; deleting the recording deletes it at the sandbox."""

import copy
from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.inbox import engine
from attendance.inbox.scrub import body_scrub
from attendance.recordings.models import Recording, RecordingFile
from meetings.models import Meeting, ZoomSettings
from zoom_sandbox.player import ClassPlayer
from zoom_sandbox.server import SandboxServer

from ...graphql.conftest import GQL
from ...meetings.conftest import sandbox_account_set
from ...zoom_sandbox.test_player import SECRET, Receiver
from ..conftest import store
from .conftest import school_shows

pytestmark = pytest.mark.django_db

FILES = "{ sessionRecordings(meetingId: %s) { id files { fileType playUrl downloadUrl } } }"


@pytest.fixture
def sandbox(settings):
    with SandboxServer(log=lambda line: None) as server:
        settings.LIVEROLL_ZOOM_ALLOWED_BASES = [*settings.LIVEROLL_ZOOM_ALLOWED_BASES, server.url]
        yield server


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.stop()


def _schedule(world) -> Meeting:
    start = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    made = GQL(world, "teacher").ok(
        """mutation($input: ScheduleMeetingInput!) {
            scheduleMeeting(input: $input) { meeting { id } errors { code message } }
        }""",
        input={
            "classId": str(world.school_class.pk),
            "title": "Recorded physics",
            "startTime": start.isoformat(),
            "durationMinutes": 45,
            "timezone": "UTC",
            "registrationEnabled": False,
        },
    )["scheduleMeeting"]
    assert made["errors"] == [], made
    with schema_context(world.schema):
        return Meeting.objects.get(pk=made["meeting"]["id"])


def _process(world, bodies) -> None:
    """The signed bodies Zoom sent, kept as the intake keeps them, then processed."""
    with schema_context(world.schema):
        for body in bodies:
            kept = copy.deepcopy(body)
            body_scrub(kept)
            for event_id in store([kept]):
                engine.webhook_event_process(event_id=event_id)


def test_a_played_recorded_class_downloads_through_the_platform(alpha, sandbox, receiver):
    # given: alpha's Zoom is the sandbox's account; a class scheduled there through the app
    with schema_context(alpha.schema):
        sandbox_account_set(sandbox)
    meeting = _schedule(alpha)
    assert meeting.zoom_meeting_id

    # when: the class is played with a recording, and its webhooks are processed
    summary = ClassPlayer(sandbox.state, receiver.url, SECRET).play(
        int(meeting.zoom_meeting_id), participants=3, speed=None, record=True, seed=4
    )
    assert [d.status for d in summary.deliveries] == [200] * len(summary.deliveries)
    assert "recording.completed" in [b["event"] for b in receiver.bodies]
    _process(alpha, receiver.bodies)

    # then: the teacher sees the recording with the platform's links only
    [recording] = GQL(alpha, "teacher").ok(FILES % meeting.pk)["sessionRecordings"]
    files = {f["fileType"]: f for f in recording["files"]}
    assert set(files) == {"MP4", "TRANSCRIPT"}
    assert files["MP4"]["downloadUrl"].startswith("/recordings/files/")

    # when: the teacher follows the download link
    teacher = alpha.client("teacher")
    answer = teacher.get(files["MP4"]["downloadUrl"])

    # then: off to the sandbox with a download token of its own, which serves the file
    assert answer.status_code == 302 and answer["Cache-Control"] == "no-store"
    location = answer["Location"]
    assert location.startswith(f"{sandbox.url}/rec/download/") and "access_token=" in location
    token = location.split("access_token=")[1]
    with schema_context(alpha.schema):
        assert token != ZoomSettings.objects.get().account_access_token  # not the API's token
        stored = RecordingFile.objects.filter(recording__meeting=meeting)
        assert not [f for f in stored if token in f.download_url or token in f.play_url]
    served = requests.get(location, timeout=5)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "video/mp4"
    assert served.content.startswith(b"\x00\x00\x00\x18ftyp")
    # and a second download asks for a token of its own
    assert teacher.get(files["MP4"]["downloadUrl"])["Location"] != location

    # when: a student of the class, the school showing recordings to students, plays it
    school_shows(alpha, students=True, parents=False)
    played = alpha.client("student").get(files["MP4"]["playUrl"])

    # then: the sandbox's play page, its passcode given by the platform
    assert played.status_code == 302 and "pwd=" in played["Location"]
    page = requests.get(played["Location"], timeout=5)
    assert page.status_code == 200 and 'data-test-id="playing"' in page.text

    # when: the teacher deletes the recording
    deleted = GQL(alpha, "teacher").ok(
        "mutation($id: ID!) { deleteRecording(id: $id) { ok errors { code message } } }",
        id=recording["id"],
    )["deleteRecording"]

    # then: gone at the sandbox (the old link serves nothing) and here
    assert deleted == {"ok": True, "errors": []}
    assert requests.get(location, timeout=5).status_code == 404
    assert all(i.recording is None for i in sandbox.state.instances.values())
    with schema_context(alpha.schema):
        assert Recording.objects.get(pk=recording["id"]).status == "deleted"
    assert teacher.get(files["MP4"]["downloadUrl"]).status_code == 404
