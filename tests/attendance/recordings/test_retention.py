"""The school's retention: recordings of sessions older than `retention_days` deleted through
the delete service (here and at Zoom, with transcript and summary; the system as the actor),
then transcripts and summaries of such sessions whose recording is gone. Batched, idempotent."""

from datetime import timedelta
from urllib.parse import quote

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


def test_one_run_deletes_a_batch_and_zooms_refusal_goes_to_the_back(session, zoom):
    # given: three old recordings; Zoom refuses to delete the first
    world, _ = session
    _zoom_delete(zoom, "a==", status_code=400, json={"code": 3303, "message": "Processing."})
    _zoom_delete(zoom, "b==")
    _zoom_delete(zoom, "c==")
    with schema_context(world.schema):
        _keep(7)
        rows = [
            recorded(_session(world, days_ago=8 + i, uuid=u), uuid=u, transcript=False)
            for i, u in enumerate(["a==", "b==", "c=="])
        ]

        # when: runs of two at a time
        first = recordings_retention_purge(batch=2)
        second = recordings_retention_purge(batch=2)
        statuses = [Recording.objects.get(pk=r.pk).status for r in rows]

    # then: the refused one stays (counted, logged) and does not hold the others up
    assert (first.recordings, first.failed) == (1, 1)
    assert (second.recordings, second.failed) == (1, 1)
    assert statuses == ["available", "deleted", "deleted"]


def test_the_job_runs_in_its_own_school_only(session, beta, zoom):
    world, _ = session
    _zoom_delete(zoom, "ours==")
    with schema_context(beta.schema):
        _keep(1)
        theirs = recorded(_session(beta, days_ago=5, uuid="theirs=="), uuid="theirs==")
    with schema_context(world.schema):
        _keep(1)
        ours = recorded(_session(world, days_ago=5, uuid="ours=="), uuid="ours==")
        # the periodic actor's body, as a worker runs it in alpha's schema
        purge_actor.fn()
        assert Recording.objects.get(pk=ours.pk).status == "deleted"
    with schema_context(beta.schema):
        assert Recording.objects.get(pk=theirs.pk).status == "available"
