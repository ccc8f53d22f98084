"""The sandbox's recordings (zoom_sandbox/recordings.py): the recordings endpoint's download
token (`include_fields=download_access_token`), the download endpoint's token checks, deleting a
recording or one file of it, and the play page's passcode."""

from urllib.parse import quote

import pytest
import requests

from zoom_sandbox.users import DEMO_ACCOUNT_ID

from .test_sandbox import create, played


def _path(uuid: str) -> str:
    return quote(quote(uuid, safe=""), safe="")


@pytest.fixture
def recorded(sandbox, api):
    """A played, recorded class: (its uuid, the recording as the endpoint gives it)."""
    meeting = create(api).json()
    uuid = played(sandbox.state, meeting["id"], record=True)
    recording = api.get(f"{api.base}/meetings/{_path(uuid)}/recordings").json()
    return uuid, recording


def _file(recording, kind):
    return next(f for f in recording["recording_files"] if f["file_type"] == kind)


def test_the_endpoint_gives_a_download_token_only_when_asked(api, recorded):
    uuid, plain = recorded

    asked = api.get(
        f"{api.base}/meetings/{_path(uuid)}/recordings",
        params={"include_fields": "download_access_token"},
    ).json()

    assert "download_access_token" not in plain
    assert asked["download_access_token"]
    assert {k: v for k, v in asked.items() if k != "download_access_token"} == plain


def test_the_download_token_downloads_the_recordings_files_while_it_lives(
    sandbox, api, recorded, clock
):
    # given: a token that lives a minute
    uuid, recording = recorded
    token = api.get(
        f"{api.base}/meetings/{_path(uuid)}/recordings",
        params={"include_fields": "download_access_token", "ttl": "60"},
    ).json()["download_access_token"]
    url = _file(recording, "TRANSCRIPT")["download_url"]

    # when / then: with it, the file; a minute later, nothing
    fresh = requests.get(url, params={"access_token": token})
    clock.advance(61)
    stale = requests.get(url, params={"access_token": token})

    assert fresh.status_code == 200 and fresh.text.startswith("WEBVTT")
    assert stale.status_code == 401


def test_tokens_it_did_not_issue_are_refused(sandbox, api, recorded):
    _, recording = recorded
    url = _file(recording, "MP4")["download_url"]

    assert requests.get(url).status_code == 401
    assert requests.get(url, params={"access_token": "made-up"}).status_code == 401
    assert requests.get(url, headers={"Authorization": "Bearer made-up"}).status_code == 401


def test_a_download_token_opens_its_own_recording_only(sandbox, api, recorded):
    uuid, recording = recorded
    other_uuid = played(sandbox.state, create(api).json()["id"], record=True)
    other = api.get(
        f"{api.base}/meetings/{_path(other_uuid)}/recordings",
        params={"include_fields": "download_access_token"},
    ).json()

    response = requests.get(
        _file(recording, "MP4")["download_url"],
        params={"access_token": other["download_access_token"]},
    )

    assert response.status_code == 401


def test_a_bearer_with_the_recording_scope_and_the_webhooks_token_download(sandbox, api):
    meeting = create(api).json()
    begun = sandbox.state.play_begin(meeting["id"])
    ended = sandbox.state.play_end(
        begun["uuid"],
        start_time="2025-03-03T09:00:00Z",
        end_time="2025-03-03T09:45:00Z",
        participants=[],
        record=True,
    )
    url = _file(ended["recording"], "MP4")["download_url"]
    no_scope = sandbox.state.issue_token(scopes=["meeting:read"])["access_token"]

    with_bearer = api.get(url)
    with_webhook_token = requests.get(url, params={"access_token": ended["download_token"]})
    without_scope = requests.get(url, headers={"Authorization": f"Bearer {no_scope}"})

    assert with_bearer.status_code == 200 and with_bearer.content.startswith(
        b"\x00\x00\x00\x18ftyp"
    )
    assert with_webhook_token.status_code == 200
    assert without_scope.status_code == 400 and without_scope.json()["code"] == 4711


def test_another_accounts_bearer_finds_no_file(sandbox, api, recorded):
    _, recording = recorded
    sandbox.state.add_user(email="t@other.test", account_id="other-account", user_id="u-other")
    sandbox.state.add_client(
        client_id="other-client",
        client_secret="s",
        account_id="other-account",
        default_user="u-other",
    )
    theirs = sandbox.state.issue_token(client_id="other-client")["access_token"]

    response = requests.get(
        _file(recording, "MP4")["download_url"], headers={"Authorization": f"Bearer {theirs}"}
    )

    assert response.status_code == 404 and response.json()["code"] == 3301
    assert DEMO_ACCOUNT_ID != "other-account"


def test_deleting_a_recording_takes_it_and_its_files_away(sandbox, api, recorded):
    uuid, recording = recorded
    url = f"{api.base}/meetings/{_path(uuid)}/recordings"

    deleted = api.delete(url, params={"action": "delete"})
    again = api.delete(url, params={"action": "delete"})

    assert deleted.status_code == 204
    assert api.get(url).json()["code"] == 3301
    assert api.get(_file(recording, "MP4")["download_url"]).status_code == 404
    assert again.status_code == 404 and again.json()["code"] == 3301
    assert not sandbox.state.snapshot()["instances"][0]["recorded"]


def test_deleting_one_file_keeps_the_others(api, recorded):
    uuid, recording = recorded
    url = f"{api.base}/meetings/{_path(uuid)}/recordings"
    mp4 = _file(recording, "MP4")

    response = api.delete(f"{url}/{mp4['id']}", params={"action": "trash"})

    after = api.get(url).json()
    assert response.status_code == 204
    assert [f["file_type"] for f in after["recording_files"]] == ["TRANSCRIPT"]
    assert after["recording_count"] == 1
    assert after["total_size"] == _file(recording, "TRANSCRIPT")["file_size"]
    assert api.get(mp4["download_url"]).status_code == 404


def test_deleting_needs_the_write_scope_and_a_known_action(sandbox, api, recorded):
    uuid, _ = recorded
    url = f"{api.base}/meetings/{_path(uuid)}/recordings"
    read_only = sandbox.state.issue_token(scopes=["recording:read"])["access_token"]

    refused = requests.delete(url, headers={"Authorization": f"Bearer {read_only}"})
    unknown = api.delete(url, params={"action": "shred"})

    assert refused.status_code == 400 and refused.json()["code"] == 4711
    assert unknown.status_code == 400
    assert api.get(url).status_code == 200


def test_the_play_page_plays_with_the_recordings_passcode(sandbox, recorded):
    _, recording = recorded
    play = _file(recording, "MP4")["play_url"]

    with_passcode = requests.get(play, params={"pwd": recording["recording_play_passcode"]})
    without = requests.get(play)
    wrong = requests.get(play, params={"pwd": "guess"})

    assert with_passcode.status_code == 200 and 'data-test-id="playing"' in with_passcode.text
    assert (without.status_code, wrong.status_code) == (403, 403)
