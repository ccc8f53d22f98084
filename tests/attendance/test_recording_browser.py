"""A session's recording page and the transcript search in Chromium against daphne: the teacher
opens a class's recording page and sees its files, summary and transcript, searches a word and
lands on the cue that said it; a student, when the school shows recordings to students, sees the
same without Delete and finds a Bengali word; when the school does not, the page says the
recording is not available (so does a parent's while parents are not allowed); the school's admin
chooses who sees recordings, for how long, and the summariser in the settings. The recording,
transcript and summary are made with the models directly. Driven through
frontend/tests/recording.mjs; skipped like the SPA smoke when Node.js, the build or Chromium is
missing."""

from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.inbox import engine
from attendance.inbox.scrub import body_scrub
from attendance.models import WebhookEvent
from attendance.recordings.models import (
    Recording,
    RecordingFile,
    RecordingSettings,
    Summary,
    Transcript,
    TranscriptCue,
)
from meetings.models import Meeting, ZoomSettings
from tenants.accounts.models import ApiToken, User
from tenants.accounts.services import api_token_create
from zoom_sandbox.player import ClassPlayer
from zoom_sandbox.server import SandboxServer
from zoom_sandbox.users import DEMO_ACCOUNT_ID

from ..browser import browser_walk
from ..conftest import PASSWORD
from ..support import committed, daphne_start, daphne_stop, zoom_settings_set
from ..test_spa_smoke import SMOKE_SKIPPED
from ..zoom_sandbox.test_player import SECRET, Receiver
from .conftest import store

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(SMOKE_SKIPPED is not None, reason=SMOKE_SKIPPED or ""),
]

SCHEDULE = """mutation($input: ScheduleMeetingInput!) {
  scheduleMeeting(input: $input) { meeting { id zoomMeetingId } errors { field message } } }"""
CUES = 250  # three pages of the transcript (100 a page)
WORD_AT = 230  # the cue that says "chlorophyll", on the third page
BENGALI_AT = 120
ACTION_MS = 3_723_000


def _text(position: int) -> str:
    if position == WORD_AT:
        return "Chlorophyll makes the leaves green, so they catch the light."
    if position == BENGALI_AT:
        return "আজ আমরা সালোকসংশ্লেষণ নিয়ে কথা বলব।"
    return f"Line {position}: plants need water and sunlight to grow."


