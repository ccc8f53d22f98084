"""GraphQL `sessionRecordings(meetingId)` and `deleteRecording(id)`: the contract's fields, the
platform's own links, and who sees and deletes what (every role of the matrix, another
school)."""

import pytest
from django_tenants.utils import schema_context

from attendance.recordings.models import Recording
from meetings.models import Meeting, TargetAudience

from ..conftest import RECORDINGS_URL, client_of, recorded, school_shows

RECORDINGS = """query($id: ID!) { sessionRecordings(meetingId: $id) {
  id status startTime durationSeconds totalSize canDelete
  files { id fileType recordingType fileExtension fileSize durationSeconds playUrl downloadUrl }
} }"""
DELETE = """mutation($id: ID!) { deleteRecording(id: $id) { ok errors { field message code } } }"""


def _ask(client, query, **variables):
    response = client.post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def stored(session):
    world, meeting = session
    with schema_context(world.schema):
        recording = recorded(meeting)
        deleted = recorded(meeting, uuid="deleted-one==", transcript=False)
        Recording.objects.filter(pk=deleted.pk).update(status=Recording.Status.DELETED)
    return world, meeting, recording


def _user(world, people, who):
    return people[who] if who in people else world.users[who]


# Who sees and deletes what, for every role and audience: ../access_matrix.py.


def test_the_recording_as_the_contract_says(stored):
    world, meeting, recording = stored

    [shown] = _ask(world.client("teacher"), RECORDINGS, id=str(meeting.pk))["data"][
        "sessionRecordings"
    ]

    with schema_context(world.schema):
        mp4, vtt = (recording.files.get(file_type=kind).pk for kind in ("MP4", "TRANSCRIPT"))
    assert {k: v for k, v in shown.items() if k != "files"} == {
        "id": str(recording.pk),
        "status": "available",
        "startTime": "2026-11-23T09:00:00+00:00",
        "durationSeconds": 3600,
        "totalSize": 3000.0,
        "canDelete": True,
    }
    assert shown["files"] == [
        {
            "id": str(mp4),
            "fileType": "MP4",
            "recordingType": "",
            "fileExtension": "MP4",
            "fileSize": 1000.0,
            "durationSeconds": 0,
            "playUrl": f"/recordings/files/{mp4}/play/",
            "downloadUrl": f"/recordings/files/{mp4}/download/",
        },
        {
            "id": str(vtt),
            "fileType": "TRANSCRIPT",
            "recordingType": "",
            "fileExtension": "VTT",
            "fileSize": 1000.0,
            "durationSeconds": 0,
            "playUrl": None,  # not a video or audio file
            "downloadUrl": f"/recordings/files/{vtt}/download/",
        },
    ]
    assert "zoom.us" not in str(shown)


def test_sizes_beyond_32_bits_are_shown(stored):
    world, meeting, recording = stored
    with schema_context(world.schema):
        Recording.objects.filter(pk=recording.pk).update(total_size=5 * 2**31)

    [shown] = _ask(world.client("admin"), RECORDINGS, id=str(meeting.pk))["data"][
        "sessionRecordings"
    ]

    assert shown["totalSize"] == float(5 * 2**31)


def test_another_school_sees_nothing(stored, beta):
    world, meeting, _ = stored

    body = _ask(beta.client("admin"), RECORDINGS, id=str(meeting.pk))

    assert body["data"] is None and body["errors"][0]["message"] == "No such meeting."


def test_a_school_wide_session_does_not_show_its_recordings_to_every_student(stored, people):
    world, meeting, _ = stored
    school_shows(world, students=True, parents=True)
    with schema_context(world.schema):
        Meeting.objects.filter(pk=meeting.pk).update(target_audience=TargetAudience.ALL)

    body = _ask(client_of(world, people["other_student"]), RECORDINGS, id=str(meeting.pk))

    assert body["data"]["sessionRecordings"] == []


# --- deleteRecording --------------------------------------------------------------------------


def test_another_schools_admin_cannot_delete(stored, beta, zoom):
    world, _, recording = stored
    at_zoom = zoom.delete(RECORDINGS_URL, status_code=204)

    body = _ask(beta.client("admin"), DELETE, id=str(recording.pk))

    assert body["data"]["deleteRecording"]["errors"][0]["code"] == "not_found"
    assert not at_zoom.called


