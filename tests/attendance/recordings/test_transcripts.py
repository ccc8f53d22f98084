"""A session's transcript, from Zoom's word to stored cues: the handlers ask for it once, the
fetch (the actor's body) downloads it from Zoom (requests-mock) with retries counted and limits
kept, and the store links speakers to the session's people; each school only its own."""

import logging
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from attendance.inbox import engine
from attendance.models import ParticipantSession, Transcript, TranscriptCue, WebhookEvent
from attendance.recordings import actors, transcripts
from meetings.models import Meeting
from meetings.zoom.client import ZoomClient
from meetings.zoom.provider import ZoomProvider
from realtime import events as realtime_events

from ..conftest import CLASS_START, UUID, ZOOM_ID, body, joined, store

API = "https://zoom.test/v2"
RECORDINGS_URL = f"{API}/meetings/abcUUID123%3D%3D/recordings"
VTT_URL = "https://us06web.zoom.us/rec/download/tr-1.vtt"
VTT = """WEBVTT

1
00:00:05.000 --> 00:00:09.500
alpha teacher: Good morning everyone, let's begin.

2
00:00:12.000 --> 00:00:15.000
Ann A: আজ আমরা ভগ্নাংশ শিখব।

3
00:00:16.000 --> 00:00:20.000
Visitor: Can I ask something?

4
00:00:21.000 --> 00:00:18.000
Ann A: backwards, so skipped

5
00:59:55.000 --> 00:59:58.250
alpha teacher: Please finish exercise 3 by Friday.
"""


class FakeTokens:
    def access_token(self) -> str:
        return "token-1"

    def refresh(self, stale_token: str) -> str:
        return "token-2"


def zoom() -> ZoomProvider:
    """Zoom at https://zoom.test (requests-mock); the client's own retries off, so that each
    failure reaches the actor's retries, and nothing sleeps."""
    client = ZoomClient(API, FakeTokens(), "alpha:acct", sleep=lambda s: None, max_retries=0)
    return ZoomProvider(client)


def transcript_file(file_id="tr-1", url=VTT_URL, status="completed", start=CLASS_START) -> dict:
    return {
        "id": file_id,
        "meeting_id": UUID,
        "recording_start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "recording_end": "2026-11-23T10:00:00Z",
        "file_type": "TRANSCRIPT",
        "file_extension": "VTT",
        "file_size": 1234,
        "download_url": url,
        "play_url": "https://us06web.zoom.us/rec/play/tr-1",
        "status": status,
        "recording_type": "audio_transcript",
    }


def listing(*files) -> dict:
    return {"uuid": UUID, "id": int(ZOOM_ID), "recording_files": list(files)}


def transcript_completed(*files) -> dict:
    return body(
        "recording.transcript_completed", recording_files=list(files or [transcript_file()])
    )


def process(bodies) -> list[str | None]:
    return [engine.webhook_event_process(event_id=i) for i in store(bodies)]


@pytest.fixture
def fetches():
    """The transcript_fetch messages sent (by meeting id), instead of sending them."""
    with mock.patch.object(actors.transcript_fetch, "send") as send:
        yield send


@pytest.fixture
def summaries():
    with mock.patch.object(actors.summary_write, "send") as send:
        yield send


def pending(meeting, file_id="tr-1") -> Transcript:
    """A transcript waiting to be fetched, of the session's Zoom instance (its events gave the
    session its uuid)."""
    Meeting.objects.filter(pk=meeting.pk).update(zoom_uuid=UUID)
    return Transcript.objects.create(meeting=meeting, zoom_file_id=file_id)


# --- intake: asked for once ----------------------------------------------------------------------


def test_a_recording_that_lists_its_transcript_marks_it_pending_and_queues_the_fetch(
    live_class, fetches, django_capture_on_commit_callbacks
):
    world, meeting, _ = live_class
    recording = body(
        "recording.completed",
        share_url="https://zoom.us/rec/share/abc",
        recording_files=[
            {"id": "mp4-1", "file_type": "MP4", "status": "completed"},
            transcript_file(),
        ],
    )
    with schema_context(world.schema):
        # when: Zoom's recording.completed lists a finished transcript
        with django_capture_on_commit_callbacks(execute=True):
            outcome = process([recording])
        transcript = Transcript.objects.select_related("recording").get(meeting=meeting)

    # then: a pending transcript of that file, on that recording, and its fetch queued
    assert outcome == ["processed"]
    assert (transcript.status, transcript.zoom_file_id, transcript.attempts) == (
        "pending",
        "tr-1",
        0,
    )
    assert transcript.recording.zoom_uuid == UUID
    fetches.assert_called_once_with(meeting.pk)