@pytest.fixture
def recorded_class(worlds):
    """alpha's class had a session yesterday: its recording (a video, the audio and the
    transcript file), its transcript of 250 cues and its summary. Committed; the sign-ins'
    traces (audit entries, sessions, last sign-in) are put back afterwards."""
    from django.contrib.sessions.models import Session

    from tenants.audit.models import AuditEntry
    from tenants.models import Organisation

    world = worlds["a"]
    people = [world.users[r] for r in ("admin", "teacher", "student", "parent")]
    start = timezone.now() - timedelta(days=1)

    def create():
        with schema_context(world.schema):
            before = (
                AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
                set(Session.objects.values_list("session_key", flat=True)),
                dict(
                    User.objects.filter(pk__in=[p.pk for p in people]).values_list(
                        "pk", "last_login"
                    )
                ),
            )
            meeting = Meeting.objects.create(
                school_class=world.school_class,
                host=world.users["teacher"],
                title="Leaves and light",
                start_time=start,
                duration_minutes=90,
                zoom_meeting_id="86000000001",
                status=Meeting.Status.ENDED,
                actual_start=start,
                actual_end=start + timedelta(minutes=90),
            )
            recording = Recording.objects.create(
                meeting=meeting,
                zoom_uuid="rec-uuid-1==",
                share_url="https://zoom.us/rec/share/secret-share",
                start_time=start,
                duration_seconds=5400,
                total_size=1_700_000_000,
            )
            files = {}
            for kind, view, ext, size in (
                ("MP4", "shared_screen_with_speaker_view", "MP4", 1_600_000_000),
                ("M4A", "audio_only", "M4A", 90_000_000),
                ("TRANSCRIPT", "audio_transcript", "VTT", 200_000),
            ):
                files[kind] = RecordingFile.objects.create(
                    recording=recording,
                    zoom_file_id=f"file-{kind}",
                    file_type=kind,
                    recording_type=view,
                    file_extension=ext,
                    file_size=size,
                    recording_start=start,
                    recording_end=start + timedelta(minutes=90),
                    status="completed",
                    play_url=f"https://zoom.us/rec/play/secret-{kind}",
                    download_url=f"https://zoom.us/rec/download/secret-{kind}",
                )
            transcript = Transcript.objects.create(
                meeting=meeting,
                recording=recording,
                status=Transcript.Status.READY,
                cue_count=CUES,
                duration_seconds=5400,
                fetched_at=timezone.now(),
            )
            TranscriptCue.objects.bulk_create(
                TranscriptCue(
                    transcript=transcript,
                    meeting=meeting,
                    position=p,
                    start_ms=(p - 1) * 20_000,
                    end_ms=(p - 1) * 20_000 + 15_000,
                    speaker=world.users["teacher"].name,
                    person=world.users["teacher"],
                    text=_text(p),
                )
                for p in range(1, CUES + 1)
            )
            Summary.objects.create(
                meeting=meeting,
                transcript=transcript,
                text="Plants need water and sunlight to grow.\nChlorophyll makes the leaves green.",
                action_items=[
                    {
                        "text": "Read chapter 4 before Thursday.",
                        "speaker": world.users["teacher"].name,
                        "start_ms": ACTION_MS,
                    }
                ],
                method=Summary.Method.LOCAL,
            )
            return meeting.pk, {k: f.pk for k, f in files.items()}, before

    first_signin = committed(
        lambda: (
            Organisation.objects.filter(pk=world.org.pk)
            .values_list("first_signin_at", flat=True)
            .get()
        )
    )
    meeting_id, file_ids, before = committed(create)
    yield world, meeting_id, file_ids

    def delete():
        last, sessions, logins = before
        with schema_context(world.schema):
            Meeting.objects.filter(pk=meeting_id).delete()
            RecordingSettings.objects.all().delete()
            AuditEntry.objects.filter(pk__gt=last).delete()
            Session.objects.exclude(session_key__in=sessions).delete()
            for pk, login in logins.items():
                User.objects.filter(pk=pk).update(last_login=login)
        Organisation.objects.filter(pk=world.org.pk).update(first_signin_at=first_signin)

    committed(delete)


def _school_shows(world, *, students: bool, parents: bool) -> None:
    def run():
        with schema_context(world.schema):
            RecordingSettings.objects.update_or_create(
                singleton=True,
                defaults={"students_may_view": students, "parents_may_view": parents},
            )

    committed(run)


def _walk(world, tmp_path, visits: list[dict], port: int | None = None) -> dict[str, dict]:
    """frontend/tests/recording.mjs through a real daphne; each visit's report by name."""
    return browser_walk(
        world,
        tmp_path,
        script="recording.mjs",
        env_prefix="REC",
        visits=visits,
        port=port,
        timeout=300,
    )


def _visit(world, name: str, role: str, meeting_id: int, **extra) -> dict:
    return {
        "name": name,
        "email": world.users[role].email,
        "password": PASSWORD,
        "meetingId": str(meeting_id),
        **extra,
    }


