"""The class player: signed webhooks to a local receiver, Zoom's quirks on demand, and the
played attendance as the sandbox's past-meeting and report data."""

import json
from collections import Counter
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.core.management import call_command

from zoom_sandbox.player import ClassPlayer, PlayerError, Quirks, Student

from .conftest import HOST, SECRET, Receiver, player_for

__all__ = ["HOST", "SECRET", "Receiver", "player_for"]  # other modules' webhook receiver

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "zoom" / "webhooks"
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC).timestamp()
PARTICIPANT_EVENTS = ("meeting.participant_joined", "meeting.participant_left")


@pytest.fixture
def meeting(sandbox, token):
    """A 45-minute class with registration and eight registered students."""
    state = sandbox.state
    caller = state.bearer(f"Bearer {token}")
    created = state.meeting_create(
        caller,
        "me",
        {
            "topic": "Demo class",
            "type": 2,
            "start_time": "2025-03-03T09:00:00Z",
            "duration": 45,
            "settings": {"approval_type": 0},
        },
    )
    for number in range(1, 9):
        state.registrant_add(
            caller,
            created["id"],
            {"email": f"student{number:02d}@demo.test", "first_name": f"Student {number:02d}"},
        )
    return created


def registrant_state(participant: dict) -> object:
    if "registrant_id" not in participant:
        return "absent"
    value = participant["registrant_id"]
    return "real" if value else value


def participant_bodies(bodies):
    return [b for b in bodies if b["event"] in PARTICIPANT_EVENTS]


# --- signing, host, pacing -------------------------------------------------------------------


def test_every_webhook_is_signed_and_sent_with_the_tenant_host(
    sandbox, meeting, receiver, fake_time
):
    summary = player_for(sandbox.state, receiver, fake_time).play(meeting["id"], seed=1)

    assert summary.ok
    assert summary.events_sent == len(receiver.received) > 10
    assert summary.statuses == {200: summary.events_sent}
    assert all(r["valid"] for r in receiver.received)
    assert {r["host"] for r in receiver.received} == {HOST}


def test_a_wrong_secret_fails_verification(sandbox, meeting, receiver, fake_time):
    summary = player_for(sandbox.state, receiver, fake_time, secret="wrong").play(
        meeting["id"], seed=1, retries=0
    )

    assert not summary.ok
    assert summary.statuses == {401: summary.events_sent}
    assert not any(r["valid"] for r in receiver.received)


def test_class_time_is_realistic_while_delivery_is_compressed(
    sandbox, meeting, receiver, fake_time
):
    summary = player_for(sandbox.state, receiver, fake_time).play(meeting["id"], seed=2, speed=60)

    stamps = [b["event_ts"] for b in receiver.bodies]
    assert max(stamps) - min(stamps) == 45 * 60 * 1000  # class time: 45 minutes
    assert sum(fake_time.sleeps) == pytest.approx(45, abs=1)  # wall time: 45 s at 60x
    headers = [int(r["timestamp"]) for r in receiver.received]
    assert max(headers) - min(headers) == pytest.approx(45, abs=1)
    assert summary.start_time == "2025-03-03T09:00:00Z"
    assert summary.end_time == "2025-03-03T09:45:00Z"


def test_speed_none_does_not_sleep(sandbox, meeting, receiver, fake_time):
    player_for(sandbox.state, receiver, fake_time).play(meeting["id"], seed=2, speed=None)

    assert fake_time.sleeps == []


# --- the script and its quirks ---------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_messy_delivery_reproduces_zoom_quirks(sandbox, meeting, receiver, fake_time, seed):
    summary = player_for(sandbox.state, receiver, fake_time).play(
        meeting["id"], seed=seed, quirks=True
    )
    bodies = receiver.bodies
    events = [b["event"] for b in bodies]
    participants = [b["payload"]["object"]["participant"] for b in participant_bodies(bodies)]

    assert summary.ok
    # duplicate deliveries: the very same body twice
    assert max(Counter(r["raw"] for r in receiver.received).values()) >= 2
    # a participant_left after meeting.ended
    assert "meeting.participant_left" in events[events.index("meeting.ended") + 1 :]
    # object.id as a string in some events and a number in others
    assert {type(b["payload"]["object"]["id"]) for b in bodies} == {int, str}
    # registrant_id real for registrants, and absent/null/"" otherwise
    variants = {registrant_state(p) for p in participants}
    assert "real" in variants and len(variants) >= 3
    # participant_uuid only in some payloads
    assert {"participant_uuid" in p for p in participants} == {True, False}
    # the same participant.user_id for two different people
    names_by_user_id = {}
    for p in participants:
        names_by_user_id.setdefault(p["user_id"], set()).add(p["user_name"])
    assert max(len(names) for names in names_by_user_id.values()) >= 2
    # out-of-order deliveries are flagged in the summary
    assert any("out_of_order" in d.flags for d in summary.deliveries)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clean_delivery_has_none_of_the_quirks(sandbox, meeting, receiver, fake_time, seed):
    summary = player_for(sandbox.state, receiver, fake_time).play(
        meeting["id"], seed=seed, quirks=False
    )
    bodies = receiver.bodies
    participants = [b["payload"]["object"]["participant"] for b in participant_bodies(bodies)]

    assert max(Counter(r["raw"] for r in receiver.received).values()) == 1
    assert bodies[0]["event"] == "meeting.started"
    assert bodies[-1]["event"] == "meeting.ended"
    assert {type(b["payload"]["object"]["id"]) for b in bodies} == {int}
    assert all("participant_uuid" in p for p in participants)
    assert {registrant_state(p) for p in participants} == {"real", "absent"}
    stamps = [b["event_ts"] for b in bodies]
    assert stamps == sorted(stamps)
    join_ids = [p["user_id"] for p in participants if "join_time" in p]
    assert len(join_ids) == len(set(join_ids))
    assert not any(d.flags for d in summary.deliveries)


