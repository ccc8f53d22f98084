"""A recorded class to its stored transcript, across real processes: the Zoom sandbox plays the
class (signed webhooks to a real daphne, recording.completed, then
recording.transcript_completed), a real dramatiq worker processes the events, asks the sandbox
for the recording's files, downloads the transcript with the school's token and stores it cue by
cue, each speaker linked to the session's people. Then the same with `play --transcript FILE`."""

import time
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone

from attendance.models import (
    RecordingSettings,
    Summary,
    Transcript,
    TranscriptCue,
    WebhookEvent,
)
from meetings.models import Meeting, Registrant, ZoomSettings
from tenants.accounts.models import Role, User
from tenants.accounts.services import user_create
from tenants.school.services import class_enrol
from zoom_sandbox.player import ClassPlayer, Student
from zoom_sandbox.script import CLASS_LINES
from zoom_sandbox.server import SandboxServer

from .support import (
    committed_in,
    daphne_start,
    daphne_stop,
    worker_start,
    worker_stop,
    zoom_settings_set,
)

pytestmark = pytest.mark.django_db
SECRET = "transcript-e2e-secret"
PUPILS = 4
SEARCH = (
    "query($q: String!) { searchTranscripts(query: $q) { hits { meetingId position speaker } } }"
)


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker):
    """The sandbox on a free port, allowed as the school's Zoom; daphne and a worker (webhooks
    and the default queue) of their own."""
    with django_db_blocker.unblock(), SandboxServer(log=lambda line: None) as sandbox:
        env = {
            "DRAMATIQ_NAMESPACE": f"liveroll-test-transcripts-{uuid.uuid4().hex[:8]}",
            "LIVEROLL_ZOOM_ALLOWED_BASES": f"https://zoom.test,{sandbox.url}",
        }
        web, port = daphne_start(env)
        worker = worker_start(env, queues=["webhooks", "default"])
        try:
            yield sandbox, port
        finally:
            worker_stop(worker)
            daphne_stop(web)


@pytest.fixture
def recorded_class(stack, worlds, settings):
    """alpha on the sandbox's demo account, its class with four pupils (registered, so Zoom's
    events carry their registrant ids) and a session on a sandbox meeting; all committed,
    all removed afterwards."""
    sandbox, port = stack
    settings.LIVEROLL_ZOOM_ALLOWED_BASES = [*settings.LIVEROLL_ZOOM_ALLOWED_BASES, sandbox.url]
    world = worlds["a"]
    token = sandbox.state.bearer(f"Bearer {sandbox.state.issue_token()['access_token']}")
    zoom = sandbox.state.meeting_create(
        token, "me", {"topic": "Fractions", "type": 2, "duration": 45}
    )

    def arrange():
        pupils = [
            user_create(
                email=f"tr{n}@alpha.test", password=None, role=Role.STUDENT, name=f"Pupil {n}"
            )
            for n in range(PUPILS)
        ]
        class_enrol(school_class=world.school_class, students=pupils)
        zoom_settings_set(
            zoom_url=sandbox.url,
            client_id="demo-client-id",
            client_secret="demo-client-secret",
            account_id="demo-account",
            webhook_secret_token=SECRET,
        )
        meeting = Meeting.objects.create(
            school_class=world.school_class,
            host=world.users["teacher"],
            title="Fractions",
            start_time=timezone.now(),
            duration_minutes=45,
            zoom_meeting_id=str(zoom["id"]),
            zoom_account=Meeting.Account.ACCOUNT,
        )
        for pupil in pupils:
            Registrant.objects.create(
                meeting=meeting,
                user=pupil,
                status="registered",
                zoom_registrant_id=f"reg-{pupil.pk}",
            )
        return meeting.pk, {p.name: (p.pk, p.email, f"reg-{p.pk}") for p in pupils}

    meeting_id, pupils = committed_in(world.schema, arrange)
    yield world, sandbox, port, zoom, meeting_id, pupils

    def clean():
        Meeting.objects.filter(pk=meeting_id).delete()
        WebhookEvent.objects.filter(zoom_meeting_id=str(zoom["id"])).delete()
        User.objects.filter(email__startswith="tr", email__endswith="@alpha.test").delete()
        ZoomSettings.objects.all().delete()

    committed_in(world.schema, clean)


def _stored(schema: str, meeting_id: int) -> tuple[Transcript, list[TranscriptCue], Summary]:
    """The session's transcript once the worker has stored it, and the summary the worker
    writes from it next (the end of the pipeline)."""

    def look():
        deadline = time.monotonic() + 60
        while True:
            transcript = Transcript.objects.filter(meeting_id=meeting_id).first()
            summary = Summary.objects.filter(meeting_id=meeting_id).first()
            if transcript is not None and transcript.status == "failed":
                raise AssertionError(f"the transcript failed: {transcript.error}")
            if transcript is not None and transcript.status == "ready" and summary is not None:
                cues = list(TranscriptCue.objects.filter(transcript=transcript))
                return transcript, cues, summary
            assert time.monotonic() < deadline, (
                f"no transcript and summary stored: {transcript and transcript.status}"
            )
            time.sleep(0.2)

    return committed_in(schema, look)


