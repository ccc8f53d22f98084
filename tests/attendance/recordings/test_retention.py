"""The school's retention: recordings of sessions older than `retention_days` deleted through
the delete service (here and at Zoom, with transcript and summary; the system as the actor),
then transcripts and summaries of such sessions whose recording is gone. Batched, idempotent."""

from datetime import timedelta
from urllib.parse import quote

import dramatiq
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.recordings.actors import recordings_retention_purge as purge_actor
from attendance.recordings.models import (
    Recording,
    RecordingSettings,
    Summary,
    Transcript,
    TranscriptCue,
)
from attendance.recordings.services import recordings_retention_purge
from meetings.models import Meeting
from tenants.audit.models import AuditEntry
from tenants.scheduler import default_jobs
from tests.support import committed

from .conftest import API, recorded


def _session(world, *, days_ago: float, uuid: str) -> Meeting:
    end = timezone.now() - timedelta(days=days_ago)
    return Meeting.objects.create(
        school_class=world.school_class,
        host=world.users["teacher"],
        title=f"session {uuid}",
        start_time=end - timedelta(hours=1),
        status=Meeting.Status.ENDED,
        actual_start=end - timedelta(hours=1),
        actual_end=end,
        zoom_uuid=uuid,
        zoom_account=Meeting.Account.ACCOUNT,
    )


def _keep(days):
    RecordingSettings.objects.update_or_create(singleton=True, defaults={"retention_days": days})


def _zoom_delete(zoom, uuid, **answer):
    return zoom.delete(
        f"{API}/meetings/{quote(uuid, safe='')}/recordings", **(answer or {"status_code": 204})
    )


def test_recordings_and_transcripts_past_retention_go_and_the_rest_stay(session, zoom):
    # given: a school that keeps recordings 30 days; sessions of 40 and 10 days ago, and one
    # of 40 days ago whose recording was deleted already but whose transcript stayed
    world, _ = session
    old_at_zoom = _zoom_delete(zoom, "old==")
    recent_at_zoom = _zoom_delete(zoom, "recent==")
    with schema_context(world.schema):
        _keep(30)
        old = recorded(_session(world, days_ago=40, uuid="old=="), uuid="old==")
        recent = recorded(_session(world, days_ago=10, uuid="recent=="), uuid="recent==")
        gone_session = _session(world, days_ago=40, uuid="gone==")
        gone = recorded(gone_session, uuid="gone==")
        Recording.objects.filter(pk=gone.pk).update(status=Recording.Status.DELETED)

        # when: the job runs, twice
        first = recordings_retention_purge()
        second = recordings_retention_purge()

        statuses = dict(Recording.objects.values_list("pk", "status"))
        transcripts = set(Transcript.objects.values_list("meeting_id", flat=True))
        cues = set(TranscriptCue.objects.values_list("meeting_id", flat=True))
        summaries = set(Summary.objects.values_list("meeting_id", flat=True))
        deleted = AuditEntry.objects.get(action="recording.deleted")
        runs = list(AuditEntry.objects.filter(action="retention.recordings.purged"))

    # then: the old recording deleted at Zoom and here, by the system; the recent one kept
    assert (statuses[old.pk], statuses[recent.pk]) == ("deleted", "available")
    assert old_at_zoom.call_count == 1 and not recent_at_zoom.called
    assert (deleted.actor_id, deleted.actor_label) == (None, "system")
    assert deleted.details["reason"] == "retention"
    # and the transcripts and summaries of both old sessions are gone, the recent one's kept
    assert transcripts == cues == summaries == {recent.meeting_id}
    # (the deleted recording's transcript is counted in its own audit entry)
    assert (first.recordings, first.failed, first.transcripts, first.summaries) == (1, 0, 1, 1)
    # idempotent: the second run found nothing, asked Zoom nothing, audited nothing
    assert (second.recordings, second.transcripts) == (0, 0)
    assert len(runs) == 1 and runs[0].details["days"] == 30


def test_a_school_that_keeps_recordings_loses_none(session, zoom):
    world, _ = session
    with schema_context(world.schema):
        old = recorded(_session(world, days_ago=4000, uuid="old=="), uuid="old==")

        result = recordings_retention_purge()

        assert Recording.objects.get(pk=old.pk).status == "available"
    assert result.recordings == 0 and not zoom.request_history


def test_one_run_deletes_a_batch_and_what_zoom_cannot_delete_now_goes_to_the_back(session, zoom):
    # given: three old recordings with their transcripts; Zoom is rate limited for the first
    world, _ = session
    _zoom_delete(zoom, "a==", status_code=429, headers={"Retry-After": "3600"})
    _zoom_delete(zoom, "b==")
    _zoom_delete(zoom, "c==")
    with schema_context(world.schema):
        _keep(7)
        rows = [
            recorded(_session(world, days_ago=8 + i, uuid=u), uuid=u)
            for i, u in enumerate(["a==", "b==", "c=="])
        ]

        # when: runs of two at a time
        first = recordings_retention_purge(batch=2)
        second = recordings_retention_purge(batch=2)
        statuses = [Recording.objects.get(pk=r.pk).status for r in rows]
        transcripts = Transcript.objects.count()
        cues = TranscriptCue.objects.count()
        summaries = Summary.objects.count()

    # then: the one Zoom could not delete stays (counted, logged, asked again next run) and
    # does not hold the others up; its transcript and summary are gone all the same
    assert (first.recordings, first.failed, first.refused) == (1, 1, 0)
    assert (second.recordings, second.failed, second.refused) == (1, 1, 0)
    assert statuses == ["available", "deleted", "deleted"]
    assert transcripts == cues == summaries == 0