def test_transcript_completed_queues_one_fetch_however_often_zoom_says_it(
    live_class, fetches, django_capture_on_commit_callbacks
):
    world, meeting, _ = live_class
    recording = body("recording.completed", recording_files=[transcript_file()])
    with schema_context(world.schema):
        # when: recording.transcript_completed (delivered twice, the second a redelivery of
        # Zoom's with another timestamp), then the recording listing the same file
        again = {**transcript_completed(), "event_ts": transcript_completed()["event_ts"] + 1}
        with django_capture_on_commit_callbacks(execute=True):
            process([transcript_completed()])
            process([again, recording])
        transcript = Transcript.objects.get(meeting=meeting)
        statuses = list(WebhookEvent.objects.values_list("status", flat=True))

    # then: one fetch, for one pending transcript; every event processed
    fetches.assert_called_once_with(meeting.pk)
    assert (transcript.status, transcript.zoom_file_id) == ("pending", "tr-1")
    assert statuses == ["processed"] * 3


def test_the_fetch_is_queued_only_when_the_transaction_commits(
    live_class, fetches, django_capture_on_commit_callbacks
):
    world, meeting, _ = live_class
    with schema_context(world.schema):
        # inside the test's transaction: never committed
        with django_capture_on_commit_callbacks(execute=False) as waiting:
            process([transcript_completed()])
        fetches.assert_not_called()  # not before the commit

        waiting[0]()  # the commit
    assert len(waiting) == 1
    fetches.assert_called_once_with(meeting.pk)


def test_a_ready_transcript_is_not_asked_for_again(
    live_class, fetches, django_capture_on_commit_callbacks
):
    world, meeting, _ = live_class
    with schema_context(world.schema):
        Transcript.objects.create(meeting=meeting, zoom_file_id="tr-1", status="ready", cue_count=4)
        with django_capture_on_commit_callbacks(execute=True):
            process([transcript_completed(transcript_file(file_id="tr-2"))])
        transcript = Transcript.objects.get(meeting=meeting)

    assert (transcript.status, transcript.zoom_file_id, transcript.cue_count) == (
        "ready",
        "tr-1",
        4,
    )
    fetches.assert_not_called()


def test_a_failed_transcript_is_asked_for_again_when_zoom_says_so_again(
    live_class, fetches, django_capture_on_commit_callbacks
):
    world, meeting, _ = live_class
    with schema_context(world.schema):
        Transcript.objects.create(
            meeting=meeting, zoom_file_id="tr-1", status="failed", attempts=6, error="gave up"
        )
        with django_capture_on_commit_callbacks(execute=True):
            process([transcript_completed()])
        transcript = Transcript.objects.get(meeting=meeting)

    assert (transcript.status, transcript.attempts, transcript.error) == ("pending", 0, "")
    fetches.assert_called_once_with(meeting.pk)


@pytest.mark.parametrize(
    "files",
    [[transcript_file(status="processing")], [{"id": "m", "file_type": "MP4"}], "nonsense"],
    ids=["still-processing", "no-transcript", "not-a-list"],
)
def test_an_event_without_a_finished_transcript_is_ignored(
    live_class, fetches, django_capture_on_commit_callbacks, files
):
    world, meeting, _ = live_class
    with schema_context(world.schema):
        with django_capture_on_commit_callbacks(execute=True):
            outcome = process([body("recording.transcript_completed", recording_files=files)])
        assert not Transcript.objects.exists()

    assert outcome == ["ignored"]
    fetches.assert_not_called()


