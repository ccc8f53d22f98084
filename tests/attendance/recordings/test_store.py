"""Storing a recording from `recording.completed` (the real sample's shape, scrubbed by the
intake as it would be), repeated and growing events, and the realtime event after commit."""

import copy
from datetime import UTC, datetime
from unittest import mock

from django.db import connection, transaction
from django_tenants.utils import schema_context

from attendance.inbox import engine
from attendance.inbox.scrub import body_scrub
from attendance.recordings.models import Recording, RecordingFile, Transcript
from attendance.recordings.services import recording_delete, recording_store
from meetings.providers.base import Recording as ProviderRecording
from meetings.providers.base import RecordingFile as ProviderFile
from realtime import events as realtime_events

from ..conftest import store
from .conftest import M4A_ID, MP4_ID, RECORDINGS_URL, UUID, sample_event


def deliver(event: dict) -> str:
    """The event as the intake keeps it (secrets stripped, links sealed), then processed."""
    event = copy.deepcopy(event)
    body_scrub(event)
    [event_id] = store([event])
    return engine.webhook_event_process(event_id=event_id)


def files_of(meeting) -> dict[str, RecordingFile]:
    return {f.zoom_file_id: f for f in RecordingFile.objects.filter(recording__meeting=meeting)}


def test_the_samples_recording_is_stored_file_by_file(session):
    # given: Zoom's documented recording.completed for the session's instance
    world, meeting = session

    # when
    with schema_context(world.schema):
        outcome = deliver(sample_event())
        recording = Recording.objects.get(meeting=meeting)
        files = files_of(meeting)

    # then: the recording as Zoom describes it
    assert outcome == "processed"
    assert (recording.zoom_uuid, recording.status, recording.source) == (
        UUID,
        "available",
        "webhook",
    )
    assert recording.start_time == datetime(2021, 7, 13, 21, 44, 51, tzinfo=UTC)
    assert recording.duration_seconds == 60 * 60 + 44  # 22:14:57 to 23:15:41, its files' span
    assert recording.total_size == 3328371  # Zoom's own total, larger than its two files
    assert recording.share_url == "https://us06web.zoom.us"
    # and each of its files, but not the participants' own audio files
    assert set(files) == {M4A_ID, MP4_ID}
    mp4 = files[MP4_ID]
    assert (mp4.file_type, mp4.recording_type, mp4.file_extension) == (
        "MP4",
        "shared_screen_with_speaker_view",
        "MP4",
    )
    assert (mp4.file_size, mp4.status, mp4.duration_seconds) == (282825, "completed", 3644)
    assert mp4.recording_start == datetime(2021, 3, 23, 22, 14, 57, tzinfo=UTC)
    assert mp4.play_url == "https://us06web.zoom.us/recording/play/Qg75t7xZBtEbAkjdlgbfdngCCCC"
    assert mp4.download_url.endswith("/recording/download/Qg75t7xZBtEbAkjdlgbfdngCCCC")
    assert files[M4A_ID].recording_type == "audio_only"


def test_links_are_sealed_and_secrets_are_nowhere(session):
    world, meeting = session
    event = sample_event()

    with schema_context(world.schema):
        deliver(event)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT play_url, download_url FROM attendance_recordingfile f"
                " JOIN attendance_recording r ON r.id = f.recording_id WHERE r.meeting_id = %s",
                [meeting.pk],
            )
            at_rest = [value for row in cursor.fetchall() for value in row]
            cursor.execute("SELECT body::text FROM attendance_webhookevent")
            bodies = " ".join(row[0] for row in cursor.fetchall())

    assert at_rest and all(v.startswith("enc:") and "zoom.us" not in v for v in at_rest)
    for secret in (
        event["download_token"],
        event["payload"]["object"]["recording_play_passcode"],
        event["payload"]["object"]["password"],
    ):
        assert secret not in bodies


def test_a_repeated_event_changes_nothing_and_a_later_one_adds_its_files(session):
    world, meeting = session
    first = sample_event()
    files = first["payload"]["object"]["recording_files"]
    first["payload"]["object"]["recording_files"] = [files[1]]  # the MP4 only
    later = sample_event()  # Zoom's later word: the M4A as well, the MP4 bigger now
    later["event_ts"] += 60_000
    later["payload"]["object"]["recording_files"][1]["file_size"] = 300000

    with schema_context(world.schema):
        deliver(first)
        deliver(first)
        once = files_of(meeting)
        assert Recording.objects.filter(meeting=meeting).count() == 1
        deliver(later)
        deliver(first)  # an old duplicate after the later one
        after = files_of(meeting)
        recording = Recording.objects.get(meeting=meeting)

    assert set(once) == {MP4_ID}
    assert set(after) == {MP4_ID, M4A_ID}
    assert after[MP4_ID].pk == once[MP4_ID].pk
    assert after[MP4_ID].file_size == 300000
    assert recording.total_size == 3328371


