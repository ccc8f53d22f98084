"""Asking Zoom for a session's recording when `recording.completed` was missed: stored through
the same service (source "reconcile"), Zoom's "no recording" as an answer, queued after the
session ends and by the periodic sweep (bounded, newest first)."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.inbox import engine
from attendance.recordings.actors import recordings_reconcile_sweep
from attendance.recordings.models import Recording, RecordingFile, Transcript
from attendance.recordings.services import RECONCILE_AFTER_MINUTES, recording_reconcile
from meetings.models import Meeting
from meetings.providers.base import RateLimitError

from ..conftest import ended, started, store
from .conftest import M4A_ID, MP4_ID, RECORDINGS_URL, UUID, queued, rest_recording

NO_RECORDING = {
    "status_code": 404,
    "json": {"code": 3301, "message": "This recording does not exist."},
}


def test_a_missed_recording_is_asked_of_zoom_and_stored(session, zoom):
    # given: the event never came; Zoom has the recording
    world, meeting = session
    asked = zoom.get(RECORDINGS_URL, json=rest_recording())

    # when
    with schema_context(world.schema):
        outcome = recording_reconcile(meeting_id=meeting.pk)
        recording = Recording.objects.get(meeting=meeting)
        files = {f.zoom_file_id: f for f in RecordingFile.objects.filter(recording=recording)}

    # then: stored as the event would have, from Zoom's own answer
    assert outcome == "stored"
    assert asked.call_count == 1
    assert "include_fields" not in asked.last_request.qs  # no download token asked for
    assert (recording.source, recording.zoom_uuid, recording.total_size) == (
        "reconcile",
        UUID,
        3328371,
    )
    assert set(files) == {M4A_ID, MP4_ID}
    assert files[MP4_ID].recording_type == "shared_screen_with_speaker_view"
    assert files[MP4_ID].download_url.startswith("https://us06web.zoom.us/")


def test_no_recording_at_zoom_is_an_answer(session, zoom, caplog):
    world, meeting = session
    zoom.get(RECORDINGS_URL, **NO_RECORDING)

    with schema_context(world.schema), caplog.at_level(logging.WARNING):
        outcome = recording_reconcile(meeting_id=meeting.pk)
        assert not Recording.objects.exists()

    assert outcome == "none"
    assert not [r for r in caplog.records if r.name.startswith("attendance")]


def test_a_recording_already_stored_costs_no_call(session, zoom):
    world, meeting = session
    asked = zoom.get(RECORDINGS_URL, json=rest_recording())
    with schema_context(world.schema):
        Recording.objects.create(meeting=meeting, zoom_uuid=UUID)

        outcome = recording_reconcile(meeting_id=meeting.pk)

    assert outcome == "known"
    assert not asked.called


def test_a_session_not_ended_or_not_on_zoom_is_skipped(session, zoom):
    world, meeting = session
    asked = zoom.get(RECORDINGS_URL, json=rest_recording())
    with schema_context(world.schema):
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.STARTED)
        running = recording_reconcile(meeting_id=meeting.pk)
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.ENDED, zoom_uuid="")
        off_zoom = recording_reconcile(meeting_id=meeting.pk)

    assert (running, off_zoom) == ("skipped", "skipped")
    assert not asked.called


def test_a_rate_limited_zoom_raises_for_the_actor_to_retry(session, zoom):
    world, meeting = session
    zoom.get(RECORDINGS_URL, status_code=429, headers={"Retry-After": "3600"}, json={})

    with schema_context(world.schema), pytest.raises(RateLimitError):
        recording_reconcile(meeting_id=meeting.pk)


def test_a_refusal_is_logged_not_raised(session, zoom, caplog):
    world, meeting = session
    zoom.get(
        RECORDINGS_URL,
        status_code=400,
        json={"code": 4711, "message": "Invalid access token, does not contain scopes."},
    )

    with schema_context(world.schema):
        outcome = recording_reconcile(meeting_id=meeting.pk)

    assert outcome == "failed"
    assert f"recording of meeting {meeting.pk}: Zoom was not asked or refused (ScopeError" in (
        caplog.text
    )


def test_the_end_of_a_session_queues_a_reconcile_for_later(
    live_class, broker, django_capture_on_commit_callbacks
):
    # given: a session on Zoom that started
    world, meeting, _ = live_class
    with schema_context(world.schema):
        for event_id in store([started()]):
            engine.webhook_event_process(event_id=event_id)
        broker.flush_all()
        # when: it ends
        with django_capture_on_commit_callbacks(execute=True):
            for event_id in store([ended()]):
                engine.webhook_event_process(event_id=event_id)

    # then: Zoom will be asked for its recording in two hours, in this school
    [message] = [m for m in queued(broker) if m.actor_name == "recording_reconcile"]
    assert message.args == (meeting.pk,)
    assert message.options["tenant_schema"] == world.schema
    wait = message.options["eta"] - message.message_timestamp
    assert abs(wait - RECONCILE_AFTER_MINUTES * 60_000) < 5_000


def _ended_session(world, *, hours_ago: float, uuid: str = "u", **fields) -> Meeting:
    end = timezone.now() - timedelta(hours=hours_ago)
    return Meeting.objects.create(
        school_class=world.school_class,
        host=world.users["teacher"],
        title="s",
        start_time=end - timedelta(hours=1),
        status=Meeting.Status.ENDED,
        actual_start=end - timedelta(hours=1),
        actual_end=end,
        zoom_uuid=uuid,
        **fields,
    )


def test_the_sweep_asks_for_recent_sessions_with_no_recording_newest_first(
    alpha, broker, monkeypatch
):
    # given: sessions that ended at various times, one with its recording
    from attendance.recordings import services

    with schema_context(alpha.schema):
        due_old = _ended_session(alpha, hours_ago=60, uuid="a")
        due_new = _ended_session(alpha, hours_ago=3, uuid="b")
        due_mid = _ended_session(alpha, hours_ago=30, uuid="c")
        recorded = _ended_session(alpha, hours_ago=5, uuid="d")
        Recording.objects.create(meeting=recorded, zoom_uuid="d")
        _ended_session(alpha, hours_ago=1, uuid="e")  # Zoom is still making it
        _ended_session(alpha, hours_ago=24 * 4, uuid="f")  # beyond the lookback
        _ended_session(alpha, hours_ago=4, uuid="")  # never reached Zoom
        Meeting.objects.create(  # not held
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="s",
            start_time=timezone.now() - timedelta(hours=5),
            zoom_uuid="g",
        )
        monkeypatch.setattr(services, "RECONCILE_BATCH", 2)

        # when: the school's sweep runs
        recordings_reconcile_sweep.fn()

    # then: one reconcile for each of the two newest, in this school
    messages = [m for m in queued(broker) if m.actor_name == "recording_reconcile"]
    assert sorted(m.args[0] for m in messages) == sorted([due_new.pk, due_mid.pk])
    assert {m.options["tenant_schema"] for m in messages} == {alpha.schema}
    assert due_old.pk not in [m.args[0] for m in messages]  # the bound: next runs


@pytest.mark.parametrize("status", ["completed", None])
def test_a_missed_recording_brings_its_transcript_too(
    session, zoom, broker, django_capture_on_commit_callbacks, status
):
    # given: Zoom lists a finished transcript with the recording (its event was missed too);
    # a file without a status counts as finished, as the webhook handler takes it
    world, meeting = session
    transcript_file = {
        **rest_recording()["recording_files"][0],
        "id": "vtt-1",
        "file_type": "TRANSCRIPT",
        "status": status,
    }
    if status is None:
        del transcript_file["status"]
    files = rest_recording()["recording_files"] + [transcript_file]
    zoom.get(RECORDINGS_URL, json=rest_recording(recording_files=files))

    # when
    with schema_context(world.schema), django_capture_on_commit_callbacks(execute=True):
        assert recording_reconcile(meeting_id=meeting.pk) == "stored"
    with schema_context(world.schema):
        transcript = Transcript.objects.select_related("recording").get(meeting=meeting)

    # then: pending, of that file and recording, and its fetch queued
    assert (transcript.status, transcript.zoom_file_id) == ("pending", "vtt-1")
    assert transcript.recording.zoom_uuid == UUID
    fetches = [m for m in queued(broker) if m.actor_name == "transcript_fetch"]
    assert [m.args for m in fetches] == [(meeting.pk,)]


def test_one_rule_chooses_a_recordings_transcript_files():
    """Recording.transcript_files: the handler, the reconcile and the provider's fetch all use
    it. Finished TRANSCRIPT files only (no status counts as finished), earliest first."""
    from datetime import UTC, datetime

    from meetings.providers.base import Recording as ProviderRecording
    from meetings.providers.base import RecordingFile

    def file(file_id, file_type="TRANSCRIPT", status="completed", hour=10):
        start = datetime(2026, 11, 23, hour, tzinfo=UTC)
        return RecordingFile(file_id, file_type, "", "", start, start, status=status)

    recording = ProviderRecording(
        "1",
        "u==",
        "Maths",
        None,
        "",
        files=(
            file("late", hour=11),
            file("mp4", file_type="MP4"),
            file("busy", status="processing"),
            file("early", status="", hour=9),
            file("cc", file_type="CC"),
        ),
    )

    assert [f.id for f in recording.transcript_files()] == ["early", "late"]