def test_a_recording_without_a_transcript_asks_for_none(
    live_class, fetches, django_capture_on_commit_callbacks
):
    world, meeting, _ = live_class
    with schema_context(world.schema):
        with django_capture_on_commit_callbacks(execute=True):
            process(
                [body("recording.completed", recording_files=[{"id": "m", "file_type": "MP4"}])]
            )
        assert not Transcript.objects.exists()
    fetches.assert_not_called()


# --- fetch: stored -------------------------------------------------------------------------------


def _attend(world, meeting):
    """The host and Ann (her personal link) in the class; two guests both called Sam."""
    process(
        [
            body("meeting.started"),
            joined("alpha teacher", 0, email="teacher@alpha.test", zoom_id="host-zoom-id"),
            joined("Ann A", 1, registrant_id="reg-ann", uuid="pu-ann"),
            joined("Sam", 2, uuid="pu-sam-1"),
            joined("Sam", 3, uuid="pu-sam-2"),
        ]
    )


def test_the_fetch_stores_every_cue_with_its_speaker_and_counts_the_malformed(
    live_class, requests_mock, summaries, django_capture_on_commit_callbacks
):
    # given: Zoom lists the transcript; the class had its host, Ann and two Sams
    world, meeting, people = live_class
    requests_mock.get(RECORDINGS_URL, json=listing(transcript_file()))
    requests_mock.get(VTT_URL, text=VTT)
    with schema_context(world.schema):
        with django_capture_on_commit_callbacks(execute=True):  # its events sent
            _attend(world, meeting)
        pending(meeting)

        # when
        with (
            mock.patch.object(realtime_events, "_deliver") as deliver,
            django_capture_on_commit_callbacks(execute=True),
        ):
            status = transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())
        transcript = Transcript.objects.get(meeting=meeting)
        cues = list(TranscriptCue.objects.filter(transcript=transcript))
        ann_session = ParticipantSession.objects.get(meeting=meeting, name="Ann A")
        host_session = ParticipantSession.objects.get(meeting=meeting, name="alpha teacher")

    # then: four cues in order, the backwards one counted
    assert status == "ready"
    assert (transcript.status, transcript.cue_count, transcript.skipped_cues) == ("ready", 4, 1)
    assert transcript.duration_seconds == 3598
    assert transcript.attempts == 1 and transcript.fetched_at is not None
    assert [(c.position, c.start_ms, c.end_ms) for c in cues] == [
        (1, 5_000, 9_500),
        (2, 12_000, 15_000),
        (3, 16_000, 20_000),
        (4, 3_595_000, 3_598_250),
    ]
    assert cues[1].text == "আজ আমরা ভগ্নাংশ শিখব।"
    assert all(c.meeting_id == meeting.pk for c in cues)
    # speakers: the host and Ann linked; "Visitor" matches nobody
    linked = [(c.speaker, c.participant_id, c.person_id) for c in cues]
    assert linked == [
        ("alpha teacher", host_session.pk, world.users["teacher"].pk),
        ("Ann A", ann_session.pk, people["ann"].pk),
        ("Visitor", None, None),
        ("alpha teacher", host_session.pk, world.users["teacher"].pk),
    ]
    # the download was authorised; the summary and the realtime event follow the commit
    assert requests_mock.request_history[-1].headers["Authorization"] == "Bearer token-1"
    summaries.assert_called_once_with(meeting.pk)
    sent = [m for call in deliver.call_args_list for _, m in call.args[0]]
    assert [(m["event"], m["data"]) for m in sent if m["event"] == "transcript.ready"] == [
        ("transcript.ready", {"meeting_id": meeting.pk, "cue_count": 4})
    ]
    assert {m["group"] for m in sent if m["event"] == "transcript.ready"} == {
        f"t.{world.schema}.meeting.{meeting.pk}"
    }


