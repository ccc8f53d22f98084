"""A recorded class of alpha's on the school's Zoom account (Server-to-Server, at
https://zoom.test for requests-mock), the people of the access matrix, and Zoom's recording
shapes: `recording.completed`'s real sample (tests/fixtures/zoom/webhooks/) and the REST
answer."""

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from attendance.recordings.models import RecordingSettings
from meetings.models import Meeting
from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.school.services import parent_link

from ...meetings.conftest import token_body
from ...support import zoom_settings_set

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "zoom"
OAUTH = "https://zoom.test"
API = f"{OAUTH}/v2"
CLASS_START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# The sample's own uuid, so that its event finds the session.
UUID = "4444AAAiAAAAAiAiAiiAii=="
RECORDINGS_URL = f"{API}/meetings/{quote(UUID, safe='')}/recordings"
MP4_ID = "388ffb46-1541-460d-8447-4624451a1db7"
M4A_ID = "ed6c2f27-2ae7-42f4-b3d0-835b493e4fa8"


def sample_event() -> dict:
    """Zoom's documented `recording.completed`, its example.com links standing for Zoom's
    hosts (the store keeps Zoom's links only)."""
    text = (FIXTURES / "webhooks" / "recording_completed__Jericho-ZoomNet.json").read_text()
    return json.loads(text.replace("https://example.com", "https://us06web.zoom.us"))


def rest_recording(**overrides) -> dict:
    """Zoom's GET /meetings/{uuid}/recordings answer for the same recording."""
    body = copy.deepcopy(sample_event()["payload"]["object"])
    body.pop("participant_audio_files")
    body.update(overrides)
    return body


@pytest.fixture
def session(alpha):
    """alpha's ended class on the school's Zoom account, with its Zoom instance's uuid."""
    with schema_context(alpha.schema):
        zoom_settings_set(
            zoom_url=OAUTH,
            client_id="cid",
            client_secret="client-secret-value",
            account_id="acct-1",
            webhook_secret_token="webhook-secret-value",
        )
        meeting = Meeting.objects.create(
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="Maths",
            start_time=CLASS_START,
            duration_minutes=60,
            status=Meeting.Status.ENDED,
            actual_start=CLASS_START,
            actual_end=CLASS_START + timedelta(minutes=61),
            zoom_meeting_id="1234567890",
            zoom_uuid=UUID,
            zoom_account=Meeting.Account.ACCOUNT,
        )
    return alpha, meeting


@pytest.fixture
def zoom(requests_mock):
    """Zoom's token endpoint answers; each test says what the API answers."""
    requests_mock.post(f"{OAUTH}/oauth/token", json=token_body("acct-token", refresh=None))
    return requests_mock


@pytest.fixture
def people(alpha):
    """The roles of the access matrix besides alpha's own admin, teacher (of the class),
    student (enrolled) and parent (of that student): a teacher and a student of no class of
    this session, and a parent of that other student."""
    with schema_context(alpha.schema):
        other_teacher = user_create(
            email="other.teacher@alpha.test", password=None, role=Role.TEACHER, name="Other T"
        )
        other_student = user_create(
            email="other.student@alpha.test", password=None, role=Role.STUDENT, name="Other S"
        )
        other_parent = user_create(
            email="other.parent@alpha.test", password=None, role=Role.PARENT, name="Other P"
        )
        parent_link(parent=other_parent, student=other_student)
    return {
        "other_teacher": other_teacher,
        "other_student": other_student,
        "other_parent": other_parent,
    }


def school_shows(world, *, students: bool, parents: bool) -> None:
    with schema_context(world.schema):
        RecordingSettings.objects.update_or_create(
            singleton=True,
            defaults={"students_may_view": students, "parents_may_view": parents},
        )


def client_of(world, user) -> Client:
    client = Client(HTTP_HOST=world.host)
    with schema_context(world.schema):
        client.force_login(user)
    return client


@pytest.fixture
def broker():
    """The real broker, emptied before and after: `queued(broker)` lists what was sent."""
    import dramatiq

    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


def queued(broker, queue: str = "default") -> list:
    """The messages waiting on `queue`, delayed ones included (dramatiq's Redis layout)."""
    import dramatiq

    messages = []
    for name in (queue, f"{queue}.DQ"):
        for raw in broker.client.hvals(f"{broker.namespace}:{name}.msgs"):
            messages.append(dramatiq.Message.decode(raw))
    return messages


def recorded(meeting, *, uuid: str = UUID, files: int = 2, transcript: bool = True):
    """A stored recording of `meeting` with MP4/TRANSCRIPT files and, if asked, the session's
    transcript (two cues) and summary, as the pipeline leaves them (current schema)."""
    from attendance.recordings.models import (
        Recording,
        RecordingFile,
        Summary,
        Transcript,
        TranscriptCue,
    )

    recording = Recording.objects.create(
        meeting=meeting,
        zoom_uuid=uuid,
        share_url="https://us06web.zoom.us/rec/share/abc",
        start_time=meeting.actual_start or meeting.start_time,
        duration_seconds=3600,
        total_size=3000,
    )
    kinds = [("MP4", MP4_ID), ("TRANSCRIPT", M4A_ID), ("CHAT", "chat-file")][:files]
    for kind, file_id in kinds:
        RecordingFile.objects.create(
            recording=recording,
            zoom_file_id=file_id,
            file_type=kind,
            file_extension="MP4" if kind == "MP4" else "VTT",
            file_size=1000,
            status="completed",
            play_url=f"https://us06web.zoom.us/rec/play/{file_id}",
            download_url=f"https://us06web.zoom.us/rec/download/{file_id}",
        )
    if transcript:
        text = Transcript.objects.create(
            meeting=meeting, recording=recording, status="ready", cue_count=2
        )
        TranscriptCue.objects.bulk_create(
            TranscriptCue(
                transcript=text,
                meeting=meeting,
                position=i,
                start_ms=i * 1000,
                end_ms=i * 1000 + 900,
                text=f"cue {i}",
            )
            for i in range(2)
        )
        Summary.objects.create(meeting=meeting, transcript=text, text="A summary.", method="local")
    return recording
