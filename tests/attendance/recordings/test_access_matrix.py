"""The recordings' access matrix (access_matrix.py) run against every entry point: the GraphQL
fields and mutations, the batch field, the search, and the play and download routes. Each test
is one viewer at one entry point, over the four sessions."""

import copy
import re

import pytest
from django_tenants.utils import schema_context

from attendance.recordings.models import Recording, Summary

from .access_matrix import SESSIONS, VIEWER_FILE_TYPES, VIEWERS, WORDS, build
from .conftest import rest_recording

NOT_FOUND_MEETING = {"message": "No such meeting.", "code": "not_found"}

RECORDINGS = """query($id: ID!) { sessionRecordings(meetingId: $id) {
  id canDelete files { fileType playUrl downloadUrl } } }"""
TRANSCRIPT = """query($id: ID!) { sessionTranscript(meetingId: $id) {
  status cues(first: 5) { text } } }"""
SUMMARY = """query($id: ID!) { sessionSummary(meetingId: $id) { text } }"""
SEARCH = """query($q: String!) { searchTranscripts(query: $q) { total hits { meetingId } } }"""
AVAILABILITY = """query($ids: [ID!]!) { recordingAvailability(meetingIds: $ids) {
  meetingId shared available deleted transcriptStatus hasSummary } }"""
DELETE = """mutation($id: ID!) { deleteRecording(id: $id) { ok errors { message code } } }"""
REWRITE = """mutation($id: ID!) { rewriteSummary(meetingId: $id) { ok errors { message code } } }"""


@pytest.fixture
def matrix(alpha, beta, session):
    # `session` sets up alpha's Zoom account (the matrix's own sessions use it).
    return build(alpha, beta)


@pytest.fixture
def zoom_answers(zoom):
    """Zoom's recordings endpoint for every session (the sample's files and a CHAT file), and
    its delete."""
    body = rest_recording(download_access_token="dl-token")
    chat = copy.deepcopy(body["recording_files"][0])
    chat.update(id="chat-file", file_type="CHAT", file_extension="TXT")
    body["recording_files"].append(chat)
    pattern = re.compile(r"https://zoom\.test/v2/meetings/.+/recordings.*")
    return {
        "get": zoom.get(pattern, json=body),
        "delete": zoom.delete(pattern, status_code=204),
    }


def ask(client, query, **variables):
    response = client.post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    assert response.status_code == 200
    return response.json()


def by_viewer():
    return pytest.mark.parametrize("viewer", VIEWERS, ids=[v.name for v in VIEWERS])


@by_viewer()
def test_session_recordings(matrix, viewer):
    client = matrix.client(viewer)
    for name in SESSIONS:
        level = matrix.level(viewer, name)
        body = ask(client, RECORDINGS, id=str(matrix.meetings[name].pk))
        got = (body.get("data") or {}).get("sessionRecordings")
        if level == "none":
            assert got is None and body["errors"][0]["message"] == "No such meeting.", name
        elif level == "hidden":
            assert got == [], name
        else:
            assert [r["id"] for r in got] == [str(matrix.recordings[name].pk)], name
            assert got[0]["canDelete"] is (level == "manage"), name
            types = {f["fileType"] for f in got[0]["files"]}
            expected = {"MP4", "TRANSCRIPT", "CHAT"}
            assert types == (expected if level == "manage" else expected & VIEWER_FILE_TYPES)


@by_viewer()
def test_session_transcript(matrix, viewer):
    client = matrix.client(viewer)
    for name in SESSIONS:
        level = matrix.level(viewer, name)
        body = ask(client, TRANSCRIPT, id=str(matrix.meetings[name].pk))
        got = (body.get("data") or {}).get("sessionTranscript")
        if level == "none":
            assert got is None and body["errors"][0]["message"] == "No such meeting.", name
        elif level == "hidden":
            assert got is None and "errors" not in body, name
        else:
            assert got["cues"][0]["text"] == f"{WORDS[name]} today", name