def test_speakers_two_people_share_stay_text_and_the_hosts_name_finds_the_host(
    live_class, requests_mock, summaries
):
    # given: two devices called Sam; the host never joined under a name the VTT uses, but
    # the VTT says "Alpha  TEACHER" (Zoom's display name, spaced and cased otherwise)
    world, meeting, _ = live_class
    vtt = (
        "WEBVTT\n\n00:01.000 --> 00:02.000\nSam: Hello\n\n"
        "00:03.000 --> 00:04.000\nAlpha  TEACHER: Welcome\n"
    )
    requests_mock.get(RECORDINGS_URL, json=listing(transcript_file()))
    requests_mock.get(VTT_URL, text=vtt)
    with schema_context(world.schema):
        process([joined("Sam", 2, uuid="pu-sam-1"), joined("Sam", 3, uuid="pu-sam-2")])
        pending(meeting)

        transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())

        cues = list(TranscriptCue.objects.filter(meeting=meeting))
    assert [(c.speaker, c.participant_id, c.person_id) for c in cues] == [
        ("Sam", None, None),
        ("Alpha  TEACHER", None, world.users["teacher"].pk),
    ]


def test_one_persons_rejoins_are_one_speaker(live_class, requests_mock, summaries):
    world, meeting, people = live_class
    requests_mock.get(RECORDINGS_URL, json=listing(transcript_file()))
    requests_mock.get(VTT_URL, text="WEBVTT\n\n00:01.000 --> 00:02.000\nAnn A: I'm back\n")
    with schema_context(world.schema):
        process(
            [
                joined("Ann A", 1, registrant_id="reg-ann", uuid="pu-ann-1"),
                joined("Ann A", 9, registrant_id="reg-ann", uuid="pu-ann-2"),  # another device
            ]
        )
        pending(meeting)
        transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())
        (cue,) = TranscriptCue.objects.filter(meeting=meeting)
        first = ParticipantSession.objects.filter(meeting=meeting).order_by("joined_at").first()

    assert (cue.participant_id, cue.person_id) == (first.pk, people["ann"].pk)


def test_segments_are_joined_timed_from_the_first(live_class, requests_mock, summaries):
    # given: the recording was paused for ten minutes: two transcript files
    from datetime import timedelta

    world, meeting, _ = live_class
    second_url = "https://us06web.zoom.us/rec/download/tr-2.vtt"
    files = [
        transcript_file("tr-2", second_url, start=CLASS_START + timedelta(minutes=10)),
        transcript_file(),
    ]
    requests_mock.get(RECORDINGS_URL, json=listing(*files))
    requests_mock.get(VTT_URL, text="WEBVTT\n\n00:01.000 --> 00:02.000\nAnn A: first\n")
    requests_mock.get(second_url, text="WEBVTT\n\n00:01.000 --> 00:02.000\nAnn A: after\n")
    with schema_context(world.schema):
        pending(meeting)
        transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())
        cues = list(TranscriptCue.objects.filter(meeting=meeting).values_list("start_ms", "text"))

    assert cues == [(1_000, "first"), (601_000, "after")]


def test_a_fetch_again_replaces_the_cues_and_costs_the_same_queries(
    live_class, requests_mock, summaries
):
    world, meeting, _ = live_class
    requests_mock.get(RECORDINGS_URL, json=listing(transcript_file()))
    many = "WEBVTT\n\n" + "".join(
        f"00:{n // 60:02d}:{n % 60:02d}.000 --> 00:{n // 60:02d}:{n % 60:02d}.500\nAnn A: {n}\n\n"
        for n in range(300)
    )
    requests_mock.get(VTT_URL, [{"text": VTT}, {"text": many}])
    counts = []
    with schema_context(world.schema):
        Meeting.objects.filter(pk=meeting.pk).update(zoom_uuid=UUID)
        for _ in range(2):
            Transcript.objects.update_or_create(
                meeting=meeting, defaults={"status": "pending", "attempts": 0}
            )
            with CaptureQueriesContext(connection) as queries:
                transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())
            counts.append(len(queries))
        texts = list(TranscriptCue.objects.filter(meeting=meeting).values_list("text", flat=True))

    assert texts == [str(n) for n in range(300)]  # the first fetch's cues are gone
    assert counts[0] == counts[1]  # 4 cues or 300: one insert


def test_a_message_for_a_transcript_not_pending_does_nothing(live_class, requests_mock):
    world, meeting, _ = live_class
    with schema_context(world.schema):
        Transcript.objects.create(meeting=meeting, status="ready", cue_count=3)

        assert transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom()) == ""
        assert transcripts.transcript_fetch(meeting_id=meeting.pk + 999, provider=zoom()) == ""
        assert Transcript.objects.get(meeting=meeting).attempts == 0
    assert requests_mock.call_count == 0