def test_the_class_has_a_host_a_guest_leavers_and_rejoiners(sandbox, meeting, receiver, fake_time):
    summary = player_for(sandbox.state, receiver, fake_time).play(meeting["id"], seed=4)
    bodies = receiver.bodies
    joins = Counter(
        b["payload"]["object"]["participant"]["user_name"]
        for b in bodies
        if b["event"] == "meeting.participant_joined"
    )
    first_join = next(b for b in bodies if b["event"] == "meeting.participant_joined")
    guest = [
        b["payload"]["object"]["participant"]
        for b in participant_bodies(bodies)
        if b["payload"]["object"]["participant"]["user_name"] == "Guest visitor"
    ]

    sample = json.loads((FIXTURES / "participant_joined__Jericho-ZoomNet.json").read_text())
    sample_keys = set(sample["payload"]["object"]["participant"])
    joined_keys = set(first_join["payload"]["object"]["participant"])
    assert {"user_id", "user_name", "id", "participant_uuid", "join_time", "email"} <= joined_keys
    assert joined_keys <= sample_keys
    assert first_join["payload"]["object"]["participant"]["id"] == meeting["host_id"]
    assert max(joins.values()) == 2  # somebody left and came back
    assert guest and {p["email"] for p in guest} == {""}
    assert len(joins) == 1 + 8 + 1  # host, the registrants, the guest
    assert len(summary.participants) == sum(joins.values())
    for body in bodies:
        payload = body["payload"]
        assert payload["account_id"] == "demo-account"
        assert {"id", "uuid", "host_id", "topic", "type", "start_time", "timezone"} <= set(
            payload["object"]
        )
        assert payload["object"]["uuid"] == summary.uuid


def test_webhooks_and_ground_truth_describe_the_same_segments(
    sandbox, meeting, receiver, fake_time
):
    summary = player_for(sandbox.state, receiver, fake_time).play(meeting["id"], seed=5)

    opened, segments = {}, set()
    for body in participant_bodies(receiver.bodies):
        p = body["payload"]["object"]["participant"]
        key = (p["participant_uuid"], p["user_id"])
        if "join_time" in p:
            opened[key] = p["join_time"]
        else:
            segments.add((p["user_name"], p["email"], opened.pop(key), p["leave_time"]))

    truth = {
        (r["name"], r["user_email"], r["join_time"], r["leave_time"]) for r in summary.participants
    }
    assert not opened
    assert segments == truth


def test_participants_chooses_who_attends(sandbox, meeting, receiver, fake_time):
    summary = player_for(sandbox.state, receiver, fake_time).play(
        meeting["id"], seed=6, participants=5, guest=False
    )

    people = {r["name"] for r in summary.participants}
    assert len(people) == 1 + 5  # the host and five of the eight registrants
    assert all(r.get("registrant_id") for r in summary.participants if not r["internal_user"])


def test_given_students_are_used_as_name_email_registrant_triples(
    sandbox, meeting, receiver, fake_time
):
    students = [("Ada L", "ada@demo.test", "reg-ada"), Student("Bo M", "bo@demo.test")]

    summary = player_for(sandbox.state, receiver, fake_time).play(
        meeting["id"], seed=7, students=students, guest=False
    )

    rows = {r["user_email"]: r for r in summary.participants}
    assert set(rows) == {"teacher1@demo.test", "ada@demo.test", "bo@demo.test"}
    assert rows["ada@demo.test"]["registrant_id"] == "reg-ada"
    assert "registrant_id" not in rows["bo@demo.test"]


# --- the sandbox's side ----------------------------------------------------------------------


