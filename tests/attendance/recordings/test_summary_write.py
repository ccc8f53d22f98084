"""`summary_write`, the actor's work: from a session's stored transcript to its one Summary row
and a `summary.ready` event after commit; the school's model when configured, the local
summariser otherwise or when the model fails; nothing without a transcript."""

import json
import logging
from unittest import mock

import dramatiq
import pytest
from django.db import connection
from django_tenants.utils import schema_context

from attendance.events import SummaryReady
from attendance.recordings import actors
from attendance.recordings.models import Summary
from attendance.recordings.summaries import summary_write
from attendance.recordings.summarisers.local import summarise_local
from meetings.models import Meeting
from realtime import events as realtime_events
from tests.support import committed

from .summary_support import recording_settings_set, session_make, transcript_store
from .summary_transcripts import BENGALI, ENGLISH, TEACHER

pytestmark = pytest.mark.django_db

URL = "https://llm.test/v1/chat/completions"
KEY = "sk-school-key-42"


def _answer(summary="The class covered photosynthesis.", items=()):
    content = json.dumps({"summary": summary, "action_items": list(items)})
    return {"model": "school-model", "choices": [{"message": {"content": content}}]}


def test_the_actor_writes_the_summary_of_a_stored_transcript(
    alpha, django_capture_on_commit_callbacks
):
    # given
    with schema_context(alpha.schema):
        meeting = session_make(alpha)
        transcript_store(meeting, ENGLISH)

        # when: the actor's function, in the school's schema
        with (
            mock.patch.object(realtime_events, "_deliver") as deliver,
            django_capture_on_commit_callbacks(execute=True),
        ):
            actors.summary_write.fn(meeting.pk)
            assert deliver.call_count == 0  # published after commit, not before

        # then
        summary = Summary.objects.get(meeting=meeting)
    expected = summarise_local(ENGLISH)
    assert (summary.method, summary.model, summary.fallback_reason) == ("local", "", "")
    assert summary.text == expected.text and summary.text
    assert summary.action_items == [
        {"text": a.text, "speaker": a.speaker, "start_ms": a.start_ms}
        for a in expected.action_items
    ]
    assert summary.action_items[0]["speaker"] == TEACHER
    sends = [send for call in deliver.call_args_list for send in call.args[0]]
    assert [group for group, _ in sends] == [f"t.alpha.meeting.{meeting.pk}"]
    assert realtime_events.decode_message(sends[0][1]) == SummaryReady(
        meeting_id=meeting.pk, method="local"
    )


def test_writing_again_updates_the_one_summary(alpha, requests_mock):
    with schema_context(alpha.schema):
        meeting = session_make(alpha)
        transcript_store(meeting, BENGALI)
        first = summary_write(meeting_id=meeting.pk)

        # when: the school configures its model, and the summary is written again
        recording_settings_set(
            summary_endpoint="https://llm.test/v1", summary_api_key=KEY, summary_model="m"
        )
        requests_mock.post(
            URL,
            json=_answer(
                "ক্লাসে সালোকসংশ্লেষণ পড়ানো হয়েছে।",
                [{"text": "জমা দাও", "speaker": TEACHER, "start_seconds": 124}],
            ),
        )
        second = summary_write(meeting_id=meeting.pk)

        rows = list(Summary.objects.filter(meeting=meeting))
    assert first.method == "local" and "।" in first.text
    assert [r.pk for r in rows] == [first.pk] == [second.pk]
    assert (rows[0].method, rows[0].model, rows[0].text) == (
        "remote",
        "school-model",
        "ক্লাসে সালোকসংশ্লেষণ পড়ানো হয়েছে।",
    )
    assert rows[0].action_items == [{"text": "জমা দাও", "speaker": TEACHER, "start_ms": 124_000}]
    assert rows[0].created_at >= first.created_at  # when this text was written
    assert requests_mock.last_request.headers["Authorization"] == f"Bearer {KEY}"


def test_a_failing_model_leaves_a_local_summary_with_the_reason(alpha, requests_mock, caplog):
    with schema_context(alpha.schema):
        meeting = session_make(alpha)
        transcript_store(meeting, ENGLISH)
        recording_settings_set(
            summary_endpoint="https://llm.test/v1", summary_api_key=KEY, summary_model="m"
        )
        requests_mock.post(URL, status_code=503, text="overloaded")

        with caplog.at_level(logging.WARNING):
            summary = summary_write(meeting_id=meeting.pk)

    assert summary.method == "local" and summary.text == summarise_local(ENGLISH).text
    assert summary.fallback_reason == "the endpoint answered HTTP 503"
    assert f"alpha meeting {meeting.pk}" in caplog.text and "503" in caplog.text
    assert KEY not in caplog.text


@pytest.mark.parametrize("state", ["no transcript", "pending", "failed", "no cues", "no meeting"])
def test_without_a_ready_transcript_with_cues_nothing_is_written(alpha, caplog, state):
    with schema_context(alpha.schema):
        meeting = session_make(alpha)
        if state in ("pending", "failed"):
            transcript_store(meeting, ENGLISH, status=state)
        elif state == "no cues":
            transcript_store(meeting, [])
        meeting_id = meeting.pk if state != "no meeting" else meeting.pk + 1000

        with caplog.at_level(logging.INFO, logger="attendance.recordings.summaries"):
            result = summary_write(meeting_id=meeting_id)

        assert result is None and not Summary.objects.exists()
    assert f"alpha meeting {meeting_id}" in caplog.text


def test_a_worker_runs_it_in_the_school_the_message_came_from(worlds, alpha, beta):
    """On a real broker and worker: the transcript committed in alpha, the message sent from
    alpha; beta, which has a session of the same id, is untouched."""

    def given():
        ids = {}
        for world, cues in ((alpha, ENGLISH), (beta, BENGALI)):
            with schema_context(world.schema):
                meeting = session_make(world)
                transcript_store(meeting, cues)
                ids[world.schema] = meeting.pk
        return ids

    def cleanup():
        for world in (alpha, beta):
            with schema_context(world.schema):
                Meeting.objects.filter(pk=ids[world.schema]).delete()  # its transcript, summary

    def summaries():
        found = {}
        for world in (alpha, beta):
            with schema_context(world.schema):
                found[world.schema] = list(Summary.objects.values_list("meeting_id", "method"))
        return found

    broker = dramatiq.get_broker()
    broker.flush_all()
    ids = committed(given)
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        with schema_context(alpha.schema):
            message = actors.summary_write.send(ids["alpha"])
        broker.join(actors.summary_write.queue_name, timeout=20_000)
        worker.join()
        found = committed(summaries)
    finally:
        worker.stop()
        broker.flush_all()
        committed(cleanup)
        connection.set_schema_to_public()

    assert message.options["tenant_schema"] == "alpha"
    assert found == {"alpha": [(ids["alpha"], "local")], "beta": []}