# --- fetch: retried, given up ----------------------------------------------------------------------


def test_zoom_unavailable_is_retried_by_the_actor_then_succeeds(
    live_class, requests_mock, summaries
):
    # given: Zoom answers 503 once, then lists the transcript
    world, meeting, _ = live_class
    requests_mock.get(
        RECORDINGS_URL,
        [
            {"status_code": 503, "json": {"code": 503, "message": "busy"}},
            {"json": listing(transcript_file())},
        ],
    )
    requests_mock.get(VTT_URL, text=VTT)
    with schema_context(world.schema):
        pending(meeting)

        # when: the first attempt raises (for the actor's retry), the second stores
        with pytest.raises(Exception) as first:
            transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())
        between = Transcript.objects.get(meeting=meeting)
        second = transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())
        after = Transcript.objects.get(meeting=meeting)

    # then
    assert type(first.value).__name__ == "ProviderUnavailableError"
    assert (between.status, between.attempts) == ("pending", 1)
    assert "could not be reached" in between.error
    assert second == "ready"
    assert (after.status, after.attempts, after.error, after.cue_count) == ("ready", 2, "", 4)


def test_the_actor_retries_with_backoff_up_to_its_attempts():
    options = actors.transcript_fetch.options
    assert options["max_retries"] == transcripts.MAX_ATTEMPTS - 1 >= 3
    assert options["min_backoff"] >= 10_000 and options["max_backoff"] > options["min_backoff"]


def test_after_the_last_attempt_it_is_failed_with_the_reason(live_class, requests_mock):
    world, meeting, _ = live_class
    requests_mock.get(RECORDINGS_URL, status_code=429, headers={"Retry-After": "3600"})
    with schema_context(world.schema):
        pending(meeting)
        for _ in range(transcripts.MAX_ATTEMPTS - 1):
            with pytest.raises(Exception, match="rate limit"):
                transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())
        status = transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())  # no raise
        transcript = Transcript.objects.get(meeting=meeting)

    assert status == "failed"
    assert (transcript.status, transcript.attempts) == ("failed", transcripts.MAX_ATTEMPTS)
    assert transcript.error == (
        f"Zoom's rate limit was reached. Gave up after {transcripts.MAX_ATTEMPTS} attempts."
    )


def test_a_transcript_zoom_has_not_finished_is_asked_for_again(live_class, requests_mock):
    world, meeting, _ = live_class
    requests_mock.get(RECORDINGS_URL, json=listing(transcript_file(status="processing")))
    with schema_context(world.schema):
        pending(meeting)
        with pytest.raises(transcripts.TranscriptNotReady):
            transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())
        transcript = Transcript.objects.get(meeting=meeting)

    assert (transcript.status, transcript.attempts) == ("pending", 1)
    assert transcript.error.startswith("Zoom lists no finished transcript")


def test_no_recording_at_zoom_fails_at_once(live_class, requests_mock):
    world, meeting, _ = live_class
    requests_mock.get(RECORDINGS_URL, status_code=404, json={"code": 3301, "message": "gone"})
    with schema_context(world.schema):
        pending(meeting)

        status = transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())

        transcript = Transcript.objects.get(meeting=meeting)
    assert status == "failed"
    assert (transcript.status, transcript.attempts) == ("failed", 1)
    assert transcript.error == "Zoom has no recording of this session (deleted, or never made)."


def test_a_transcript_file_zoom_no_longer_has_fails_at_once(live_class, requests_mock):
    world, meeting, _ = live_class
    requests_mock.get(RECORDINGS_URL, json=listing(transcript_file()))
    requests_mock.get(VTT_URL, status_code=404, json={"code": 3301, "message": "gone"})
    with schema_context(world.schema):
        pending(meeting)
        assert transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom()) == "failed"
        assert not TranscriptCue.objects.exists()


