"""A recorded class ends, as at Zoom, with recording.completed and then
recording.transcript_completed, whose transcript the sandbox serves: the built-in lines (with
an action item and Bengali), or a WebVTT file given to `play --transcript`, checked before
anything is sent."""

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError

from zoom_sandbox.player import PlayerError

from .conftest import HOST, SECRET, player_for

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC).timestamp()  # the sandbox's clock: at the class


@pytest.fixture
def meeting(sandbox, token):
    """A 45-minute class with four registered students."""
    caller = sandbox.state.bearer(f"Bearer {token}")
    created = sandbox.state.meeting_create(
        caller,
        "me",
        {
            "topic": "Fractions",
            "type": 2,
            "start_time": "2025-03-03T09:00:00Z",
            "duration": 45,
            "settings": {"approval_type": 0},
        },
    )
    for number in range(1, 5):
        sandbox.state.registrant_add(
            caller,
            created["id"],
            {"email": f"student{number:02d}@demo.test", "first_name": f"Student {number:02d}"},
        )
    return created


GIVEN = """WEBVTT

1
00:00:02.000 --> 00:00:05.000
Ms Rahman: আজকের বিষয় সালোকসংশ্লেষণ।

2
00:00:06.000 --> 00:00:09.500
Ms Rahman: Please read chapter 4 before Monday.
"""


def _download(sandbox, token, body) -> str:
    (transcript,) = [
        f for f in body["payload"]["object"]["recording_files"] if f["file_type"] == "TRANSCRIPT"
    ]
    answer = requests.get(
        transcript["download_url"], headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert answer.status_code == 200
    return answer.content.decode()


def test_a_recorded_class_ends_with_its_transcript_in_zooms_shape(
    sandbox, meeting, token, receiver, fake_time
):
    # when
    summary = player_for(sandbox.state, receiver, fake_time).play(
        meeting["id"], seed=9, record=True
    )

    # then: recording.completed, then recording.transcript_completed, a few minutes apart
    *_, recording, transcript = receiver.bodies
    assert [recording["event"], transcript["event"]] == [
        "recording.completed",
        "recording.transcript_completed",
    ]
    assert transcript["event_ts"] - recording["event_ts"] == 180_000
    assert transcript["download_token"] == recording["download_token"]
    # the recording's object, with only its transcript file listed (as Zoom documents it)
    listed = recording["payload"]["object"]
    shown = transcript["payload"]["object"]
    (file,) = shown["recording_files"]
    assert file == next(f for f in listed["recording_files"] if f["file_type"] == "TRANSCRIPT")
    assert (file["file_extension"], file["recording_type"], file["status"]) == (
        "VTT",
        "audio_transcript",
        "completed",
    )
    assert (shown["recording_count"], shown["total_size"]) == (1, file["file_size"])
    counted = ("recording_files", "recording_count", "total_size")
    assert {k: v for k, v in shown.items() if k not in counted} == {
        k: v for k, v in listed.items() if k not in counted
    }
    assert transcript["payload"]["account_id"] == "demo-account"
    assert summary.ok and summary.recording is not None
    # and the built-in transcript has the class's people, an action item and Bengali
    vtt = _download(sandbox, token, transcript)
    assert vtt.startswith("WEBVTT\n")
    assert "Please finish exercise 3 by Friday." in vtt
    assert "আজ আমরা ভগ্নাংশ নিয়ে কাজ করব" in vtt
    speakers = {
        line.split(":")[0] for line in vtt.splitlines() if ": " in line and "-->" not in line
    }
    played = {row["name"] for row in summary.participants}
    assert len(speakers) >= 3 and speakers <= played
    assert vtt.count(" --> ") >= 12


def test_a_given_webvtt_file_is_the_recordings_transcript(
    sandbox, meeting, token, receiver, fake_time
):
    player_for(sandbox.state, receiver, fake_time).play(
        meeting["id"], seed=3, record=True, transcript_vtt=GIVEN
    )

    transcript = receiver.bodies[-1]
    assert transcript["event"] == "recording.transcript_completed"
    assert _download(sandbox, token, transcript) == GIVEN


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1\n00:00:01,000 --> 00:00:02,000\nAn SRT file\n", "WEBVTT header"),
        ("WEBVTT\n\nNOTE only a note\n", "has no cue"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n", "has no cue"),
    ],
)
def test_a_transcript_that_is_not_webvtt_is_refused_before_anything_is_sent(
    sandbox, meeting, receiver, fake_time, text, why
):
    with pytest.raises(PlayerError, match=why):
        player_for(sandbox.state, receiver, fake_time).play(
            meeting["id"], record=True, transcript_vtt=text
        )

    assert receiver.received == []
    assert sandbox.state.snapshot()["instances"] == []


def test_a_transcript_needs_a_recording(sandbox, meeting, receiver, fake_time):
    with pytest.raises(PlayerError, match="needs a recording"):
        player_for(sandbox.state, receiver, fake_time).play(meeting["id"], transcript_vtt=GIVEN)

    assert receiver.received == []


