"""`/recordings/files/<id>/play/` and `/download/`: signed in, through the policy for every role
of the matrix, then a fresh link from Zoom as a 302 (a new token each time, stored nowhere),
audited; Zoom's failures and missing files as clear pages."""

import logging

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from attendance.recordings.models import Recording, RecordingFile
from meetings.models import Meeting
from tenants.audit.models import AuditEntry

from .conftest import MP4_ID, RECORDINGS_URL, recorded, rest_recording

PASSCODE = "yNYIS408EJygs7rE5vVsJwXIz4-VW7MH"  # the sample's recording_play_passcode
DOWNLOAD = "https://us06web.zoom.us/recording/download/Qg75t7xZBtEbAkjdlgbfdngCCCC"
PLAY = "https://us06web.zoom.us/recording/play/Qg75t7xZBtEbAkjdlgbfdngCCCC"


@pytest.fixture
def mp4(session):
    """The session's recording, and its MP4 file (Zoom's id for it is the sample's)."""
    world, meeting = session
    with schema_context(world.schema):
        recording = recorded(meeting)
        return RecordingFile.objects.get(recording=recording, zoom_file_id=MP4_ID)


@pytest.fixture
def zoom_links(zoom):
    """Zoom's recordings endpoint, a new download token each time it is asked."""
    answers = [{"json": rest_recording(download_access_token=f"dl-token-{n}")} for n in range(1, 6)]
    return zoom.get(RECORDINGS_URL, answers)


# Who gets which file of which session: access_matrix.py, test_access_matrix.py.


def test_another_schools_admin_gets_nothing(session, beta, mp4, zoom_links):
    # on their own host, the id is not one of theirs
    theirs = beta.client("admin").get(f"/recordings/files/{mp4.pk}/download/")
    # on this school's host, their session is not one of this school's
    cookie = beta.client("admin")
    cookie.defaults["HTTP_HOST"] = session[0].host
    here = cookie.get(f"/recordings/files/{mp4.pk}/download/")

    assert theirs.status_code == 404
    assert here.status_code == 302 and here["Location"].startswith("/accounts/login/")
    assert not zoom_links.called