def test_an_oversized_transcript_fails_with_a_clear_error_and_is_not_retried(
    live_class, requests_mock, settings
):
    # given: a limit of 100 bytes, and a transcript of 300
    settings.LIVEROLL_TRANSCRIPT_MAX_BYTES = 100
    world, meeting, _ = live_class
    requests_mock.get(RECORDINGS_URL, json=listing(transcript_file()))
    requests_mock.get(VTT_URL, text=VTT[:300])
    with schema_context(world.schema):
        pending(meeting)

        # when: no exception, so no retry
        status = transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())

        transcript = Transcript.objects.get(meeting=meeting)
    assert status == "failed"
    assert transcript.error == (
        "The transcript is larger than the 100 bytes allowed (LIVEROLL_TRANSCRIPT_MAX_BYTES)."
    )
    assert transcript.cue_count == 0


def test_a_class_whose_zoom_is_not_connected_fails_with_the_reason(live_class, requests_mock):
    # given: the class is on the teacher's own Zoom, which is not connected (the real
    # provider lookup, no provider handed in)
    world, meeting, _ = live_class
    with schema_context(world.schema):
        pending(meeting)
        Meeting.objects.filter(pk=meeting.pk).update(zoom_uuid=UUID)

        status = transcripts.transcript_fetch(meeting_id=meeting.pk)

        transcript = Transcript.objects.get(meeting=meeting)
    assert status == "failed"
    assert transcript.error.startswith("Zoom refused the transcript: This class is on")
    assert requests_mock.call_count == 0


# --- each school its own -----------------------------------------------------------------------------


def test_a_transcript_event_on_one_schools_host_never_touches_another(
    live_class, beta, fetches, django_capture_on_commit_callbacks
):
    # given: beta has a session on the same Zoom meeting id (another school's Zoom)
    world, meeting, _ = live_class
    with schema_context(beta.schema):
        theirs = Meeting.objects.create(
            school_class=beta.school_class,
            host=beta.users["teacher"],
            title="Beta maths",
            start_time=CLASS_START,
            zoom_meeting_id="99999999999",
        )
    # when: alpha's inbox gets a transcript event for a meeting only beta has
    with schema_context(world.schema):
        with django_capture_on_commit_callbacks(execute=True):
            outcome = process(
                [
                    body(
                        "recording.transcript_completed",
                        zoom_id="99999999999",
                        uuid="beta-uuid==",
                        recording_files=[transcript_file()],
                    )
                ]
            )
        assert not Transcript.objects.exists()
    with schema_context(beta.schema):
        assert not Transcript.objects.filter(meeting=theirs).exists()
    assert outcome == ["ignored"]
    fetches.assert_not_called()


def test_the_fetch_runs_in_the_schema_its_message_carries(live_class, beta, requests_mock):
    # given: alpha's meeting has a pending transcript; beta has one of the same id or none
    world, meeting, _ = live_class
    with schema_context(world.schema):
        pending(meeting)

    # when: the fetch runs in beta's schema with alpha's meeting id
    with schema_context(beta.schema):
        status = transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())

    # then: nothing of alpha's is touched, and Zoom is not asked
    assert status == ""
    with schema_context(world.schema):
        assert Transcript.objects.get(meeting=meeting).attempts == 0
    assert requests_mock.call_count == 0


def test_the_fetch_message_carries_the_school(live_class, django_capture_on_commit_callbacks):
    import dramatiq

    world, meeting, _ = live_class
    broker = dramatiq.get_broker()
    broker.flush_all()
    with schema_context(world.schema), django_capture_on_commit_callbacks(execute=True):
        process([transcript_completed()])
    raw = broker.client.hvals(f"{broker.namespace}:{actors.transcript_fetch.queue_name}.msgs")
    broker.flush_all()

    (message,) = [dramatiq.Message.decode(r) for r in raw]
    assert (message.actor_name, message.args) == ("transcript_fetch", (meeting.pk,))
    assert message.options["tenant_schema"] == world.schema


# --- the pipeline's gaps ---------------------------------------------------------------------------