def test_a_played_class_ends_with_its_transcript_stored_and_speakers_linked(recorded_class):
    world, sandbox, port, zoom, meeting_id, pupils = recorded_class

    # when: the class is played, recorded, with the built-in transcript
    player = ClassPlayer(
        sandbox.url, f"http://127.0.0.1:{port}/webhooks/zoom/", SECRET, host_header=world.host
    )
    summary = player.play(
        zoom["id"],
        students=[Student(name, email, rid) for name, (_, email, rid) in pupils.items()],
        participants=PUPILS,
        speed=None,
        guest=False,
        record=True,
        seed=5,
    )
    assert summary.ok, summary.statuses

    # then: every line of the class, in order, with its speaker
    transcript, cues, written = _stored(world.schema, meeting_id)
    assert (transcript.cue_count, transcript.skipped_cues) == (len(CLASS_LINES), 0)
    # and its summary, from the transcript's own sentences, with the teacher's task in it
    said = " ".join(c.text for c in cues)
    assert written.method == "local"
    assert written.text and all(line in said for line in written.text.splitlines())
    tasks = {item["text"]: item["speaker"] for item in written.action_items}
    assert tasks["Please finish exercise 3 by Friday."] == summary.participants[0]["name"]
    assert [c.text for c in cues] == [text for _, _, text in CLASS_LINES]
    assert [c.position for c in cues] == list(range(1, len(CLASS_LINES) + 1))
    assert transcript.duration_seconds > 40 * 60
    # the host is the teacher (the sandbox's host has no account here: the host's role says so)
    host_name = summary.participants[0]["name"]
    by_speaker = {c.speaker: c.person_id for c in cues}
    assert by_speaker[host_name] == world.users["teacher"].pk
    # the pupils who spoke are the pupils (their personal links), each linked to a participant
    spoke = {name: person for name, person in by_speaker.items() if name != host_name}
    assert spoke and all(pupils[name][0] == person for name, person in spoke.items())
    assert all(c.participant_id for c in cues)

    # and a student of the class finds it, in English and in Bengali, once the school lets
    # students see recordings
    def allow():
        RecordingSettings.objects.create(students_may_view=True)

    def forget():
        RecordingSettings.objects.all().delete()

    committed_in(world.schema, allow)
    try:
        client = world.client("student")
        found = {}
        for words in ("equivalent fractions", "ভগ্নাংশ", "homework question"):
            response = client.post(
                "/graphql/",
                {"query": SEARCH, "variables": {"q": words}},
                content_type="application/json",
            )
            hits = response.json()["data"]["searchTranscripts"]["hits"]
            found[words] = [(h["meetingId"], h["position"], h["speaker"]) for h in hits]
    finally:
        committed_in(world.schema, forget)
    at = {c.text: (str(meeting_id), c.position, c.speaker) for c in cues}
    assert found["equivalent fractions"] == [
        at["Exactly: those are equivalent fractions, the same amount written differently."]
    ]
    assert found["ভগ্নাংশ"] == [at["আজ আমরা ভগ্নাংশ নিয়ে কাজ করব, তারপর কয়েকটি অনুশীলন করব।"]]
    assert found["homework question"] == [at["I have a question about the homework."]]


def test_play_with_a_given_transcript_stores_that_file(recorded_class, tmp_path):
    world, sandbox, port, zoom, meeting_id, pupils = recorded_class
    path = tmp_path / "class.vtt"
    path.write_text(
        "WEBVTT\n\n1\n00:00:03.000 --> 00:00:06.000\nMs Rahman: আজকের বিষয় সালোকসংশ্লেষণ।\n\n"
        "2\n00:00:07.000 --> 00:00:06.000\nMs Rahman: a cue that ends before it starts\n\n"
        "3\n00:00:08.000 --> 00:00:12.000\nMs Rahman: Please read chapter 4 before Monday.\n",
        encoding="utf-8",
    )

    # when: `run_zoom_sandbox play --transcript FILE`, as a developer types it
    call_command(
        "run_zoom_sandbox",
        "play",
        "--sandbox",
        sandbox.url,
        "--meeting",
        str(zoom["id"]),
        "--webhook",
        f"http://127.0.0.1:{port}/webhooks/zoom/",
        "--host",
        world.host,
        "--secret",
        SECRET,
        "--speed",
        "0",
        "--no-guest",
        "--transcript",
        str(path),
        "--json",
    )

    # then: that file's cues, the broken one counted
    transcript, cues, written = _stored(world.schema, meeting_id)
    assert (transcript.cue_count, transcript.skipped_cues) == (2, 1)
    assert [item["text"] for item in written.action_items] == [
        "Please read chapter 4 before Monday."
    ]
    assert [(c.speaker, c.text, c.start_ms) for c in cues] == [
        ("Ms Rahman", "আজকের বিষয় সালোকসংশ্লেষণ।", 3_000),
        ("Ms Rahman", "Please read chapter 4 before Monday.", 8_000),
    ]
    assert {c.person_id for c in cues} == {None}  # nobody of that name was in the class
