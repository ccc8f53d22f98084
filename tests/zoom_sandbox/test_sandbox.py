"""The Zoom sandbox's OAuth and REST API, called over real HTTP with `requests`."""

import json
import os
import select
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests

from zoom_sandbox import occurrences
from zoom_sandbox.server import SandboxServer, redact
from zoom_sandbox.users import DEMO_TEACHER_ID, DEMO_USERS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "zoom"
BASE_DIR = Path(__file__).resolve().parents[2]
CLIENT = ("demo-client-id", "demo-client-secret")
REDIRECT = "http://demo.localhost:8000/oauth/zoom/callback/"


def authorize(sandbox, **extra) -> str:
    params = {
        "response_type": "code",
        "client_id": "demo-client-id",
        "redirect_uri": REDIRECT,
        "state": "xyz",
        **extra,
    }
    response = requests.get(f"{sandbox.url}/oauth/authorize", params=params, allow_redirects=False)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    assert location._replace(query="").geturl() == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def token_request(sandbox, auth=CLIENT, **form):
    return requests.post(f"{sandbox.url}/oauth/token", auth=auth, data=form)


def me(sandbox, access_token):
    headers = {"Authorization": f"Bearer {access_token}"}
    return requests.get(f"{sandbox.url}/v2/users/me", headers=headers)


def create(api, body=None, user="me"):
    body = body or {"topic": "Maths", "type": 2, "start_time": "2025-03-03T09:00:00Z"}
    return api.post(f"{api.base}/users/{user}/meetings", json=body)


# --- OAuth -----------------------------------------------------------------------------------


