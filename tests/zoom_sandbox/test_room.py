"""The sandbox's room: a host starts from the start link, a registrant joins from their
personal link and leaves, the host ends it; each step sends the signed webhook Zoom would send
to the account's target, and the end leaves the attendance for the report endpoints."""

import json

import pytest
import requests

from zoom_sandbox.common import sign
from zoom_sandbox.room import WebhookTarget
from zoom_sandbox.users import DEMO_ACCOUNT_ID

from .test_sandbox import registration_meeting

TARGET = WebhookTarget("http://school.invalid/webhooks/zoom/", "room-secret", "demo.localhost")


@pytest.fixture
def sent(sandbox):
    """The webhooks the room sends, checked for Zoom's signature as the platform would."""
    bodies = []

    def send(target, body, now):
        raw = json.dumps(body, separators=(",", ":")).encode()
        assert sign(target.secret, str(int(now)), raw).startswith("v0=")
        bodies.append((target, body))

    sandbox.state.rooms.send = send
    sandbox.state.rooms.target_set(DEMO_ACCOUNT_ID, TARGET)
    return bodies


def _events(sent):
    return [body["event"] for _, body in sent]


def _links(api):
    meeting = registration_meeting(api)
    start_url = meeting["start_url"]
    url = f"{api.base}/meetings/{meeting['id']}/registrants"
    ann = api.post(url, json={"email": "ann@demo.test", "first_name": "Ann", "last_name": "A"})
    return meeting, start_url, ann.json()


def test_a_registrant_waits_until_the_host_starts(sandbox, api, sent):
    _, _, ann = _links(api)
    page = requests.get(ann["join_url"])
    assert page.status_code == 200
    assert "has not started" in page.text
    assert requests.post(ann["join_url"], data={"action": "join"}).status_code == 200
    assert sent == []


def test_start_join_leave_end_send_zooms_webhooks(sandbox, api, sent):
    # given: the host's start link and Ann's personal join link
    meeting, start_url, ann = _links(api)

    # when: the host starts, Ann joins and leaves, the host ends
    started = requests.post(start_url, data={"action": "start"})
    landing = requests.get(ann["join_url"])
    joined = requests.post(ann["join_url"], data={"action": "join"})
    requests.post(ann["join_url"], data={"action": "leave"})
    requests.post(start_url, data={"action": "end"})

    # then: the pages say where each person is
    assert "You are hosting" in started.text
    assert 'data-test-id="room-join"' in landing.text
    assert "You are in the meeting as Ann A" in joined.text
    # and the school received Zoom's events, in order, at its host, with Ann's registrant id
    assert _events(sent) == [
        "meeting.started",
        "meeting.participant_joined",  # the host
        "meeting.participant_joined",  # Ann
        "meeting.participant_left",  # Ann
        "meeting.participant_left",  # the host, at the end
        "meeting.ended",
        "recording.completed",  # the class was recorded (tests/zoom_sandbox/test_transcripts.py)
        "recording.transcript_completed",
    ]
    assert {target for target, _ in sent} == {TARGET}
    ann_joined = sent[2][1]["payload"]["object"]
    assert ann_joined["id"] == meeting["id"]
    assert ann_joined["participant"]["registrant_id"] == ann["registrant_id"]
    assert ann_joined["participant"]["user_name"] == "Ann A"
    host_joined = sent[1][1]["payload"]["object"]["participant"]
    assert host_joined["id"] == meeting["host_id"]  # how the platform knows the host
    # and the report endpoint has both people's segments
    uuid = sent[0][1]["payload"]["object"]["uuid"]
    report = api.get(
        f"{api.base}/report/meetings/{requests.utils.quote(uuid, safe='')}/participants"
    )
    assert sorted(row["name"] for row in report.json()["participants"]) == sorted(
        ["Ann A", host_joined["user_name"]]
    )


def test_joining_twice_is_one_join(sandbox, api, sent):
    _, start_url, ann = _links(api)
    requests.post(start_url, data={"action": "start"})
    requests.post(ann["join_url"], data={"action": "join"})
    requests.post(ann["join_url"], data={"action": "join"})
    assert _events(sent).count("meeting.participant_joined") == 2  # the host and Ann, once


def test_links_that_are_not_valid_open_no_room(sandbox, api, sent):
    meeting, start_url, ann = _links(api)
    forged_start = start_url.split("?")[0] + "?zak=forged"
    assert requests.post(forged_start, data={"action": "start"}).status_code == 403
    forged_join = ann["join_url"].split("?")[0] + "?tk=forged"
    assert requests.post(forged_join, data={"action": "join"}).status_code == 404
    assert sent == []
    # a cancelled registration opens nothing either, even once the meeting runs
    requests.post(start_url, data={"action": "start"})
    for registrant in sandbox.state.registrants[meeting["id"]]:
        registrant.status = "cancelled"
    refused = requests.post(ann["join_url"], data={"action": "join"})
    assert refused.status_code == 404  # a cancelled registration's link is no link
    assert _events(sent) == ["meeting.started", "meeting.participant_joined"]  # the host only


def test_without_a_target_the_room_works_and_sends_nothing(sandbox, api):
    calls = []
    sandbox.state.rooms.send = lambda *args: calls.append(args)
    _, start_url, ann = _links(api)
    requests.post(start_url, data={"action": "start"})
    joined = requests.post(ann["join_url"], data={"action": "join"})
    assert "You are in the meeting" in joined.text
    assert calls == []


def test_the_control_api_sets_a_target(sandbox):
    answer = requests.post(
        f"{sandbox.url}/_sandbox/webhooks",
        json={"url": "http://127.0.0.1:9/webhooks/zoom/", "secret": "s", "host": "x.localhost"},
    )
    assert answer.status_code == 200
    assert sandbox.state.rooms.targets[DEMO_ACCOUNT_ID].host == "x.localhost"
    bad = requests.post(f"{sandbox.url}/_sandbox/webhooks", json={"url": "file:///etc/passwd"})
    assert bad.status_code == 400