def test_teacher_and_allowed_student_see_the_recording_and_land_on_a_searched_word(
    recorded_class, tmp_path
):
    # given: the school shows recordings to students, not to parents
    world, meeting_id, file_ids = recorded_class
    _school_shows(world, students=True, parents=False)

    # when: the teacher and the student open the recording page and search; the parent opens it
    seen = _walk(
        world,
        tmp_path,
        [
            _visit(world, "teacher", "teacher", meeting_id, search="chlorophyll"),
            _visit(world, "student", "student", meeting_id, search="সালোকসংশ্লেষণ", width=390),
            _visit(world, "parent", "parent", meeting_id),
        ],
    )

    # then: the teacher sees the files through the platform's links, Delete, the summary with
    # its action item, and the transcript's first page
    teacher = seen["teacher"]["page"]
    assert teacher["unavailable"] is False
    assert teacher["title"] == "Recording: Leaves and light"
    assert teacher["files"] == ["MP4", "M4A", "TRANSCRIPT"]
    assert len(teacher["play"]) == 2 and len(teacher["download"]) == 3
    assert all("zoom.us" not in link for link in teacher["play"] + teacher["download"])
    assert any(str(file_ids["MP4"]) in link for link in teacher["play"])
    assert teacher["canDelete"] is True and teacher["rewrite"] is True
    assert "Chlorophyll makes the leaves green." in teacher["summary"]
    assert teacher["summaryMethod"] == "local"
    assert "Read chapter 4 before Thursday." in teacher["actionItems"][0]
    assert "1:02:03" in teacher["actionItems"][0]
    assert teacher["cues"] == 100
    assert teacher["firstCue"] == _text(1)

    # and: the word's hit leads to its cue on the third page, marked, in view
    search = seen["teacher"]["search"]
    assert search["address"] == "/app/recordings/search?q=chlorophyll"
    assert search["total"] == 1
    assert search["hits"][0]["meetingId"] == str(meeting_id)
    assert [w.lower() for w in search["hits"][0]["marked"]] == ["chlorophyll"]
    landed = search["landed"]
    assert landed["position"] == WORD_AT
    assert landed["text"] == _text(WORD_AT)
    assert landed["marked"] == ["Chlorophyll"]
    assert landed["inView"] is True
    assert landed["address"].endswith(f"?find=chlorophyll#t={(WORD_AT - 1) * 20}")

    # then: the student sees the same without Delete or Write again, and finds Bengali
    student = seen["student"]["page"]
    assert student["unavailable"] is False
    assert student["files"] == teacher["files"] and student["summary"] == teacher["summary"]
    assert student["canDelete"] is False and student["rewrite"] is False
    assert student["cues"] == 100
    bengali = seen["student"]["search"]
    assert bengali["total"] == 1
    assert bengali["landed"]["position"] == BENGALI_AT
    assert bengali["landed"]["marked"] == ["সালোকসংশ্লেষণ"]

    # then: the parent is told the recording is not available to them
    parent = seen["parent"]["page"]
    assert parent["unavailable"] is True
    assert parent["files"] == [] and parent["summary"] is None and parent["cues"] == 0


def test_a_student_is_told_the_recording_is_not_available_when_the_school_does_not_show_it(
    recorded_class, tmp_path
):
    # given: the school shows recordings to nobody but the class's teachers and admins
    world, meeting_id, _ = recorded_class
    _school_shows(world, students=False, parents=False)

    # when: the teacher and the student open the same recording page
    seen = _walk(
        world,
        tmp_path,
        [
            _visit(world, "teacher", "teacher", meeting_id),
            _visit(world, "student", "student", meeting_id),
        ],
    )

    # then: the teacher sees it all, the student no file, summary or line of it, and why
    teacher = seen["teacher"]["page"]
    assert teacher["unavailable"] is False and teacher["cues"] == 100
    student = seen["student"]["page"]
    assert student["unavailable"] is True
    assert student["files"] == [] and student["summary"] is None and student["cues"] == 0


def test_admin_saves_who_sees_recordings_how_long_and_the_summariser_key_write_only(
    recorded_class, tmp_path
):
    # given: the school's defaults (no settings saved)
    world, _, _ = recorded_class
    want = {
        "students": True,
        "days": "30",
        "endpoint": "https://llm.example.org/v1",
        "model": "class-summary-1",
        "key": "sk-test-123",
    }

    # when: the admin fills the Recordings tab and saves
    seen = _walk(world, tmp_path, [{**_visit(world, "admin", "admin", 0), "settings": want}])

    # then: saved, and the key is not shown again: the tab says one is stored
    assert seen["admin"]["settings"] == {
        "saved": True,
        "errors": [],
        "keyState": "keep",
        "keyShown": False,
    }

    def stored():
        with schema_context(world.schema):
            row = RecordingSettings.objects.get()
            return (
                row.students_may_view,
                row.parents_may_view,
                row.retention_days,
                row.summary_endpoint,
                row.summary_model,
                row.summary_api_key,
            )

    assert committed(stored) == (
        True,
        False,
        30,
        "https://llm.example.org/v1",
        "class-summary-1",
        "sk-test-123",
    )