# --- the command ------------------------------------------------------------------------------


def _play(sandbox, meeting, receiver, *extra: str) -> dict:
    out = StringIO()
    call_command(
        "run_zoom_sandbox",
        "play",
        "--sandbox",
        sandbox.url,
        "--meeting",
        str(meeting["id"]),
        "--webhook",
        receiver.url,
        "--host",
        HOST,
        "--secret",
        SECRET,
        "--speed",
        "0",
        "--seed",
        "4",
        "--json",
        *extra,
        stdout=out,
    )
    return json.loads(out.getvalue())


def _events(receiver) -> list[str]:
    return [body["event"] for body in receiver.bodies]


def test_the_play_command_records_by_default(sandbox, meeting, receiver):
    result = _play(sandbox, meeting, receiver)

    assert result["recorded"] and result["ok"]
    assert _events(receiver)[-2:] == ["recording.completed", "recording.transcript_completed"]


def test_the_play_command_still_takes_record_and_can_leave_it_out(sandbox, meeting, receiver):
    assert _play(sandbox, meeting, receiver, "--record")["recorded"]
    count = len(receiver.received)

    result = _play(sandbox, meeting, receiver, "--no-record")

    assert not result["recorded"]
    later = _events(receiver)[count:]
    assert later[-1] == "meeting.ended" and not any(e.startswith("recording.") for e in later)


def test_the_play_command_plays_a_given_transcript(sandbox, meeting, token, receiver, tmp_path):
    path = tmp_path / "class.vtt"
    path.write_bytes(("\ufeff" + GIVEN.replace("\n", "\r\n")).encode())

    _play(sandbox, meeting, receiver, "--transcript", str(path))

    served = _download(sandbox, token, receiver.bodies[-1])
    assert served.replace("\r\n", "\n") == GIVEN


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (b"1\n00:00:01,000 --> 00:00:02,000\nsubtitles\n", (), "is not a WebVTT transcript"),
        (b"\x89PNG\r\n\x1a\n", (), "not UTF-8"),
        (GIVEN.encode(), ("--no-record",), "needs a recording"),
    ],
    ids=["srt", "binary", "no-record"],
)
def test_the_play_command_refuses_a_transcript_it_cannot_play(
    sandbox, meeting, receiver, tmp_path, content, extra, message
):
    path = tmp_path / "class.vtt"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=message):
        _play(sandbox, meeting, receiver, "--transcript", str(path), *extra)

    assert receiver.received == []
    assert sandbox.state.snapshot()["instances"] == []


def test_the_play_command_says_when_the_transcript_file_is_missing(
    sandbox, meeting, receiver, tmp_path
):
    with pytest.raises(CommandError, match="cannot read the transcript"):
        _play(sandbox, meeting, receiver, "--transcript", str(tmp_path / "absent.vtt"))
    assert receiver.received == []


# --- the live room ----------------------------------------------------------------------------


def test_a_class_ended_in_the_room_is_recorded_with_a_transcript_of_who_was_there(sandbox):
    from zoom_sandbox.room import WebhookTarget
    from zoom_sandbox.users import DEMO_ACCOUNT_ID

    from .test_sandbox import registration_meeting

    # given: the room's webhooks caught; a class with two registrants
    sent = []
    sandbox.state.rooms.send = lambda target, body, now: sent.append(body)
    sandbox.state.rooms.target_set(DEMO_ACCOUNT_ID, WebhookTarget("http://school.invalid/", "s"))
    api = requests.Session()
    token = sandbox.state.issue_token()["access_token"]
    api.headers["Authorization"] = f"Bearer {token}"
    api.base = sandbox.url + "/v2"
    meeting = registration_meeting(api)
    people = [
        api.post(
            f"{api.base}/meetings/{meeting['id']}/registrants",
            json={"email": f"{first.lower()}@demo.test", "first_name": first, "last_name": "B"},
        ).json()
        for first in ("Ann", "Rahim")
    ]

    # when: the host starts, both join, the host ends it
    requests.post(meeting["start_url"], data={"action": "start"})
    for person in people:
        requests.post(person["join_url"], data={"action": "join"})
    requests.post(meeting["start_url"], data={"action": "end"})

    # then: after meeting.ended, the recording and its transcript
    events = [body["event"] for body in sent]
    assert events[-3:] == ["meeting.ended", "recording.completed", "recording.transcript_completed"]
    (file,) = sent[-1]["payload"]["object"]["recording_files"]
    assert file["file_type"] == "TRANSCRIPT"
    vtt = requests.get(
        file["download_url"], headers={"Authorization": f"Bearer {token}"}, timeout=5
    ).content.decode()
    host = sent[1]["payload"]["object"]["participant"]["user_name"]
    speakers = {line.split(": ")[0] for line in vtt.splitlines() if ": " in line}
    assert speakers == {host, "Ann B", "Rahim B"}
    assert "Please finish exercise 3 by Friday." in vtt
