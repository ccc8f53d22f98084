"""The `transcripts-resend` job: a fetch or summary message lost (Redis down at the commit, a
worker killed) is sent again, per school, through the scheduler's fan-out and a real worker."""

from datetime import timedelta

import dramatiq
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.recordings import actors
from attendance.recordings.models import Summary, Transcript
from attendance.recordings.transcripts import RESEND_AFTER_MINUTES, transcripts_resend
from meetings.models import Meeting
from tenants.scheduler import default_jobs
from tests.support import committed

from .summary_support import session_make, transcript_store
from .summary_transcripts import ENGLISH


def _aged(transcript: Transcript, minutes: int) -> None:
    then = timezone.now() - timedelta(minutes=minutes)
    Transcript.objects.filter(pk=transcript.pk).update(updated_at=then, fetched_at=then)


def test_lost_fetches_and_summaries_are_sent_again_in_each_school(worlds, alpha, beta):
    """alpha: a transcript pending for two hours untouched (its class on the teacher's own
    Zoom, not connected: the fetch fails it with the reason), a ready one without a summary,
    and a pending one still being retried (left alone). beta: the same summary-less one."""

    def given():
        ids = {}
        for world in (alpha, beta):
            with schema_context(world.schema):
                ready = transcript_store(session_make(world, title="ready"), ENGLISH)
                _aged(ready, 60)
                ids[world.schema, "ready"] = ready.meeting_id
        with schema_context(alpha.schema):
            stale = Transcript.objects.create(
                meeting=session_make(alpha, title="stale"), zoom_uuid="stale==", attempts=6
            )
            _aged(stale, 2 * RESEND_AFTER_MINUTES)
            busy = Transcript.objects.create(
                meeting=session_make(alpha, title="busy"), zoom_uuid="busy==", attempts=2
            )
            ids["stale"], ids["busy"] = stale.meeting_id, busy.meeting_id
        return ids

    def found():
        state = {}
        for world in (alpha, beta):
            with schema_context(world.schema):
                state[world.schema] = {
                    "summaries": sorted(Summary.objects.values_list("meeting_id", flat=True)),
                    "transcripts": {
                        t.meeting_id: (t.status, t.error[:26])
                        for t in Transcript.objects.exclude(status="ready")
                    },
                }
        return state

    def cleanup():
        for world in (alpha, beta):
            with schema_context(world.schema):
                Meeting.objects.filter(title__in=["ready", "stale", "busy"]).delete()

    job = next(j for j in default_jobs() if j.name == "transcripts-resend")
    broker = dramatiq.get_broker()
    broker.flush_all()
    ids = committed(given)
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        sent = job.send()
        broker.join(actors.transcripts_resend.queue_name, timeout=30_000)
        worker.join()
        state = committed(found)
        # a second run finds nothing more to send
        again = committed(lambda: _resend_in(alpha))
    finally:
        worker.stop()
        broker.flush_all()
        committed(cleanup)
        connection.set_schema_to_public()

    assert sent == 2
    assert state["alpha"] == {
        "summaries": [ids["alpha", "ready"]],
        "transcripts": {
            ids["stale"]: ("failed", "Zoom refused the transcript"[:26]),
            ids["busy"]: ("pending", ""),
        },
    }
    assert state["beta"] == {"summaries": [ids["beta", "ready"]], "transcripts": {}}
    assert (again.fetches, again.summaries) == (0, 0)


def _resend_in(world):
    with schema_context(world.schema):
        return transcripts_resend()


def test_each_run_is_bounded(alpha, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(actors.transcript_fetch, "send", sent.append)
    with schema_context(alpha.schema):
        for i in range(3):
            stale = Transcript.objects.create(meeting=session_make(alpha, title=f"s{i}"))
            _aged(stale, 2 * RESEND_AFTER_MINUTES)
        with django_capture_on_commit_callbacks(execute=True):
            result = transcripts_resend(batch=2)
        counts = sorted(Transcript.objects.values_list("attempts", flat=True))

    assert result.fetches == 2 and len(sent) == 2
    assert counts == [0, 0, 0]