def test_a_zoom_failure_is_a_typed_error_and_changes_nothing(stored, zoom):
    world, meeting, recording = stored
    zoom.delete(RECORDINGS_URL, status_code=400, json={"code": 3303, "message": "Processing."})

    body = _ask(world.client("teacher"), DELETE, id=str(recording.pk))

    [error] = body["data"]["deleteRecording"]["errors"]
    assert body["data"]["deleteRecording"]["ok"] is False
    assert error["code"] == "zoom" and error["message"].startswith("Zoom: ")
    with schema_context(world.schema):
        assert Recording.objects.get(pk=recording.pk).status == "available"
        assert recording.files.exclude(download_url="").count() == 2


def test_deleting_a_deleted_recording_is_done_without_zoom(stored, zoom):
    world, meeting, _ = stored
    with schema_context(world.schema):
        deleted = Recording.objects.get(meeting=meeting, status="deleted")
    at_zoom = zoom.delete(RECORDINGS_URL, status_code=204)

    body = _ask(world.client("teacher"), DELETE, id=str(deleted.pk))

    assert body["data"]["deleteRecording"] == {"ok": True, "errors": []}
    assert not at_zoom.called


@pytest.mark.parametrize("garbage", ["abc", "-1", "99999999999999999999", ""])
def test_garbage_ids_are_not_found(stored, garbage):
    world, _, _ = stored

    deleted = _ask(world.client("admin"), DELETE, id=garbage)["data"]["deleteRecording"]
    listed = _ask(world.client("admin"), RECORDINGS, id=garbage)

    assert deleted["errors"][0]["code"] == "not_found"
    assert listed["errors"][0]["message"] == "No such meeting."


def test_a_meeting_no_longer_gives_zooms_links_to_whoever_reads_it(stored):
    # `Meeting.recordings` gave Zoom's share link to anyone who could read the meeting
    world, meeting, _ = stored

    body = _ask(world.client("student"), "{ meetings { items { recordings { shareUrl } } } }")

    assert body.get("data") is None
    assert "Cannot query field 'recordings' on type 'Meeting'" in body["errors"][0]["message"]


# --- recordingAvailability (who gets what: ../access_matrix.py) --------------------------------

AVAILABILITY = """query($ids: [ID!]!) { recordingAvailability(meetingIds: $ids) {
  meetingId shared available deleted transcriptStatus hasSummary } }"""


def test_availability_tells_a_deleted_recording_and_leaves_out_unknown_ids(stored):
    world, meeting, _ = stored

    body = _ask(world.client("teacher"), AVAILABILITY, ids=[str(meeting.pk), "999999", "abc"])

    assert body["data"]["recordingAvailability"] == [
        {
            "meetingId": str(meeting.pk),
            "shared": True,
            "available": 1,
            "deleted": True,
            "transcriptStatus": "ready",
            "hasSummary": True,
        }
    ]


def test_availability_is_capped(stored):
    world, meeting, _ = stored

    body = _ask(world.client("admin"), AVAILABILITY, ids=[str(meeting.pk)] * 51)

    assert body["errors"][0]["message"] == "At most 50 sessions at once."


@pytest.mark.parametrize("role", ["admin", "teacher", "student"])
def test_availability_costs_the_same_queries_for_one_session_as_for_twenty(stored, role):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world, meeting, _ = stored
    school_shows(world, students=True, parents=False)
    with schema_context(world.schema):
        more = [
            Meeting.objects.create(
                school_class=meeting.school_class,
                host=meeting.host,
                title=f"More {n}",
                start_time=meeting.start_time,
                zoom_uuid=f"more-{n}==",
            )
            for n in range(19)
        ]
        for n, other in enumerate(more):
            recorded(other, uuid=f"more-{n}==")
    client = world.client(role)

    def queries(ids):
        with CaptureQueriesContext(connection) as seen:
            body = _ask(client, AVAILABILITY, ids=ids)
        assert len(body["data"]["recordingAvailability"]) == len(ids)
        return len(seen)

    assert queries([str(meeting.pk)]) == queries([str(m.pk) for m in [meeting, *more]])