def test_a_cue_with_a_nul_is_stored_without_it(live_class, requests_mock, summaries):
    world, meeting, _ = live_class
    vtt = VTT.replace("let's begin.", "let's\x00 begin.").replace("Visitor:", "Vis\x00itor:")
    requests_mock.get(RECORDINGS_URL, json=listing(transcript_file()))
    requests_mock.get(VTT_URL, text=vtt)
    with schema_context(world.schema):
        pending(meeting)

        status = transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())

        cues = list(TranscriptCue.objects.order_by("position").values_list("speaker", "text"))
    assert status == "ready"
    assert cues[0] == ("alpha teacher", "Good morning everyone, let's begin.")
    assert cues[2] == ("Visitor", "Can I ask something?")


def test_a_store_that_fails_on_the_last_attempt_leaves_the_transcript_failed(
    live_class, requests_mock, summaries
):
    # given: storing fails (an unexpected error) on each attempt
    world, meeting, _ = live_class
    requests_mock.get(RECORDINGS_URL, json=listing(transcript_file()))
    requests_mock.get(VTT_URL, text=VTT)
    with schema_context(world.schema):
        pending(meeting)
        with mock.patch.object(transcripts, "speaker_directory", side_effect=RuntimeError):
            # when: the message's first attempt, then its last (the transcript's own count
            # is 2: the message says which attempt it is)
            with pytest.raises(RuntimeError):
                transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom(), attempt=1)
            between = Transcript.objects.get(meeting=meeting)
            last = transcripts.transcript_fetch(
                meeting_id=meeting.pk, provider=zoom(), attempt=transcripts.MAX_ATTEMPTS
            )
        after = Transcript.objects.get(meeting=meeting)

    assert (between.status, between.error) == ("pending", "An unexpected error.")
    assert last == "failed"
    assert (after.status, after.attempts) == ("failed", 2)
    assert after.error == "The transcript could not be stored (an unexpected error)."


def test_the_actor_tells_the_fetch_which_attempt_its_message_is_on(live_class):
    world, meeting, _ = live_class
    message = actors.transcript_fetch.message(meeting.pk)
    message.options["retries"] = 3
    with (
        schema_context(world.schema),
        mock.patch.object(actors.CurrentMessage, "get_current_message", return_value=message),
        mock.patch.object(transcripts, "transcript_fetch") as fetch,
    ):
        actors.transcript_fetch.fn(meeting.pk)
    fetch.assert_called_once_with(meeting_id=meeting.pk, attempt=4)


def test_a_session_held_twice_fetches_the_instance_its_transcript_came_from(
    live_class, requests_mock, summaries, django_capture_on_commit_callbacks, fetches
):
    # given: the first instance's transcript is announced; then the session is started again
    # (its zoom_uuid is the second instance's)
    world, meeting, _ = live_class
    second = f"{API}/meetings/second%3D%3D/recordings"
    requests_mock.get(RECORDINGS_URL, json=listing(transcript_file()))
    requests_mock.get(second, json={"uuid": "second==", "recording_files": []})
    requests_mock.get(VTT_URL, text=VTT)
    with schema_context(world.schema):
        with django_capture_on_commit_callbacks(execute=True):
            process([transcript_completed()])
        Meeting.objects.filter(pk=meeting.pk).update(zoom_uuid="second==")

        # when
        status = transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())
        transcript = Transcript.objects.get(meeting=meeting)

    # then: the first instance's recording was asked for, and its transcript stored
    assert status == "ready" and transcript.zoom_uuid == UUID
    assert not requests_mock.request_history or all(
        r.url != second for r in requests_mock.request_history
    )
    assert transcript.cue_count == 4


def test_a_transcript_deleted_during_its_fetch_ends_it_quietly(
    live_class, requests_mock, summaries, caplog
):
    world, meeting, _ = live_class
    requests_mock.get(RECORDINGS_URL, json=listing(transcript_file()))

    def deleted_meanwhile(request, context):
        Transcript.objects.filter(meeting=meeting).delete()
        return VTT

    requests_mock.get(VTT_URL, text=deleted_meanwhile)
    with schema_context(world.schema):
        pending(meeting)
        with caplog.at_level(logging.INFO, logger="attendance.recordings.transcripts"):
            status = transcripts.transcript_fetch(meeting_id=meeting.pk, provider=zoom())

        assert not Transcript.objects.exists() and not TranscriptCue.objects.exists()
    assert status == ""
    assert "deleted while fetched" in caplog.text
    summaries.assert_not_called()