def test_code_flow_gives_tokens_and_refresh_tokens_rotate(sandbox):
    # given
    code = authorize(sandbox)

    # when
    first = token_request(
        sandbox, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    )

    # then
    assert first.status_code == 200
    tokens = first.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 3599
    assert tokens["scope"] == (
        "meeting:read meeting:write user:read recording:read recording:write report:read"
    )
    assert me(sandbox, tokens["access_token"]).json()["email"] == "teacher1@demo.test"

    # the code is single-use
    again = token_request(
        sandbox, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"

    # refreshing rotates: a new pair, and the old refresh token is dead
    refreshed = token_request(
        sandbox, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert me(sandbox, new["access_token"]).status_code == 200
    reused = token_request(
        sandbox, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert reused.status_code == 400
    assert reused.json() == {"reason": "Invalid Token!", "error": "invalid_grant"}
    assert (
        token_request(
            sandbox, grant_type="refresh_token", refresh_token=new["refresh_token"]
        ).status_code
        == 200
    )


def test_code_exchange_needs_the_same_redirect_uri(sandbox):
    code = authorize(sandbox)

    response = token_request(
        sandbox, grant_type="authorization_code", code=code, redirect_uri="http://evil.test/cb"
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_authorize_signs_in_the_asked_sandbox_user_or_the_default_teacher(sandbox):
    default = authorize(sandbox)
    chosen = authorize(sandbox, sandbox_user="teacher2@demo.test")

    emails = []
    for code in (default, chosen):
        tokens = token_request(
            sandbox, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
        ).json()
        emails.append(me(sandbox, tokens["access_token"]).json()["email"])

    assert emails == ["teacher1@demo.test", "teacher2@demo.test"]


def test_authorize_with_an_unknown_client_is_a_400_page(sandbox):
    response = requests.get(
        f"{sandbox.url}/oauth/authorize",
        params={"response_type": "code", "client_id": "nobody", "redirect_uri": REDIRECT},
        allow_redirects=False,
    )

    assert response.status_code == 400
    assert "text/html" in response.headers["Content-Type"]


def test_token_endpoint_rejects_a_bad_client(sandbox):
    response = token_request(
        sandbox, auth=("demo-client-id", "wrong"), grant_type="account_credentials"
    )

    assert response.status_code == 401
    assert response.json() == {
        "reason": "Invalid client_id or client_secret",
        "error": "invalid_client",
    }


def test_server_to_server_token_has_no_refresh_token_and_checks_the_account(sandbox):
    ok = token_request(sandbox, grant_type="account_credentials", account_id="demo-account")
    wrong = token_request(sandbox, grant_type="account_credentials", account_id="other")

    assert ok.status_code == 200
    assert "refresh_token" not in ok.json()
    assert ok.json()["expires_in"] == 3599
    # acts as the account (its owner), and may act for any user of the account
    assert me(sandbox, ok.json()["access_token"]).json()["email"] == "admin@demo.test"
    assert wrong.status_code == 400
    assert wrong.json() == {"reason": "Invalid account_id", "error": "invalid_request"}


def test_revoke_stops_the_access_token_and_its_refresh_token(sandbox):
    code = authorize(sandbox)
    tokens = token_request(
        sandbox, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    ).json()

    response = requests.post(
        f"{sandbox.url}/oauth/revoke", params={"token": tokens["access_token"]}, auth=CLIENT
    )

    assert response.json() == {"status": "success"}
    assert me(sandbox, tokens["access_token"]).json() == {
        "code": 124,
        "message": "Invalid access token.",
    }
    refresh = token_request(
        sandbox, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refresh.status_code == 400


# --- REST authentication ---------------------------------------------------------------------


def test_missing_unknown_and_expired_tokens_get_401_code_124(sandbox, clock):
    token = sandbox.state.issue_token()["access_token"]
    expired_on_demand = sandbox.state.issue_token()["access_token"]
    sandbox.state.expire_token(expired_on_demand)

    assert me(sandbox, token).status_code == 200
    for bad in ("", "not-a-token", expired_on_demand):
        response = me(sandbox, bad)
        assert response.status_code == 401
        assert response.json() == {"code": 124, "message": "Invalid access token."}
    assert requests.get(f"{sandbox.url}/v2/users/me").status_code == 401

    clock.advance(3599)  # tokens last expires_in seconds
    assert me(sandbox, token).json()["code"] == 124


def test_a_token_without_the_scope_gets_4711(sandbox):
    token = sandbox.state.issue_token(scopes=["meeting:read", "user:read"])["access_token"]

    response = requests.post(
        f"{sandbox.url}/v2/users/me/meetings",
        json={"topic": "x", "type": 2},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": 4711,
        "message": "Invalid access token, does not contain scopes:[meeting:write].",
    }


def test_a_user_level_token_acts_only_for_its_own_user(sandbox, api):
    s2s = token_request(sandbox, grant_type="account_credentials", account_id="demo-account")
    admin = {"Authorization": f"Bearer {s2s.json()['access_token']}"}
    body = {"topic": "Physics", "type": 2, "start_time": "2025-03-03T09:00:00Z"}

    own = create(api, body, user="teacher1@demo.test")
    other = create(api, body, user="teacher2@demo.test")
    by_account = requests.post(
        f"{sandbox.url}/v2/users/teacher2@demo.test/meetings", json=body, headers=admin
    )
    unknown = requests.post(
        f"{sandbox.url}/v2/users/nobody@demo.test/meetings", json=body, headers=admin
    )

    assert own.status_code == 201
    assert other.status_code == 400
    assert by_account.status_code == 201
    assert by_account.json()["host_email"] == "teacher2@demo.test"
    assert unknown.status_code == 404
    assert unknown.json()["code"] == 1001


def test_users_me_is_shaped_like_zoom(api):
    user = api.get(f"{api.base}/users/me").json()

    assert user["id"] == DEMO_TEACHER_ID
    assert {"id", "email", "first_name", "last_name", "display_name", "account_id", "type"} <= set(
        user
    )
    assert user["display_name"] == "Tara Teacher"
    assert user["account_id"] == "demo-account"


# --- meetings --------------------------------------------------------------------------------


def test_create_a_scheduled_meeting_shaped_like_the_sample(sandbox, api):
    sample = json.loads(
        (FIXTURES / "rest" / "users-userId-meetings_POST__Jericho-ZoomNet.json").read_text()
    )

    response = create(
        api,
        {
            "topic": "Algebra",
            "type": 2,
            "start_time": "2025-03-03T10:00:00",
            "timezone": "Europe/Paris",
            "duration": 45,
            "agenda": "Chapter 3",
        },
    )

    assert response.status_code == 201
    meeting = response.json()
    expected_keys = {
        "id", "uuid", "host_id", "host_email", "topic", "type", "status", "start_time",
        "duration", "timezone", "agenda", "created_at", "start_url", "join_url", "password",
        "settings", "pre_schedule", "encrypted_password",
    }  # fmt: skip
    assert expected_keys <= set(sample)  # the sample really has them
    assert expected_keys <= set(meeting)
    assert isinstance(meeting["id"], int)
    assert meeting["start_time"] == "2025-03-03T09:00:00Z"  # 10:00 in Paris
    assert meeting["join_url"] == f"{sandbox.url}/j/{meeting['id']}"
    assert meeting["host_id"] == DEMO_TEACHER_ID
    assert "occurrences" not in meeting
    assert "registration_url" not in meeting  # approval_type defaults to 2: no registration
    assert api.get(f"{api.base}/meetings/{meeting['id']}").json()["topic"] == "Algebra"


def test_create_a_weekly_recurring_meeting_on_monday_and_wednesday_five_times(api):
    response = create(
        api,
        {
            "topic": "French",
            "type": 8,
            "start_time": "2025-03-24T09:00:00",
            "timezone": "Europe/London",
            "duration": 50,
            "recurrence": {"type": 2, "weekly_days": "2,4", "repeat_interval": 1, "end_times": 5},
        },
    )

    assert response.status_code == 201
    meeting = response.json()
    starts = [o["start_time"] for o in meeting["occurrences"]]
    # 09:00 London wall time throughout: 09:00 UTC before the clocks change, 08:00 after
    assert starts == [
        "2025-03-24T09:00:00Z",
        "2025-03-26T09:00:00Z",
        "2025-03-31T08:00:00Z",
        "2025-04-02T08:00:00Z",
        "2025-04-07T08:00:00Z",
    ]
    for item in meeting["occurrences"]:
        start = datetime.fromisoformat(item["start_time"].replace("Z", "+00:00"))
        assert item["occurrence_id"] == str(int(start.timestamp() * 1000))
        assert item["status"] == "available"
        assert item["duration"] == 50
    assert meeting["recurrence"]["weekly_days"] == "2,4"


def test_a_recurring_meeting_without_recurrence_is_refused(api):
    response = create(api, {"topic": "x", "type": 8, "start_time": "2025-03-24T09:00:00Z"})

    assert response.status_code == 400
    assert response.json()["code"] == 300


def test_get_patch_delete_meeting_and_occurrences(api):
    meeting = create(
        api,
        {
            "topic": "Chemistry",
            "type": 8,
            "start_time": "2025-03-03T09:00:00Z",
            "duration": 60,
            "recurrence": {"type": 1, "repeat_interval": 1, "end_times": 3},
        },
    ).json()
    url = f"{api.base}/meetings/{meeting['id']}"
    first, second, third = (o["occurrence_id"] for o in meeting["occurrences"])

    assert api.patch(url, json={"topic": "Organic chemistry"}).status_code == 204
    moved = api.patch(
        url, params={"occurrence_id": second}, json={"start_time": "2025-03-04T11:00:00Z"}
    )
    assert moved.status_code == 204
    one = api.get(url, params={"occurrence_id": second}).json()
    assert one["topic"] == "Organic chemistry"
    assert one["start_time"] == "2025-03-04T11:00:00Z"
    assert api.get(url, params={"occurrence_id": first}).json()["start_time"] == (
        "2025-03-03T09:00:00Z"
    )

    assert api.delete(url, params={"occurrence_id": third}).status_code == 204
    left = [o["occurrence_id"] for o in api.get(url).json()["occurrences"]]
    assert left == [first, second]

    assert api.delete(url).status_code == 204
    gone = api.get(url)
    assert gone.status_code == 404
    assert gone.json() == {"code": 3001, "message": f"Meeting does not exist: {meeting['id']}."}
    assert api.delete(url).status_code == 404
    assert api.patch(url, json={"topic": "x"}).json()["code"] == 3001


def test_list_meetings_is_paginated_with_next_page_token(api):
    created = {create(api, {"topic": f"Class {i}", "type": 2}).json()["id"] for i in range(5)}

    seen, pages, token = [], 0, ""
    while True:
        params = {"type": "scheduled", "page_size": 2, "next_page_token": token}
        page = api.get(f"{api.base}/users/me/meetings", params=params).json()
        pages += 1
        assert page["total_records"] == 5
        seen += [m["id"] for m in page["meetings"]]
        token = page["next_page_token"]
        if not token:
            break

    assert pages == 3
    assert sorted(seen) == sorted(created)
    bad = api.get(f"{api.base}/users/me/meetings", params={"next_page_token": "forged"})
    assert bad.status_code == 400


# --- registrants -----------------------------------------------------------------------------


def registration_meeting(api, **extra):
    body = {
        "topic": "Biology",
        "type": 2,
        "start_time": "2025-03-03T09:00:00Z",
        "settings": {"approval_type": 0},
        **extra,
    }
    return create(api, body).json()


def test_registrants_get_personal_join_urls_and_the_same_email_the_same_registrant(sandbox, api):
    meeting = registration_meeting(api)
    url = f"{api.base}/meetings/{meeting['id']}/registrants"
    assert meeting["registration_url"].startswith(f"{sandbox.url}/meeting/register/")

    ann = api.post(url, json={"email": "ann@demo.test", "first_name": "Ann", "last_name": "A"})
    bob = api.post(url, json={"email": "bob@demo.test", "first_name": "Bob"})
    ann_again = api.post(url, json={"email": "ANN@demo.test", "first_name": "Ann"})

    assert ann.status_code == bob.status_code == ann_again.status_code == 201
    a, b = ann.json(), bob.json()
    assert a["registrant_id"] != b["registrant_id"]
    assert a["join_url"] != b["join_url"]
    assert a["join_url"].startswith(f"{sandbox.url}/w/{meeting['id']}?tk=")
    assert a["id"] == meeting["id"] and a["topic"] == "Biology"
    assert ann_again.json()["registrant_id"] == a["registrant_id"]
    assert ann_again.json()["join_url"] == a["join_url"]
    listed = api.get(url).json()
    assert listed["total_records"] == 2
    assert {r["email"] for r in listed["registrants"]} == {"ann@demo.test", "bob@demo.test"}
    # the personal link opens the sandbox's join page for that person
    assert "Ann A" in requests.get(a["join_url"]).text


def test_cancelled_registrants_lose_their_link_and_get_it_back_on_registering_again(sandbox, api):
    meeting = registration_meeting(api)
    url = f"{api.base}/meetings/{meeting['id']}/registrants"
    ann = api.post(url, json={"email": "ann@demo.test", "first_name": "Ann"}).json()
    bob = api.post(url, json={"email": "bob@demo.test", "first_name": "Bob"}).json()

    cancelled = api.put(
        f"{url}/status",
        json={"action": "cancel", "registrants": [{"id": ann["registrant_id"], "email": ""}]},
    )

    assert cancelled.status_code == 204
    assert requests.get(ann["join_url"]).status_code == 404
    assert requests.get(bob["join_url"]).status_code == 200
    assert [r["email"] for r in api.get(url).json()["registrants"]] == ["bob@demo.test"]
    assert api.get(url, params={"status": "cancelled"}).json()["total_records"] == 1
    again = api.post(url, json={"email": "ann@demo.test", "first_name": "Ann"}).json()
    assert requests.get(again["join_url"]).status_code == 200
    bad = api.put(f"{url}/status", json={"action": "explode", "registrants": []})
    assert bad.status_code == 400


def test_cancelling_one_occurrence_keeps_the_others(api):
    meeting = registration_meeting(
        api, type=8, recurrence={"type": 1, "repeat_interval": 1, "end_times": 2}
    )
    ids = [o["occurrence_id"] for o in meeting["occurrences"]]
    url = f"{api.base}/meetings/{meeting['id']}/registrants"
    cy = api.post(url, json={"email": "cy@demo.test", "first_name": "Cy"}).json()
    body = {"action": "cancel", "registrants": [{"email": "cy@demo.test"}]}

    api.put(f"{url}/status", params={"occurrence_id": ids[0]}, json=body)
    assert requests.get(cy["join_url"]).status_code == 200
    api.put(f"{url}/status", params={"occurrence_id": ids[1]}, json=body)
    assert requests.get(cy["join_url"]).status_code == 404


def test_registering_for_chosen_occurrences(api):
    meeting = registration_meeting(
        api, type=8, recurrence={"type": 1, "repeat_interval": 1, "end_times": 3}
    )
    ids = [o["occurrence_id"] for o in meeting["occurrences"]]
    url = f"{api.base}/meetings/{meeting['id']}/registrants"

    some = api.post(
        url,
        params={"occurrence_ids": f"{ids[0]},{ids[2]}"},
        json={"email": "cy@demo.test", "first_name": "Cy"},
    ).json()
    every = api.post(url, json={"email": "di@demo.test", "first_name": "Di"}).json()

    assert [o["occurrence_id"] for o in some["occurrences"]] == [ids[0], ids[2]]
    assert [o["occurrence_id"] for o in every["occurrences"]] == ids


def test_registering_when_registration_is_off_gives_3038(api):
    meeting = create(api).json()

    response = api.post(
        f"{api.base}/meetings/{meeting['id']}/registrants",
        json={"email": "ann@demo.test", "first_name": "Ann"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == 3038


# --- limits, failures, control ---------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(sandbox, api, clock):
    sandbox.state.set_rate_limit(2)

    statuses = [api.get(f"{api.base}/users/me").status_code for _ in range(3)]
    limited = api.get(f"{api.base}/users/me")
    clock.advance(1)
    after = api.get(f"{api.base}/users/me")

    assert statuses == [200, 200, 429]
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.json() == {
        "code": 429,
        "message": "You have reached the maximum per-second rate limit for this API. "
        "Try again later.",
    }
    assert after.status_code == 200


def test_rate_limits_are_off_by_default_and_per_account(sandbox, api):
    sandbox.state.set_rate_limit(1, account_id="another-account")

    statuses = {api.get(f"{api.base}/users/me").status_code for _ in range(5)}

    assert statuses == {200}


def test_daily_meeting_create_limit_per_user(sandbox, api, clock):
    sandbox.state.meeting_create_daily_limit = 2

    statuses = [create(api).status_code for _ in range(3)]
    third = create(api)
    clock.advance(24 * 3600)
    api.headers["Authorization"] = "Bearer " + sandbox.state.issue_token()["access_token"]
    next_day = create(api)

    assert statuses == [201, 201, 429]
    assert third.status_code == 429
    assert int(third.headers["Retry-After"]) > 0
    assert third.json()["code"] == 429
    assert next_day.status_code == 201


def test_failure_injection_then_normal_service(sandbox, api):
    sandbox.state.fail_next("POST", "/v2/users", 500, times=2)

    statuses = [create(api).status_code for _ in range(3)]

    assert statuses == [500, 500, 201]
    meeting_calls = [c for c in sandbox.state.calls if c.path == "/v2/users/me/meetings"]
    assert [(c.method, c.status) for c in meeting_calls] == [
        ("POST", 500),
        ("POST", 500),
        ("POST", 201),
    ]


def test_failure_injection_through_the_control_api(sandbox, api):
    requests.post(
        f"{sandbox.url}/_sandbox/fail",
        json={"method": "GET", "path_prefix": "/v2/users/me", "status": 503, "body": {"x": 1}},
    )

    first = api.get(f"{api.base}/users/me")
    second = api.get(f"{api.base}/users/me")

    assert (first.status_code, first.json()) == (503, {"x": 1})
    assert second.status_code == 200


def test_control_api_state_and_reset(sandbox, api):
    meeting = create(api).json()

    state = requests.get(f"{sandbox.url}/_sandbox/state").json()
    assert [m["id"] for m in state["meetings"]] == [meeting["id"]]
    assert state["tokens"] == 1
    assert ["POST", "/v2/users/me/meetings", 201] in state["calls"]

    assert requests.post(f"{sandbox.url}/_sandbox/reset").status_code == 200
    after = requests.get(f"{sandbox.url}/_sandbox/state").json()
    assert after["meetings"] == [] and after["tokens"] == 0 and after["calls"] == []
    assert set(after["clients"]) == {"demo-client-id"}
    assert {u["email"] for u in after["users"]} == {email for _, email, *_ in DEMO_USERS}


# --- past meetings, uuids, recordings --------------------------------------------------------


def played(state, meeting_id, *, record=False):
    """A finished instance with one participant, without the player."""
    begun = state.play_begin(meeting_id)
    row = {
        "id": "",
        "name": "Ann",
        "user_id": "16778240",
        "user_email": "ann@demo.test",
        "join_time": "2025-03-03T09:01:00Z",
        "leave_time": "2025-03-03T09:40:00Z",
        "duration": 2340,
        "failover": False,
        "status": "in_meeting",
        "internal_user": False,
        "registrant_id": "reg-ann",
        "participant_user_id": "",
    }
    state.play_end(
        begun["uuid"],
        start_time="2025-03-03T09:00:00Z",
        end_time="2025-03-03T09:45:00Z",
        participants=[row],
        record=record,
        transcript=[(1.0, 3.0, "Tara Teacher", "Hello class.")],
    )
    return begun["uuid"]


@pytest.mark.parametrize("style", ["leading_slash", "double_slash"])
def test_uuids_with_slashes_are_found_when_encoded_twice(sandbox, api, style):
    sandbox.state.uuid_style = style
    meeting = create(api).json()
    uuid = played(sandbox.state, meeting["id"])
    assert uuid.startswith("/") if style == "leading_slash" else "//" in uuid
    twice = quote(quote(uuid, safe=""), safe="")
    once = quote(uuid, safe="")

    # lenient by default: once or twice both decode to the uuid
    for encoded in (twice, once):
        response = api.get(f"{api.base}/past_meetings/{encoded}/participants")
        assert response.status_code == 200
        assert response.json()["participants"][0]["user_email"] == "ann@demo.test"

    # strict like Zoom's gateway: only the double encoding survives
    sandbox.state.strict_uuid_encoding = True
    assert api.get(f"{api.base}/past_meetings/{twice}/participants").status_code == 200
    assert api.get(f"{api.base}/past_meetings/{once}/participants").status_code == 404


def test_past_participants_and_report_rows_are_shaped_like_the_samples(api, sandbox):
    past_sample = json.loads(
        (
            FIXTURES / "rest" / "past_meetings-meetingId-participants_GET__Jericho-ZoomNet.json"
        ).read_text()
    )["participants"][0]
    report_sample = json.loads(
        (
            FIXTURES / "rest" / "report-meetings-meetingId-participants_GET__Jericho-ZoomNet.json"
        ).read_text()
    )["participants"][0]
    meeting = create(api).json()
    uuid = played(sandbox.state, meeting["id"])
    encoded = quote(quote(uuid, safe=""), safe="")

    past = api.get(f"{api.base}/past_meetings/{encoded}/participants").json()
    report = api.get(f"{api.base}/report/meetings/{encoded}/participants").json()

    assert set(past["participants"][0]) == set(past_sample)
    assert set(report["participants"][0]) == set(report_sample)
    assert {"page_count", "page_size", "total_records", "next_page_token"} <= set(past)
    assert report["participants"][0]["registrant_id"] == "reg-ann"


def test_report_needs_the_report_scope(sandbox):
    meeting = sandbox.state.meeting_create(
        sandbox.state.bearer("Bearer " + sandbox.state.issue_token()["access_token"]),
        "me",
        {"topic": "x", "type": 2},
    )
    uuid = played(sandbox.state, meeting["id"])
    token = sandbox.state.issue_token(scopes=["meeting:read"])["access_token"]

    response = requests.get(
        f"{sandbox.url}/v2/report/meetings/{quote(quote(uuid, safe=''), safe='')}/participants",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == 4711


def test_recording_with_mp4_and_a_transcript_downloadable_with_bearer(sandbox, api):
    meeting = create(api).json()
    plain = played(sandbox.state, meeting["id"])
    recorded = played(sandbox.state, meeting["id"], record=True)

    missing = api.get(f"{api.base}/meetings/{quote(quote(plain, safe=''), safe='')}/recordings")
    recording = api.get(
        f"{api.base}/meetings/{quote(quote(recorded, safe=''), safe='')}/recordings"
    ).json()

    assert missing.status_code == 404
    assert recording["uuid"] == recorded
    files = {f["file_type"]: f for f in recording["recording_files"]}
    assert set(files) == {"MP4", "TRANSCRIPT"}
    transcript_url = files["TRANSCRIPT"]["download_url"]
    assert transcript_url.startswith(sandbox.url)
    vtt = api.get(transcript_url)
    assert vtt.status_code == 200
    assert vtt.text.startswith("WEBVTT")
    assert "Tara Teacher: Hello class." in vtt.text
    assert requests.get(transcript_url).status_code == 401


# --- recurrence expansion, logging -----------------------------------------------------------


def test_monthly_recurrence_skips_months_without_the_day():
    starts = occurrences.expand(
        {"type": 3, "monthly_day": 31, "end_times": 3},
        datetime(2025, 1, 31, 9, tzinfo=UTC),
        "UTC",
    )

    assert [s.date().isoformat() for s in starts] == ["2025-01-31", "2025-03-31", "2025-05-31"]


def test_recurrence_until_an_end_date_time_every_other_day():
    starts = occurrences.expand(
        {"type": 1, "repeat_interval": 2, "end_date_time": "2025-03-07T23:59:00Z"},
        datetime(2025, 3, 1, 9, tzinfo=UTC),
        "UTC",
    )

    assert [s.day for s in starts] == [1, 3, 5, 7]


def test_every_other_week_counts_weeks_from_sunday():
    # Zoom numbers days from Sunday (1) and, the sandbox assumes, starts its weeks there too
    starts = occurrences.expand(
        {"type": 2, "weekly_days": "1,4", "repeat_interval": 2, "end_times": 4},
        datetime(2025, 3, 2, 9, tzinfo=UTC),  # a Sunday
        "UTC",
    )

    assert [s.day for s in starts] == [2, 5, 16, 19]


def test_log_lines_hide_secret_query_values():
    line = redact("/oauth/revoke?token=abc&x=1")

    assert "abc" not in line
    assert line.startswith("/oauth/revoke?token=") and line.endswith("&x=1")


# --- the management command ------------------------------------------------------------------


def read_line_containing(process, text: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], deadline - time.monotonic())
        line = process.stdout.readline() if ready else ""
        if text in line:
            return line
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"no line with {text!r} from the command")


def test_the_command_serves_in_the_foreground_until_sigint():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_zoom_sandbox", "--port", "0", "--smtp-port", "0"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = read_line_containing(process, "Zoom sandbox on ")
        url = banner.split(" on ", 1)[1].split(" ", 1)[0]

        response = requests.get(f"{url}/v2/users/me", timeout=5)
        mail = requests.get(f"{url}/mail/api/messages", timeout=5)
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=10)
        output = process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert response.status_code == 401
    assert response.json()["code"] == 124
    assert f"mail at {url}/mail/" in output and mail.json() == []  # the catcher runs too
    assert code == 0
    assert "GET /v2/users/me 401" in output  # one log line per request
    assert "stopped" in output


def test_server_binds_a_free_port_and_stops():
    server = SandboxServer(log=lambda line: None).start()
    url = server.url
    assert requests.get(f"{url}/").status_code == 200

    server.stop()

    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/", timeout=2)