def test_the_recording_is_published_after_commit_when_it_changed(
    session, django_capture_on_commit_callbacks
):
    world, meeting = session
    recording = ProviderRecording(
        meeting_id="1234567890",
        uuid=UUID,
        topic="Maths",
        start_time=None,
        share_url="",
        files=(ProviderFile("f1", "MP4", "", "", None, None, 10),),
    )

    with schema_context(world.schema):
        with (
            mock.patch.object(realtime_events, "_deliver") as sent,
            django_capture_on_commit_callbacks(execute=True),
            transaction.atomic(),
        ):
            recording_store(meeting=meeting, recording=recording)
            assert sent.call_count == 0  # not before the commit
        first = [s for call in sent.call_args_list for s in call.args[0]]
        with (
            mock.patch.object(realtime_events, "_deliver") as again,
            django_capture_on_commit_callbacks(execute=True),
        ):
            recording_store(meeting=meeting, recording=recording)

    assert [group for group, _ in first] == [f"t.{world.schema}.meeting.{meeting.pk}"]
    event = realtime_events.decode_message(first[0][1])
    assert (event.name, event.meeting_id) == ("recording.completed", meeting.pk)
    assert again.call_count == 0  # nothing changed, nothing said


def test_a_deleted_recording_is_not_brought_back_by_a_late_event(session, zoom):
    world, meeting = session
    zoom.delete(RECORDINGS_URL, status_code=204)
    with schema_context(world.schema):
        deliver(sample_event())
        recording_delete(recording=Recording.objects.get(meeting=meeting), actor=None)

        deliver(sample_event() | {"event_ts": sample_event()["event_ts"] + 1})
        recording = Recording.objects.get(meeting=meeting)
        links = {(f.play_url, f.download_url) for f in files_of(meeting).values()}

    assert recording.status == "deleted"
    assert links == {("", "")}


def test_late_news_of_a_deleted_recordings_transcript_fetches_nothing(session, zoom):
    # given: a recording with a transcript file, deleted here (with its transcript)
    world, meeting = session
    zoom.delete(RECORDINGS_URL, status_code=204)
    event = sample_event()
    vtt = {
        **event["payload"]["object"]["recording_files"][0],
        "id": "vtt",
        "file_type": "TRANSCRIPT",
    }
    event["payload"]["object"]["recording_files"].append(vtt)
    with schema_context(world.schema):
        deliver(event)
        assert Transcript.objects.filter(meeting=meeting).exists()  # asked for, pending
        recording_delete(recording=Recording.objects.get(meeting=meeting), actor=None)

        # when: Zoom's events come again, late
        late = copy.deepcopy(event) | {"event_ts": event["event_ts"] + 5}
        transcript_news = copy.deepcopy(late) | {"event": "recording.transcript_completed"}
        outcomes = [deliver(late), deliver(transcript_news)]

        # then
        assert not Transcript.objects.filter(meeting=meeting).exists()
    assert outcomes == ["processed", "ignored"]


def test_an_event_for_a_session_that_is_not_the_schools_is_ignored(session):
    world, meeting = session
    event = sample_event()
    event["payload"]["object"].update(id=999, uuid="someone-elses==")

    with schema_context(world.schema):
        outcome = deliver(event)
        assert not Recording.objects.exists()
    assert outcome == "ignored"


def test_files_whose_fields_are_not_what_zoom_sends_do_not_break_the_store(session):
    world, meeting = session
    event = sample_event()
    event["payload"]["object"]["recording_files"] = [
        "not a file",
        {"id": None, "file_type": 7, "file_size": "big", "recording_start": 12},
        {"file_type": "CHAT", "file_size": -5},
        {
            "id": "huge",
            "file_type": "MP4",
            "file_size": 10**40,
            "recording_start": "0001-01-01T00:00:00Z",
            "recording_end": "9999-12-31T23:59:59Z",
        },
    ]
    event["payload"]["object"].update(total_size="lots", duration=10**12)

    with schema_context(world.schema):
        assert deliver(event) == "processed"
        kinds = sorted(f.file_type for f in files_of(meeting).values())
        sizes = sorted(f.file_size for f in files_of(meeting).values())
        recording = Recording.objects.get(meeting=meeting)
    assert kinds == ["7", "CHAT", "MP4"]
    assert sizes == [0, 0, 2**62]
    assert (recording.duration_seconds, recording.total_size) == (2**31 - 1, 2**62)