def test_signing_in_comes_first(session, mp4, zoom_links):
    response = session[0].client().get(f"/recordings/files/{mp4.pk}/play/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/recordings/files/{mp4.pk}/play/"
    assert not zoom_links.called


def test_each_download_gets_a_fresh_token_that_is_stored_nowhere(session, mp4, zoom_links):
    world, meeting = session
    client = world.client("teacher")

    first = client.get(f"/recordings/files/{mp4.pk}/download/")["Location"]
    second = client.get(f"/recordings/files/{mp4.pk}/download/")["Location"]

    assert first.endswith("access_token=dl-token-1")
    assert second.endswith("access_token=dl-token-2")
    assert zoom_links.call_count == 2
    with schema_context(world.schema):
        stored = [
            (f.play_url, f.download_url)
            for f in RecordingFile.objects.filter(recording__meeting=meeting)
        ]
        with connection.cursor() as cursor:
            cursor.execute("SELECT details::text FROM audit_auditentry")
            audit = " ".join(row[0] for row in cursor.fetchall())
    assert not [link for pair in stored for link in pair if "dl-token" in link or "pwd=" in link]
    assert "dl-token" not in audit and PASSCODE not in audit


def test_each_opening_is_audited_with_the_file_and_the_session(session, mp4, zoom_links):
    world, meeting = session
    client = world.client("admin")

    client.get(f"/recordings/files/{mp4.pk}/play/")
    client.get(f"/recordings/files/{mp4.pk}/download/")

    with schema_context(world.schema):
        entries = list(AuditEntry.objects.filter(action__startswith="recording.").order_by("pk"))
    assert [e.action for e in entries] == ["recording.played", "recording.downloaded"]
    assert {(e.target_type, e.target_id, e.actor_id) for e in entries} == {
        ("attendance.recordingfile", str(mp4.pk), world.users["admin"].pk)
    }
    assert entries[0].details == {
        "meeting": meeting.pk,
        "recording": mp4.recording_id,
        "file_type": "MP4",
    }


def test_a_file_of_a_deleted_recording_is_not_found(session, mp4, zoom_links):
    world, _ = session
    with schema_context(world.schema):
        Recording.objects.filter(pk=mp4.recording_id).update(status=Recording.Status.DELETED)

    response = world.client("admin").get(f"/recordings/files/{mp4.pk}/download/")

    assert response.status_code == 404
    assert not zoom_links.called


def test_a_file_that_is_not_a_video_or_audio_is_not_played(session, mp4, zoom_links):
    world, _ = session
    with schema_context(world.schema):
        transcript = RecordingFile.objects.get(recording=mp4.recording_id, file_type="TRANSCRIPT")

    response = world.client("admin").get(f"/recordings/files/{transcript.pk}/play/")

    assert response.status_code == 404
    assert b'data-test-id="recording-not-playable"' in response.content
    assert not zoom_links.called


@pytest.mark.parametrize(
    "answer",
    [
        {"status_code": 404, "json": {"code": 3301, "message": "This recording does not exist."}},
        {"json": rest_recording(download_access_token="t", recording_files=[])},
    ],
    ids=["no-recording", "file-not-listed"],
)
def test_a_file_zoom_no_longer_has_says_so(session, mp4, zoom, answer):
    world, _ = session
    zoom.get(RECORDINGS_URL, **answer)

    response = world.client("teacher").get(f"/recordings/files/{mp4.pk}/download/")

    assert response.status_code == 404
    assert b'data-test-id="recording-gone"' in response.content
    assert response["Cache-Control"] == "no-store"


def test_a_zoom_failure_is_a_clear_page_and_a_log_line_to_act_on(session, mp4, zoom, caplog):
    world, meeting = session
    zoom.get(
        RECORDINGS_URL,
        status_code=400,
        json={"code": 300, "message": "Something Zoom did not like."},
    )

    with caplog.at_level(logging.WARNING, logger="attendance.recordings.views"):
        response = world.client("teacher").get(f"/recordings/files/{mp4.pk}/download/")

    assert response.status_code == 502
    assert b'data-test-id="recording-zoom-failed"' in response.content
    assert response["Cache-Control"] == "no-store"
    [line] = [r.getMessage() for r in caplog.records if r.name == "attendance.recordings.views"]
    assert f"recording file {mp4.pk} (download, MP4) of meeting {meeting.pk}" in line
    assert "'4444AAAiAAAAAiAiAiiAii=='" in line
    assert "ProviderValidationError" in line and "HTTP status 400, Zoom code 300" in line
    with schema_context(world.schema):
        assert not AuditEntry.objects.filter(action="recording.downloaded").exists()


def test_a_class_on_a_zoom_no_longer_connected_says_so(session, mp4, zoom):
    world, meeting = session
    with schema_context(world.schema):
        Meeting.objects.filter(pk=meeting.pk).update(zoom_account=Meeting.Account.USER)

    response = world.client("admin").get(f"/recordings/files/{mp4.pk}/play/")

    assert response.status_code == 502
    assert b'data-test-id="recording-not-connected"' in response.content
    assert not zoom.request_history


def test_the_page_is_in_the_persons_language(session, mp4, zoom):
    world, meeting = session
    zoom.get(RECORDINGS_URL, status_code=404, json={"code": 3301, "message": "No."})
    with schema_context(world.schema):
        world.users["teacher"].__class__.objects.filter(pk=world.users["teacher"].pk).update(
            language="bn"
        )

    response = world.client("teacher").get(f"/recordings/files/{mp4.pk}/download/")

    assert response.status_code == 404
    assert "এই রেকর্ডিংটি আর Zoom-এ নেই" in response.content.decode()


def test_a_person_opening_files_too_often_is_paused_and_others_are_not(
    session, mp4, zoom, monkeypatch
):
    # given: Zoom answers every time; the throttle's clock is the test's
    from tenants.accounts import throttle

    now = [1_000_000.0]
    monkeypatch.setattr(throttle, "test_clock", lambda: now[0])
    calls = zoom.get(RECORDINGS_URL, json=rest_recording(download_access_token="dl-token"))
    world, _ = session
    teacher, admin = world.client("teacher"), world.client("admin")
    path = f"/recordings/files/{mp4.pk}/download/"

    # when: thirty openings in a minute, then one more
    answers = [teacher.get(path).status_code for _ in range(30)]
    paused = teacher.get(path)

    # then: the thirty-first waits, without a call to Zoom; someone else is not held up
    assert answers == [302] * 30
    assert paused.status_code == 429 and paused["Cache-Control"] == "no-store"
    assert "Wait a minute" in paused.content.decode()
    assert calls.call_count == 30
    assert admin.get(path).status_code == 302
    # and a minute later the teacher may open files again
    now[0] += 61
    assert teacher.get(path).status_code == 302
