"""As Zoom does, the sandbox sends `meeting.updated` / `meeting.deleted`, signed, to the
account's webhook target when a meeting is changed or deleted through its API, or "in Zoom's
own app" (the control API and `run_zoom_sandbox change|delete`)."""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zoom_sandbox.room import WebhookTarget
from zoom_sandbox.users import DEMO_ACCOUNT_ID

from .conftest import HOST, SECRET
from .test_sandbox import create


@pytest.fixture
def target(sandbox, receiver):
    """The demo account's webhooks go to the receiver (which checks their signatures)."""
    sandbox.state.rooms.target_set(DEMO_ACCOUNT_ID, WebhookTarget(receiver.url, SECRET, HOST))
    return receiver


def weekly(api) -> dict:
    body = {
        "topic": "Physics",
        "type": 8,
        "start_time": "2025-03-03T09:00:00Z",
        "duration": 50,
        "timezone": "UTC",
        "recurrence": {"type": 2, "repeat_interval": 1, "weekly_days": "2", "end_times": 3},
    }
    return create(api, body).json()


def only(receiver) -> dict:
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got["valid"] and got["host"] == HOST
    return got["body"]


def test_changing_a_meeting_through_the_api_sends_meeting_updated(sandbox, api, target):
    meeting = create(
        api, {"topic": "Biology", "type": 2, "start_time": "2025-03-03T09:00:00Z"}
    ).json()
    done = threading.Event()
    sent = sandbox.state.rooms.send
    sandbox.state.rooms.send = lambda *args: (sent(*args), done.set())[0]

    answer = api.patch(
        f"{api.base}/meetings/{meeting['id']}",
        json={"topic": "Biology II", "start_time": "2025-03-03T10:00:00Z"},
    )

    assert answer.status_code == 204
    assert done.wait(10)
    body = only(target)
    payload = body["payload"]
    assert body["event"] == "meeting.updated"
    assert payload["object"]["id"] == meeting["id"]
    assert payload["object"]["topic"] == "Biology II"
    assert payload["object"]["start_time"] == "2025-03-03T10:00:00Z"
    assert payload["old_object"]["topic"] == "Biology"
    assert payload["operator_id"] == meeting["host_id"]
    assert payload["time_stamp"] == body["event_ts"]
    assert "scope" not in payload  # a meeting that does not recur


def test_the_app_change_of_one_occurrence_sends_it_with_scope_single(sandbox, api, target):
    meeting = weekly(api)
    second = meeting["occurrences"][1]

    status = sandbox.state.meeting_change_in_app(
        meeting["id"],
        occurrence_id=second["occurrence_id"],
        start_time="2025-03-11T09:30:00Z",
        duration=40,
    )

    assert status == 200
    payload = only(target)["payload"]
    assert payload["scope"] == "single"
    assert payload["object"]["occurrences"] == [
        {
            "occurrence_id": second["occurrence_id"],
            "start_time": "2025-03-11T09:30:00Z",
            "duration": 40,
        }
    ]
    assert payload["old_object"]["occurrences"][0]["start_time"] == second["start_time"]
    got = api.get(f"{api.base}/meetings/{meeting['id']}").json()
    assert got["occurrences"][1]["start_time"] == "2025-03-11T09:30:00Z"


def test_a_series_wide_change_carries_the_rule_and_every_occurrence(sandbox, api, target):
    meeting = weekly(api)

    sandbox.state.meeting_change_in_app(meeting["id"], start_time="2025-03-03T11:00:00Z")

    payload = only(target)["payload"]
    assert payload["scope"] == "all"
    assert payload["object"]["recurrence"]["end_times"] == 3
    assert [o["start_time"] for o in payload["object"]["occurrences"]] == [
        "2025-03-03T11:00:00Z",
        "2025-03-10T11:00:00Z",
        "2025-03-17T11:00:00Z",
    ]


def test_deleting_sends_meeting_deleted_for_an_occurrence_or_the_meeting(sandbox, api, target):
    meeting = weekly(api)
    first = meeting["occurrences"][0]

    answer = sandbox.state.meeting_delete_in_app(
        meeting["id"], occurrence_id=first["occurrence_id"]
    )
    sandbox.state.meeting_delete_in_app(meeting["id"])

    assert answer == 200
    one, whole = (r["body"]["payload"] for r in target.received)
    assert (one["operation"], whole["operation"]) == ("single", "all")
    assert one["object"]["occurrences"] == [
        {"occurrence_id": first["occurrence_id"], "start_time": first["start_time"]}
    ]
    assert whole["object"]["id"] == meeting["id"] and "occurrences" not in whole["object"]
    assert api.get(f"{api.base}/meetings/{meeting['id']}").status_code == 404


def test_the_change_and_delete_commands(sandbox, api, target):
    meeting = create(
        api, {"topic": "Biology", "type": 2, "start_time": "2025-03-03T09:00:00Z"}
    ).json()
    out = StringIO()

    call_command(
        "run_zoom_sandbox",
        "change",
        "--sandbox",
        sandbox.url,
        "--meeting",
        str(meeting["id"]),
        "--start",
        "2025-03-04T08:00:00+00:00",
        "--duration",
        "30",
        "--topic",
        "Moved",
        stdout=out,
    )
    call_command(
        "run_zoom_sandbox",
        "delete",
        "--sandbox",
        sandbox.url,
        "--meeting",
        str(meeting["id"]),
        stdout=out,
    )

    events = [r["body"]["event"] for r in target.received]
    assert events == ["meeting.updated", "meeting.deleted"]
    changed = target.received[0]["body"]["payload"]["object"]
    assert (changed["start_time"], changed["duration"], changed["topic"]) == (
        "2025-03-04T08:00:00Z",
        30,
        "Moved",
    )
    assert "the school answered 200" in out.getvalue()


def test_the_commands_say_what_is_wrong(sandbox):
    with pytest.raises(CommandError, match="--start, --duration or --topic"):
        call_command("run_zoom_sandbox", "change", "--sandbox", sandbox.url, "--meeting", "1")
    with pytest.raises(CommandError, match="refused: 404"):
        call_command("run_zoom_sandbox", "delete", "--sandbox", sandbox.url, "--meeting", "1")