@pytest.mark.parametrize("refusal", ["not connected", "400"])
def test_a_recording_zoom_refuses_for_good_is_deleted_here_with_the_reason(session, zoom, refusal):
    # given: an old recording with its transcript; the class on the teacher's own Zoom,
    # which is not connected, or Zoom answering 400 to the delete
    world, _ = session
    at_zoom = _zoom_delete(zoom, "old==", status_code=400, json={"code": 300, "message": "no"})
    with schema_context(world.schema):
        _keep(7)
        meeting = _session(world, days_ago=8, uuid="old==")
        if refusal == "not connected":
            Meeting.objects.filter(pk=meeting.pk).update(zoom_account=Meeting.Account.USER)
            meeting.refresh_from_db()
        old = recorded(meeting, uuid="old==")

        # when: the job runs, twice
        first = recordings_retention_purge()
        second = recordings_retention_purge()

        status = Recording.objects.get(pk=old.pk).status
        left = (Transcript.objects.count(), TranscriptCue.objects.count(), Summary.objects.count())
        entry = AuditEntry.objects.get(action="recording.deleted")

    # then: deleted here, once, the audit entry saying it is not deleted at Zoom and why
    assert status == "deleted" and left == (0, 0, 0)
    assert (first.refused, first.failed, second.refused, second.recordings) == (1, 0, 0, 0)
    assert entry.details["zoom"].startswith("not deleted at Zoom: ")
    assert len(entry.details["zoom"]) > len("not deleted at Zoom: ")
    assert at_zoom.call_count == (0 if refusal == "not connected" else 1)


def test_the_job_runs_per_school_through_the_fan_out_and_a_worker(worlds, alpha, beta):
    """The scheduler's job, sent to each school; a real broker and worker. alpha keeps
    recordings 7 days and its teacher's Zoom is not connected; beta keeps them."""

    def given():
        ids = {}
        for world, days in ((alpha, 7), (beta, None)):
            with schema_context(world.schema):
                _keep(days)
                meeting = _session(world, days_ago=30, uuid=f"{world.schema}==")
                Meeting.objects.filter(pk=meeting.pk).update(zoom_account=Meeting.Account.USER)
                ids[world.schema] = recorded(meeting, uuid=f"{world.schema}==").pk
        return ids

    def found():
        return {world.schema: _state(world, ids[world.schema]) for world in (alpha, beta)}

    def _state(world, recording_id):
        with schema_context(world.schema):
            entry = AuditEntry.objects.filter(action="recording.deleted").first()
            return (
                Recording.objects.get(pk=recording_id).status,
                Transcript.objects.count(),
                entry.details["zoom"][:21] if entry else None,
            )

    def cleanup():
        for world in (alpha, beta):
            with schema_context(world.schema):
                Meeting.objects.filter(zoom_uuid=f"{world.schema}==").delete()
                RecordingSettings.objects.all().delete()
                AuditEntry.objects.filter(action__startswith="re").delete()

    job = next(j for j in default_jobs() if j.name == "recordings-retention-purge")
    broker = dramatiq.get_broker()
    broker.flush_all()
    ids = committed(given)
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        sent = job.send()
        broker.join(purge_actor.queue_name, timeout=20_000)
        worker.join()
        result = committed(found)
    finally:
        worker.stop()
        broker.flush_all()
        committed(cleanup)
        connection.set_schema_to_public()

    assert sent == 2
    assert result == {
        "alpha": ("deleted", 0, "not deleted at Zoom: "),
        "beta": ("available", 1, None),
    }


def test_purged_transcripts_lose_their_cues_without_loading_them(session, zoom):
    # given: an old session whose recording is gone, its transcript and cues kept
    world, _ = session
    with schema_context(world.schema):
        _keep(7)
        gone = recorded(_session(world, days_ago=8, uuid="gone=="), uuid="gone==")
        Recording.objects.filter(pk=gone.pk).update(status=Recording.Status.DELETED)

        with CaptureQueriesContext(connection) as queries:
            result = recordings_retention_purge()
        left = TranscriptCue.objects.count()

    # then: the cues went in one DELETE before Django's delete looks for them (it finds none
    # left to load)
    cue_table = TranscriptCue._meta.db_table
    touching = [q["sql"] for q in queries.captured_queries if cue_table in q["sql"]]
    assert result.transcripts == 1 and left == 0
    assert touching[0].startswith(f"DELETE FROM {cue_table}")
    assert not [sql for sql in touching[1:] if sql.startswith("DELETE")]


def test_a_recording_zoom_is_still_processing_is_asked_again_not_given_up(session, zoom):
    # given: an old recording Zoom cannot delete yet (400, code 3303: still being processed)
    world, _ = session
    _zoom_delete(zoom, "busy==", status_code=400, json={"code": 3303, "message": "Processing"})
    with schema_context(world.schema):
        _keep(7)
        busy = recorded(_session(world, days_ago=8, uuid="busy=="), uuid="busy==")

        # when
        result = recordings_retention_purge()

        status = Recording.objects.get(pk=busy.pk).status
        left = Transcript.objects.count()

    # then: kept for the next run (the transcript goes now, as promised)
    assert (result.failed, result.refused) == (1, 0)
    assert status == "available" and left == 0