def test_past_participants_and_report_return_the_played_segments(
    sandbox, meeting, token, receiver, fake_time
):
    summary = player_for(sandbox.state, receiver, fake_time).play(
        meeting["id"], seed=8, quirks=True
    )
    encoded = quote(quote(summary.uuid, safe=""), safe="")
    headers = {"Authorization": f"Bearer {token}"}

    def all_rows(path):
        rows, page_token = [], ""
        while True:
            page = requests.get(
                f"{sandbox.url}/v2/{path}",
                params={"page_size": 5, "next_page_token": page_token},
                headers=headers,
            ).json()
            rows += page["participants"]
            page_token = page["next_page_token"]
            if not page_token:
                return rows

    past = all_rows(f"past_meetings/{encoded}/participants")
    report = all_rows(f"report/meetings/{encoded}/participants")

    def key(row):
        return (
            row["name"],
            row["user_email"],
            row.get("registrant_id", ""),
            row["join_time"],
            row["leave_time"],
            row["duration"],
        )

    truth = sorted(key(r) for r in summary.participants)
    assert sorted(key(r) for r in past) == truth
    assert sorted(key(r) for r in report) == truth
    registrants = {
        r["email"]: r["id"] for r in sandbox.state.snapshot()["registrants"][str(meeting["id"])]
    }
    by_email = {r["user_email"]: r.get("registrant_id") for r in past}
    assert all(by_email[email] == rid for email, rid in registrants.items() if email in by_email)
    assert "" in by_email  # the guest
    # by meeting id, the latest instance is meant
    latest = requests.get(
        f"{sandbox.url}/v2/past_meetings/{meeting['id']}/participants", headers=headers
    ).json()
    assert latest["total_records"] == len(summary.participants)


def test_a_second_class_of_the_meeting_is_a_new_instance(sandbox, meeting, receiver, fake_time):
    player = player_for(sandbox.state, receiver, fake_time)

    first = player.play(meeting["id"], seed=1)
    second = player.play(meeting["id"], seed=2)

    assert first.uuid == meeting["uuid"]
    assert second.uuid != first.uuid
    assert [i["uuid"] for i in sandbox.state.snapshot()["instances"]] == [first.uuid, second.uuid]


def test_recording_completed_comes_after_the_class_and_the_recording_is_served(
    sandbox, meeting, token, receiver, fake_time
):
    summary = player_for(sandbox.state, receiver, fake_time).play(
        meeting["id"], seed=9, record=True
    )
    *_, last, transcript = (
        receiver.bodies
    )  # the transcript's event: tests/zoom_sandbox/test_transcripts.py
    assert transcript["event"] == "recording.transcript_completed"

    assert last["event"] == "recording.completed"
    assert last["download_token"]
    files = {f["file_type"] for f in last["payload"]["object"]["recording_files"]}
    assert files == {"MP4", "TRANSCRIPT"}
    recording = requests.get(
        f"{sandbox.url}/v2/meetings/{quote(quote(summary.uuid, safe=''), safe='')}/recordings",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert recording == last["payload"]["object"]


def test_5xx_answers_are_retried_like_zoom(sandbox, meeting, receiver, fake_time):
    receiver.fail["meeting.started"] = 1

    summary = player_for(sandbox.state, receiver, fake_time).play(meeting["id"], seed=10, speed=60)

    started = summary.deliveries[0]
    assert (started.event, started.status, started.attempts) == ("meeting.started", 200, 2)
    assert 300 / 60 in fake_time.sleeps  # Zoom's first retry after 5 minutes, compressed
    assert summary.ok


def test_an_unreachable_endpoint_is_reported_not_raised(sandbox, meeting, fake_time):
    player = ClassPlayer(
        sandbox.state,
        "http://127.0.0.1:9/webhooks/zoom/",
        SECRET,
        clock=fake_time,
        sleep=fake_time.sleep,
    )

    summary = player.play(meeting["id"], seed=1, retries=0)

    assert not summary.ok
    assert summary.statuses == {None: summary.events_sent}
    assert summary.deliveries[0].error


def test_validate_endpoint(receiver, fake_time, sandbox):
    assert player_for(sandbox.state, receiver, fake_time).validate_endpoint()
    assert not player_for(sandbox.state, receiver, fake_time, secret="wrong").validate_endpoint()


def test_playing_an_unknown_meeting_fails(sandbox, receiver, fake_time):
    with pytest.raises(PlayerError):
        player_for(sandbox.state, receiver, fake_time).play(12345)


# --- over HTTP and from the command line -----------------------------------------------------


def test_the_player_drives_a_running_sandbox_over_http(sandbox, meeting, receiver, fake_time):
    summary = player_for(sandbox.url, receiver, fake_time).play(
        meeting["id"], seed=11, quirks=Quirks(duplicates=True)
    )

    assert summary.ok
    instances = sandbox.state.snapshot()["instances"]
    assert instances[0]["uuid"] == summary.uuid
    assert instances[0]["participants"] == len(summary.participants)
    assert any("duplicate" in d.flags for d in summary.deliveries)
    assert not any("late" in d.flags for d in summary.deliveries)


def test_the_play_command(sandbox, meeting, receiver):
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
        "--participants",
        "6",
        "--speed",
        "0",
        "--messy",
        "--seed",
        "3",
        "--json",
        stdout=out,
    )

    result = json.loads(out.getvalue())
    assert result["ok"] and result["statuses"] == {"200": result["events_sent"]}
    assert result["people"] == 1 + 6 + 1
    assert all(r["valid"] and r["host"] == HOST for r in receiver.received)
    assert len(receiver.received) == result["events_sent"]
