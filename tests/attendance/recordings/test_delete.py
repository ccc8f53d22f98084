"""Deleting a recording: at Zoom first (for good, `action=delete`), then here with its files'
links, its transcript and summary; audited. Zoom's "already gone" counts as done; a Zoom failure
leaves everything as it was."""

import pytest
from django_tenants.utils import schema_context

from attendance.recordings.models import Recording, Summary, Transcript, TranscriptCue
from attendance.recordings.services import recording_delete
from meetings.providers.base import ProviderValidationError, ScopeError
from tenants.audit.models import AuditEntry

from .conftest import RECORDINGS_URL, UUID, recorded


def _state(meeting):
    recording = Recording.objects.get(meeting=meeting, zoom_uuid=UUID)
    return {
        "status": recording.status,
        "share": recording.share_url,
        "links": sorted((f.play_url, f.download_url) for f in recording.files.all()),
        "transcripts": Transcript.objects.filter(meeting=meeting).count(),
        "cues": TranscriptCue.objects.filter(meeting=meeting).count(),
        "summaries": Summary.objects.filter(meeting=meeting).count(),
        "audited": AuditEntry.objects.filter(action="recording.deleted").count(),
    }


def test_deleting_deletes_at_zoom_then_here(session, zoom):
    # given
    world, meeting = session
    at_zoom = zoom.delete(RECORDINGS_URL, status_code=204)
    teacher = world.users["teacher"]
    with schema_context(world.schema):
        recording = recorded(meeting)

        # when
        done = recording_delete(recording=recording, actor=teacher, ip="203.0.113.9")
        state = _state(meeting)
        row = Recording.objects.get(pk=recording.pk)
        entry = AuditEntry.objects.get(action="recording.deleted")

    # then: Zoom deleted it for good, and here it is marked deleted with nothing left to open
    assert done is True
    assert at_zoom.call_count == 1
    assert at_zoom.last_request.qs == {"action": ["delete"]}
    assert state == {
        "status": "deleted",
        "share": "",
        "links": [("", ""), ("", "")],
        "transcripts": 0,
        "cues": 0,
        "summaries": 0,
        "audited": 1,
    }
    assert row.deleted_by_id == teacher.pk and row.deleted_at is not None
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        teacher.pk,
        "attendance.recording",
        str(recording.pk),
    )
    assert entry.details == {
        "meeting": meeting.pk,
        "zoom": "deleted",
        "files": 2,
        "transcripts": 1,
        "summaries": 1,
        "reason": "manual",
    }
    assert entry.ip_hash


def test_zooms_already_gone_counts_as_done(session, zoom):
    world, meeting = session
    zoom.delete(RECORDINGS_URL, status_code=404, json={"code": 3301, "message": "No recording."})
    with schema_context(world.schema):
        recording = recorded(meeting)

        assert recording_delete(recording=recording, actor=world.users["admin"]) is True
        state = _state(meeting)
        entry = AuditEntry.objects.get(action="recording.deleted")

    assert state["status"] == "deleted" and state["transcripts"] == 0
    assert entry.details["zoom"] == "already gone"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"code": 3303, "message": "The recording is being processed."}, ProviderValidationError),
        ({"code": 4711, "message": "does not contain scopes:[recording:write]"}, ScopeError),
    ],
    ids=["refused", "no-scope"],
)
def test_a_zoom_failure_leaves_everything_as_it_was(session, zoom, answer, error):
    world, meeting = session
    zoom.delete(RECORDINGS_URL, status_code=400, json=answer)
    with schema_context(world.schema):
        recording = recorded(meeting)
        before = _state(meeting)

        with pytest.raises(error):
            recording_delete(recording=recording, actor=world.users["teacher"])
        after = _state(meeting)

    assert before["status"] == "available" and before["transcripts"] == 1
    assert after == before


def test_deleting_twice_asks_zoom_once(session, zoom):
    world, meeting = session
    at_zoom = zoom.delete(RECORDINGS_URL, status_code=204)
    with schema_context(world.schema):
        recording = recorded(meeting)
        first = recording_delete(recording=recording, actor=None)
        again = recording_delete(
            recording=Recording.objects.get(pk=recording.pk), actor=world.users["admin"]
        )
        entries = list(AuditEntry.objects.filter(action="recording.deleted"))

    assert (first, again) == (True, False)
    assert at_zoom.call_count == 1
    assert [(e.actor_id, e.actor_label) for e in entries] == [(None, "system")]


def test_the_transcript_of_another_recording_of_the_session_stays(session, zoom):
    # given: the class was stopped and started again in Zoom: two recordings, the transcript
    # made from the second
    world, meeting = session
    zoom.delete(RECORDINGS_URL, status_code=204)
    with schema_context(world.schema):
        first = recorded(meeting, transcript=False)
        second = recorded(meeting, uuid="second-instance==")
        Transcript.objects.filter(meeting=meeting).update(recording=second)

        # when: the first is deleted
        recording_delete(recording=first, actor=None)

        # then
        assert Transcript.objects.filter(meeting=meeting, recording=second).count() == 1
        assert Summary.objects.filter(meeting=meeting).count() == 1