@by_viewer()
def test_session_summary(matrix, viewer):
    client = matrix.client(viewer)
    for name in SESSIONS:
        level = matrix.level(viewer, name)
        body = ask(client, SUMMARY, id=str(matrix.meetings[name].pk))
        got = (body.get("data") or {}).get("sessionSummary")
        if level == "none":
            assert got is None and body["errors"][0]["message"] == "No such meeting.", name
        elif level == "hidden":
            assert got is None and "errors" not in body, name
        else:
            assert got == {"text": "A summary."}, name


@by_viewer()
def test_search_hits(matrix, viewer):
    client = matrix.client(viewer)
    for name in SESSIONS:
        level = matrix.level(viewer, name)
        found = ask(client, SEARCH, q=WORDS[name])["data"]["searchTranscripts"]
        hits = [h["meetingId"] for h in found["hits"]]
        if level in ("manage", "read"):
            # its two cues say the word
            assert (found["total"], set(hits)) == (2, {str(matrix.meetings[name].pk)}), name
        else:
            assert (found["total"], hits) == (0, []), name


@by_viewer()
def test_recording_availability(matrix, viewer):
    client = matrix.client(viewer)
    ids = [str(matrix.meetings[name].pk) for name in SESSIONS]

    got = ask(client, AVAILABILITY, ids=ids)["data"]["recordingAvailability"]

    expected = []
    for name in SESSIONS:
        level = matrix.level(viewer, name)
        if level == "none":
            continue
        shared = level in ("manage", "read")
        expected.append(
            {
                "meetingId": str(matrix.meetings[name].pk),
                "shared": shared,
                "available": 1 if shared else 0,
                "deleted": False,
                "transcriptStatus": "ready" if shared else None,
                "hasSummary": shared,
            }
        )
    assert got == expected


@by_viewer()
def test_delete_recording(matrix, zoom_answers, viewer):
    client = matrix.client(viewer)
    for name in SESSIONS:
        level = matrix.level(viewer, name)
        recording = matrix.recordings[name]
        body = ask(client, DELETE, id=str(recording.pk))["data"]["deleteRecording"]
        with schema_context(matrix.world.schema):
            status = Recording.objects.get(pk=recording.pk).status
        if level == "manage":
            assert (body["ok"], status) == (True, "deleted"), name
        else:
            assert body["errors"] == [{"message": "No such recording.", "code": "not_found"}]
            assert status == "available", name
    if all(matrix.level(viewer, name) != "manage" for name in SESSIONS):
        assert not zoom_answers["delete"].called


@by_viewer()
def test_rewrite_summary(matrix, viewer, django_capture_on_commit_callbacks):
    client = matrix.client(viewer)
    for name in SESSIONS:
        level = matrix.level(viewer, name)
        with django_capture_on_commit_callbacks() as sent:
            body = ask(client, REWRITE, id=str(matrix.meetings[name].pk))["data"]
        if level == "manage":
            assert body["rewriteSummary"] == {"ok": True, "errors": []}, name
            assert sent, name
        else:
            assert body["rewriteSummary"]["errors"] == [NOT_FOUND_MEETING], name
            assert not sent, name
    with schema_context(matrix.world.schema):
        assert Summary.objects.count() == len(SESSIONS)


@by_viewer()
@pytest.mark.parametrize("use", ["play", "download"])
def test_play_and_download(matrix, zoom_answers, viewer, use):
    client = matrix.client(viewer)
    for name in SESSIONS:
        level = matrix.level(viewer, name)
        for kind, file in matrix.files[name].items():
            response = client.get(f"/recordings/files/{file.pk}/{use}/")
            if use == "play" and kind != "MP4":
                # only videos and audio are played, whoever asks
                assert response.status_code == 404, (name, kind)
                continue
            gets = level == "manage" or (level == "read" and kind in VIEWER_FILE_TYPES)
            if gets:
                assert response.status_code == 302, (name, kind)
                assert response["Location"].startswith("https://us06web.zoom.us/"), (name, kind)
            elif viewer.who == "beta_admin":
                assert response.status_code in (302, 404), (name, kind)
                assert not response.get("Location", "").startswith("https://"), (name, kind)
            else:
                assert response.status_code == 404, (name, kind)
                assert b'data-test-id="recording-not-found"' in response.content, (name, kind)
    if all(matrix.level(viewer, name) == "none" for name in SESSIONS):
        assert not zoom_answers["get"].called