@pytest.fixture
def sandbox_recording(recorded_class, settings):
    """A class of alpha's scheduled through the app on the Zoom sandbox and played there with a
    recording, its webhooks processed (committed): the recording is stored and at Zoom. daphne
    runs with the sandbox among its Zoom addresses. Undone afterwards."""
    world = recorded_class[0]
    with SandboxServer(smtp_port=0, log=lambda line: None) as sandbox:
        settings.LIVEROLL_ZOOM_ALLOWED_BASES = [*settings.LIVEROLL_ZOOM_ALLOWED_BASES, sandbox.url]
        web, port = daphne_start(
            {"LIVEROLL_ZOOM_ALLOWED_BASES": f"https://zoom.test,{sandbox.url}"}
        )
        receiver = Receiver()

        def arrange():
            with schema_context(world.schema):
                zoom_settings_set(
                    zoom_url=sandbox.url,
                    client_id="demo-client-id",
                    client_secret="demo-client-secret",
                    account_id=DEMO_ACCOUNT_ID,
                    webhook_secret_token=SECRET,
                )
                return api_token_create(user=world.users["teacher"], name="recording e2e")[1]

        try:
            token = committed(arrange)
            made = requests.post(
                f"http://127.0.0.1:{port}/graphql/",
                json={
                    "query": SCHEDULE,
                    "variables": {
                        "input": {
                            "classId": str(world.school_class.pk),
                            "title": "Recorded botany",
                            "startTime": (timezone.now() + timedelta(minutes=5)).isoformat(),
                            "durationMinutes": 45,
                        }
                    },
                },
                headers={"Host": world.host, "Authorization": f"Bearer {token}"},
                timeout=30,
            ).json()["data"]["scheduleMeeting"]["meeting"]
            ClassPlayer(sandbox.state, receiver.url, SECRET).play(
                int(made["zoomMeetingId"]), participants=2, speed=None, record=True, seed=4
            )

            def process():
                with schema_context(world.schema):
                    for body in receiver.bodies:
                        body_scrub(body)
                        for event_id in store([body]):
                            engine.webhook_event_process(event_id=event_id)

            committed(process)
            yield world, port, int(made["id"]), sandbox
        finally:
            receiver.stop()
            daphne_stop(web)

            def clean():
                with schema_context(world.schema):
                    Meeting.objects.filter(title="Recorded botany").delete()
                    WebhookEvent.objects.all().delete()
                    ApiToken.objects.filter(name="recording e2e").delete()
                    ZoomSettings.objects.all().delete()

            committed(clean)


def test_teacher_deletes_a_recording_and_the_page_says_it_is_gone_here_and_at_zoom(
    sandbox_recording, tmp_path
):
    # given: a played class's recording, stored and at the sandbox's Zoom
    world, port, meeting_id, sandbox = sandbox_recording
    assert any(i.recording is not None for i in sandbox.state.instances.values())

    # when: the teacher opens its page, presses Delete and confirms
    seen = _walk(
        world, tmp_path, [_visit(world, "teacher", "teacher", meeting_id, delete=True)], port=port
    )

    # then: the page had the recording's files, and now says it was deleted, with no file left
    teacher = seen["teacher"]
    assert "MP4" in teacher["page"]["files"] and teacher["page"]["canDelete"] is True
    assert teacher["deleted"]["errors"] == []
    assert teacher["deleted"]["notice"] == (
        "The recording, its transcript and summary were deleted, here and at Zoom."
    )
    assert teacher["deleted"]["files"] == 0

    # and: it is gone at Zoom, and here it is marked deleted
    assert all(i.recording is None for i in sandbox.state.instances.values())

    def statuses():
        with schema_context(world.schema):
            return list(
                Recording.objects.filter(meeting_id=meeting_id).values_list("status", flat=True)
            )

    assert committed(statuses) == ["deleted"]
