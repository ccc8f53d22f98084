"""ZoomClient: auth and the one refresh, retries and backoff, 429 handling, error mapping, UUID
encoding, logging without secrets. HTTP is requests-mock; nothing sleeps (sleep is injected)."""

import io
import json
import logging
import random
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from meetings.providers.base import (
    AuthenticationError,
    FileTooLargeError,
    NotFoundError,
    ProviderUnavailableError,
    ProviderValidationError,
    RateLimitError,
    ScopeError,
)
from meetings.zoom.client import (
    DOWNLOAD_CHUNK,
    ZoomClient,
    backoff_delay,
    encode_uuid,
    parse_retry_after,
    redact,
)
from meetings.zoom.ratelimit import RateLimiter

from ..support import FakeClock

API = "https://api.zoom.us/v2"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "zoom" / "rest"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


MEETING = load("meetings-meetingId_GET__Jericho-ZoomNet.json")


class FakeTokens:
    """A TokenSource that hands out `token-1`, and `token-2` after a refresh."""

    def __init__(self, token: str = "token-1", fresh: str = "token-2"):
        self.token = token
        self.fresh = fresh
        self.refreshed: list[str] = []

    def access_token(self) -> str:
        return self.token

    def refresh(self, stale_token: str) -> str:
        self.refreshed.append(stale_token)
        self.token = self.fresh
        return self.fresh


class RecordingLimiter:
    """Stands in for RateLimiter: records what the client asked of it."""

    def __init__(self):
        self.acquired: list[tuple[str, str]] = []
        self.held: list[tuple[str, str, float]] = []

    def acquire(self, account_key: str, category: str) -> None:
        self.acquired.append((account_key, category))

    def hold(self, account_key: str, category: str, seconds: float) -> None:
        self.held.append((account_key, category, seconds))


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def tokens() -> FakeTokens:
    return FakeTokens()


def make_client(tokens, sleeps, **kwargs) -> ZoomClient:
    kwargs.setdefault("rand", lambda: 1.0)
    return ZoomClient(API, tokens, "acct-1", sleep=sleeps.append, **kwargs)


def zoom_error(status: int, code: int | None, message: str, **kwargs) -> dict:
    body = {"message": message} if code is None else {"code": code, "message": message}
    return {"status_code": status, "json": body, **kwargs}


# --- success -------------------------------------------------------------------------------


def test_request_sends_bearer_token_and_returns_json(requests_mock, tokens, sleeps):
    # given
    requests_mock.get(f"{API}/meetings/97763643886", json=MEETING)
    client = make_client(tokens, sleeps)

    # when
    body = client.request("GET", "/meetings/97763643886", category="light", params={"a": "1"})

    # then
    assert body == MEETING
    sent = requests_mock.last_request
    assert sent.headers["Authorization"] == "Bearer token-1"
    assert sent.qs == {"a": ["1"]}
    assert sleeps == []


def test_request_sends_json_body_and_returns_none_for_no_content(requests_mock, tokens, sleeps):
    # given
    requests_mock.patch(f"{API}/meetings/1", status_code=204)
    client = make_client(tokens, sleeps)

    # when
    body = client.request("PATCH", "/meetings/1", category="light", json={"topic": "Maths"})

    # then
    assert body is None
    assert requests_mock.last_request.json() == {"topic": "Maths"}


def test_every_attempt_acquires_a_token_from_the_limiter(requests_mock, tokens, sleeps):
    # given
    requests_mock.get(f"{API}/users/me", [{"status_code": 502}, {"json": {"id": "u1"}}])
    limiter = RecordingLimiter()
    client = make_client(tokens, sleeps, limiter=limiter)

    # when
    client.request("GET", "/users/me", category="medium")

    # then
    assert limiter.acquired == [("acct-1", "medium"), ("acct-1", "medium")]


def test_a_success_body_that_is_not_json_is_unavailable(requests_mock, tokens, sleeps):
    # given
    requests_mock.get(f"{API}/users/me", text="<html>maintenance</html>")
    client = make_client(tokens, sleeps)

    # when / then
    with pytest.raises(ProviderUnavailableError):
        client.request("GET", "/users/me", category="light")


# --- the one refresh -----------------------------------------------------------------------


def test_401_refreshes_the_token_once_and_retries(requests_mock, tokens, sleeps):
    # given
    requests_mock.get(
        f"{API}/users/me",
        [zoom_error(401, 124, "Invalid access token."), {"json": {"id": "u1"}}],
    )
    client = make_client(tokens, sleeps)

    # when
    body = client.request("GET", "/users/me", category="light")

    # then
    assert body == {"id": "u1"}
    assert tokens.refreshed == ["token-1"]
    auth = [r.headers["Authorization"] for r in requests_mock.request_history]
    assert auth == ["Bearer token-1", "Bearer token-2"]
    assert sleeps == []


def test_401_without_zoom_code_also_refreshes(requests_mock, tokens, sleeps):
    # given
    requests_mock.get(
        f"{API}/users/me", [{"status_code": 401, "text": "Unauthorized"}, {"json": {"id": "u1"}}]
    )
    client = make_client(tokens, sleeps)

    # when
    client.request("GET", "/users/me", category="light")

    # then
    assert tokens.refreshed == ["token-1"]


def test_code_124_refreshes_whatever_the_status(requests_mock, tokens, sleeps):
    # given
    requests_mock.get(
        f"{API}/users/me",
        [zoom_error(400, 124, "Invalid access token."), {"json": {"id": "u1"}}],
    )
    client = make_client(tokens, sleeps)

    # when
    body = client.request("GET", "/users/me", category="light")

    # then
    assert body == {"id": "u1"}
    assert tokens.refreshed == ["token-1"]


def test_a_second_401_is_an_authentication_error_without_a_second_refresh(
    requests_mock, tokens, sleeps
):
    # given
    requests_mock.get(f"{API}/users/me", **zoom_error(401, 124, "Invalid access token."))
    client = make_client(tokens, sleeps)

    # when
    with pytest.raises(AuthenticationError) as caught:
        client.request("GET", "/users/me", category="light")

    # then
    assert tokens.refreshed == ["token-1"]
    assert requests_mock.call_count == 2
    assert (caught.value.status, caught.value.code) == (401, 124)


def test_a_refresh_survives_later_retries_without_refreshing_again(requests_mock, tokens, sleeps):
    # given: 401, then 503, then 401 again: still only one refresh
    requests_mock.get(
        f"{API}/users/me",
        [
            zoom_error(401, 124, "Invalid access token."),
            {"status_code": 503},
            zoom_error(401, 124, "Invalid access token."),
        ],
    )
    client = make_client(tokens, sleeps)

    # when / then
    with pytest.raises(AuthenticationError):
        client.request("GET", "/users/me", category="light")
    assert tokens.refreshed == ["token-1"]
    assert requests_mock.request_history[1].headers["Authorization"] == "Bearer token-2"


# --- 429 -----------------------------------------------------------------------------------


def test_429_sleeps_for_retry_after_and_holds_the_bucket(requests_mock, tokens, sleeps):
    # given
    requests_mock.get(
        f"{API}/users/me",
        [
            zoom_error(429, 429, "Too many requests", headers={"Retry-After": "3"}),
            {"json": {"id": "u1"}},
        ],
    )
    limiter = RecordingLimiter()
    client = make_client(tokens, sleeps, limiter=limiter)

    # when
    body = client.request("GET", "/users/me", category="light")

    # then
    assert body == {"id": "u1"}
    assert sleeps == [3.0]
    assert limiter.held == [("acct-1", "light", 3.0)]


def test_429_with_an_http_date_waits_until_then(requests_mock, tokens, sleeps):
    # given
    soon = datetime.fromtimestamp(datetime.now(UTC).timestamp() + 30, UTC)
    requests_mock.get(
        f"{API}/users/me",
        [
            {"status_code": 429, "headers": {"Retry-After": format_datetime(soon, usegmt=True)}},
            {"json": {}},
        ],
    )
    client = make_client(tokens, sleeps)

    # when
    client.request("GET", "/users/me", category="light")

    # then
    assert len(sleeps) == 1
    assert 20 < sleeps[0] <= 30


def test_429_without_retry_after_backs_off(requests_mock, tokens, sleeps):
    # given
    requests_mock.get(f"{API}/users/me", [{"status_code": 429}, {"json": {}}])
    limiter = RecordingLimiter()
    client = make_client(tokens, sleeps, limiter=limiter)

    # when
    client.request("GET", "/users/me", category="heavy")

    # then
    assert sleeps == [0.5]
    assert limiter.held == [("acct-1", "heavy", 0.5)]


def test_429_out_of_retries_is_a_rate_limit_error(requests_mock, tokens, sleeps):
    # given
    requests_mock.get(
        f"{API}/users/me", **zoom_error(429, 429, "Too many", headers={"Retry-After": "2"})
    )
    client = make_client(tokens, sleeps, max_retries=2)

    # when
    with pytest.raises(RateLimitError) as caught:
        client.request("GET", "/users/me", category="light")

    # then
    assert requests_mock.call_count == 3
    assert sleeps == [2.0, 2.0]
    assert (caught.value.status, caught.value.retry_after) == (429, 2.0)


def test_a_daily_limit_429_is_not_waited_for_or_held(requests_mock, tokens, sleeps):
    # given
    requests_mock.post(
        f"{API}/users/me/meetings",
        **zoom_error(429, 429, "Daily limit", headers={"Retry-After": "40000"}),
    )
    limiter = RecordingLimiter()
    client = make_client(tokens, sleeps, limiter=limiter)

    # when
    with pytest.raises(RateLimitError) as caught:
        client.request("POST", "/users/me/meetings", category="light", json={})

    # then
    assert caught.value.retry_after == 40000
    assert requests_mock.call_count == 1
    assert sleeps == []
    assert limiter.held == []


def test_parse_retry_after_reads_seconds_and_dates():
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC).timestamp()

    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after("1.5", now=now) == 1.5
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:09 GMT", now=now) == 9.0
    assert parse_retry_after("2025-01-01T12:01:00Z", now=now) == 60.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("", now=now) is None
    assert parse_retry_after(None, now=now) is None
    assert parse_retry_after("soon", now=now) is None


def test_429_hold_reaches_every_process_through_redis(requests_mock, tokens):
    # given: this process's limiter and another's on the real Redis, each with a clock that
    # moves only when its process sleeps
    prefix = f"test-zoomclient:{uuid.uuid4().hex}"
    server = redis.Redis.from_url(settings.REDIS_URL)
    mine, other = FakeClock(), FakeClock()
    client = ZoomClient(
        API,
        tokens,
        "acct-1",
        sleep=mine.sleep,
        limiter=RateLimiter(server, prefix=prefix, sleep=mine.sleep, clock=mine),
    )
    other_limiter = RateLimiter(server, prefix=prefix, sleep=other.sleep, clock=other)
    requests_mock.get(
        f"{API}/users/me",
        [{"status_code": 429, "headers": {"Retry-After": "4"}}, {"json": {}}],
    )

    try:
        # when
        client.request("GET", "/users/me", category="light")
        other_limiter.acquire("acct-1", "light")

        # then: this process slept the Retry-After once; the other one waited for the hold
        assert mine.sleeps == [4.0]
        assert other.sleeps == [pytest.approx(4.0)]
    finally:
        keys = list(server.scan_iter(match=f"{prefix}:*"))
        if keys:
            server.delete(*keys)
        server.close()


# --- 5xx, timeouts, backoff ----------------------------------------------------------------


def test_5xx_then_success(requests_mock, tokens, sleeps):
    # given
    requests_mock.get(f"{API}/users/me", [{"status_code": 500}, {"json": {"id": "u1"}}])
    client = make_client(tokens, sleeps)

    # when
    body = client.request("GET", "/users/me", category="light")

    # then
    assert body == {"id": "u1"}
    assert sleeps == [0.5]


def test_backoff_grows_exponentially_up_to_the_cap(requests_mock, tokens, sleeps):
    # given: the jitter draws its maximum every time
    requests_mock.get(f"{API}/users/me", status_code=503)
    client = make_client(tokens, sleeps, max_retries=6, rand=lambda: 1.0)

    # when
    with pytest.raises(ProviderUnavailableError) as caught:
        client.request("GET", "/users/me", category="light")

    # then
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert requests_mock.call_count == 7
    assert caught.value.status == 503


def test_backoff_is_jittered_within_bounds(requests_mock, tokens, sleeps):
    # given: real randomness, seeded
    requests_mock.get(f"{API}/users/me", status_code=502)
    client = make_client(tokens, sleeps, max_retries=6, rand=random.Random(7).random)

    # when
    with pytest.raises(ProviderUnavailableError):
        client.request("GET", "/users/me", category="light")

    # then
    bounds = [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert all(0 <= slept <= bound for slept, bound in zip(sleeps, bounds, strict=True))
    assert any(slept < bound for slept, bound in zip(sleeps, bounds, strict=True))


def test_backoff_delay_scales_the_random_draw():
    assert backoff_delay(0, rand=lambda: 0.5) == 0.25
    assert backoff_delay(3, rand=lambda: 0.5) == 2.0
    assert backoff_delay(10, rand=lambda: 0.5) == 4.0
    assert backoff_delay(2, rand=lambda: 0.0) == 0.0


def test_timeouts_become_unavailable_after_the_retries(requests_mock, tokens, sleeps):
    # given
    requests_mock.get(f"{API}/users/me", exc=requests.exceptions.ReadTimeout)
    client = make_client(tokens, sleeps, max_retries=3)

    # when
    with pytest.raises(ProviderUnavailableError):
        client.request("GET", "/users/me", category="light")

    # then
    assert requests_mock.call_count == 4
    assert len(sleeps) == 3


def test_a_connection_error_is_retried(requests_mock, tokens, sleeps):
    # given
    requests_mock.get(
        f"{API}/users/me", [{"exc": requests.exceptions.ConnectionError}, {"json": {"id": "u1"}}]
    )
    client = make_client(tokens, sleeps)

    # when
    body = client.request("GET", "/users/me", category="light")

    # then
    assert body == {"id": "u1"}
    assert len(sleeps) == 1


def test_client_passes_its_timeout_to_requests(requests_mock, tokens, sleeps):
    # given
    requests_mock.get(f"{API}/users/me", json={})
    client = make_client(tokens, sleeps, timeout=3)

    # when
    client.request("GET", "/users/me", category="light")

    # then
    assert requests_mock.last_request.timeout == 3


def test_a_post_that_may_have_reached_zoom_is_not_repeated(requests_mock, tokens, sleeps):
    # given: a create whose answer timed out may have created the meeting
    requests_mock.post(f"{API}/users/me/meetings", exc=requests.exceptions.ReadTimeout)
    client = make_client(tokens, sleeps)

    # when / then
    with pytest.raises(ProviderUnavailableError):
        client.request("POST", "/users/me/meetings", category="light", json={})
    assert requests_mock.call_count == 1


def test_a_post_failing_with_500_is_not_repeated(requests_mock, tokens, sleeps):
    # given
    requests_mock.post(f"{API}/users/me/meetings", status_code=500)
    client = make_client(tokens, sleeps)

    # when / then
    with pytest.raises(ProviderUnavailableError):
        client.request("POST", "/users/me/meetings", category="light", json={})
    assert requests_mock.call_count == 1


@pytest.mark.parametrize(
    "failure",
    [{"status_code": 503}, {"exc": requests.exceptions.ConnectTimeout}],
    ids=["503", "connect-timeout"],
)
def test_a_post_zoom_never_acted_on_is_retried(requests_mock, tokens, sleeps, failure):
    # given
    requests_mock.post(f"{API}/users/me/meetings", [failure, {"json": {"id": 1}}])
    client = make_client(tokens, sleeps)

    # when
    body = client.request("POST", "/users/me/meetings", category="light", json={})

    # then
    assert body == {"id": 1}
    assert requests_mock.call_count == 2


def test_a_post_refused_at_connect_is_retried(requests_mock, tokens, sleeps):
    # given: connection refused, so the request never left
    refused = requests.exceptions.ConnectionError(
        MaxRetryError(None, "/v2/users/me/meetings", NewConnectionError(None, "refused"))
    )
    requests_mock.post(f"{API}/users/me/meetings", [{"exc": refused}, {"json": {"id": 1}}])
    client = make_client(tokens, sleeps)

    # when
    body = client.request("POST", "/users/me/meetings", category="light", json={})

    # then
    assert body == {"id": 1}
    assert requests_mock.call_count == 2


def test_a_post_whose_connection_dropped_mid_way_is_not_repeated(requests_mock, tokens, sleeps):
    # given: the server closed the connection after receiving the request
    dropped = requests.exceptions.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError())
    )
    requests_mock.post(f"{API}/users/me/meetings", exc=dropped)
    client = make_client(tokens, sleeps)

    # when / then
    with pytest.raises(ProviderUnavailableError):
        client.request("POST", "/users/me/meetings", category="light", json={})
    assert requests_mock.call_count == 1


# --- error mapping -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "error", "code"),
    [
        (zoom_error(404, 3001, "Meeting does not exist: 123."), NotFoundError, 3001),
        (zoom_error(404, 1001, "User does not exist: x@y.z."), NotFoundError, 1001),
        (zoom_error(400, 3001, "Meeting does not exist: 123."), NotFoundError, 3001),
        (zoom_error(400, 1001, "User does not exist: x@y.z."), NotFoundError, 1001),
        ({"status_code": 404, "text": "Not Found"}, NotFoundError, None),
        (zoom_error(400, 4711, "Invalid access token, does not contain scopes."), ScopeError, 4711),
        (
            zoom_error(403, 104, "Invalid access token, does not contain scopes:[meeting:write]"),
            ScopeError,
            104,
        ),
        (zoom_error(400, 300, "Invalid meeting start time."), ProviderValidationError, 300),
        (zoom_error(409, 3000, "Cannot delete a live meeting."), ProviderValidationError, 3000),
        (zoom_error(403, 200, "No permission."), ProviderValidationError, 200),
    ],
)
def test_errors_map_onto_the_provider_exceptions(
    requests_mock, tokens, sleeps, response, error, code
):
    # given
    requests_mock.get(f"{API}/meetings/123", **response)
    client = make_client(tokens, sleeps)

    # when
    with pytest.raises(error) as caught:
        client.request("GET", "/meetings/123", category="light")

    # then
    assert type(caught.value) is error
    assert caught.value.status == response["status_code"]
    assert caught.value.code == code
    assert requests_mock.call_count == 1
    assert tokens.refreshed == []


def test_validation_errors_carry_our_message_and_log_zooms(requests_mock, tokens, sleeps, caplog):
    # given
    requests_mock.post(
        f"{API}/users/me/meetings", **zoom_error(400, 300, "Invalid meeting start time.")
    )
    client = make_client(tokens, sleeps)

    # when
    with pytest.raises(ProviderValidationError) as caught:
        client.request("POST", "/users/me/meetings", category="light", json={})

    # then: the user reads our words (the answer may not come from Zoom); the log has Zoom's
    assert caught.value.message == "Zoom refused the request (HTTP 400, Zoom code 300)."
    assert caught.value.code == 300
    assert "said='Invalid meeting start time.'" in caplog.text


def test_a_scope_error_on_401_is_not_refreshed(requests_mock, tokens, sleeps):
    # given: a new token would lack the scope just the same
    requests_mock.get(
        f"{API}/users/me",
        **zoom_error(401, 4711, "Invalid access token, does not contain scopes:[user:read]."),
    )
    client = make_client(tokens, sleeps)

    # when / then
    with pytest.raises(ScopeError):
        client.request("GET", "/users/me", category="light")
    assert tokens.refreshed == []


# --- UUIDs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("97763643886", "97763643886"),
        ("aDYlohsHRtCd4ii1uC2+hA==", "aDYlohsHRtCd4ii1uC2%2BhA%3D%3D"),
        ("a/b+c==", "a%2Fb%2Bc%3D%3D"),
        ("/ajXp112QmuoKj4854875==", "%252FajXp112QmuoKj4854875%253D%253D"),
        ("ab//cd==", "ab%252F%252Fcd%253D%253D"),
    ],
)
def test_encode_uuid_encodes_twice_only_when_zoom_needs_it(raw, encoded):
    assert encode_uuid(raw) == encoded


def test_a_double_encoded_uuid_reaches_zoom_unchanged(requests_mock, tokens, sleeps):
    # given
    requests_mock.get(
        f"{API}/past_meetings/%252FajXp112QmuoKj4854875%253D%253D/participants", json={}
    )
    client = make_client(tokens, sleeps)

    # when
    path = f"/past_meetings/{encode_uuid('/ajXp112QmuoKj4854875==')}/participants"
    client.request("GET", path, category="medium")

    # then
    assert requests_mock.last_request.url == (
        f"{API}/past_meetings/%252FajXp112QmuoKj4854875%253D%253D/participants"
    )


# --- downloads -----------------------------------------------------------------------------


def test_download_fetches_a_zoom_file_with_the_bearer_token(requests_mock, tokens, sleeps):
    # given
    url = "https://us06web.zoom.us/rec/download/abc.vtt"
    requests_mock.get(url, content=b"WEBVTT\n")
    client = make_client(tokens, sleeps)

    # when
    content = client.download(url)

    # then
    assert content == b"WEBVTT\n"
    assert requests_mock.last_request.headers["Authorization"] == "Bearer token-1"


def test_download_refuses_to_send_the_token_elsewhere(requests_mock, tokens, sleeps):
    # given
    client = make_client(tokens, sleeps)

    # when / then
    with pytest.raises(ProviderValidationError):
        client.download("https://evil.example/zoom.us/rec/download/abc")
    assert requests_mock.call_count == 0


class Body(io.RawIOBase):
    """A response body of `size` bytes that breaks off after `breaks_at` if given, counting
    what it served."""

    def __init__(self, size: int, *, breaks_at: int | None = None):
        self.served = 0
        self.size = size
        self.breaks_at = breaks_at

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.breaks_at is not None and self.served >= self.breaks_at:
            raise ProtocolError("Connection broken: IncompleteRead")
        n = min(len(buffer), self.size - self.served)
        buffer[:n] = b"x" * n
        self.served += n
        return n


def test_download_streams_and_stops_at_the_limit(requests_mock, tokens, sleeps):
    # given: a 16 MB file
    url = "https://us06web.zoom.us/rec/download/abc.vtt"
    body = Body(16_000_000)
    requests_mock.get(url, body=body)
    client = make_client(tokens, sleeps)

    # when / then
    with pytest.raises(FileTooLargeError) as raised:
        client.download(url, max_bytes=200_000)
    assert raised.value.limit == 200_000
    assert 200_000 < body.served <= 200_000 + 2 * DOWNLOAD_CHUNK


def test_download_refuses_a_declared_size_over_the_limit_before_reading(
    requests_mock, tokens, sleeps
):
    url = "https://us06web.zoom.us/rec/download/abc.vtt"
    body = Body(5_000_001)
    requests_mock.get(url, body=body, headers={"Content-Length": "5000001"})

    with pytest.raises(FileTooLargeError):
        make_client(tokens, sleeps).download(url, max_bytes=5_000_000)
    assert body.served == 0


def test_download_within_the_limit_is_whole(requests_mock, tokens, sleeps):
    url = "https://us06web.zoom.us/rec/download/abc.vtt"
    content = b"WEBVTT\n" + b"x" * 300_000
    requests_mock.get(url, content=content)

    assert make_client(tokens, sleeps).download(url, max_bytes=len(content)) == content


def test_a_download_that_breaks_off_is_unavailable_not_a_short_file(requests_mock, tokens, sleeps):
    url = "https://us06web.zoom.us/rec/download/abc.vtt"
    requests_mock.get(url, body=Body(500_000, breaks_at=100_000))

    with pytest.raises(ProviderUnavailableError):
        make_client(tokens, sleeps).download(url, max_bytes=1_000_000)


def test_a_download_past_its_time_is_given_up(requests_mock, tokens, sleeps):
    url = "https://us06web.zoom.us/rec/download/abc.vtt"
    requests_mock.get(url, content=b"WEBVTT\n")

    with pytest.raises(ProviderUnavailableError):
        make_client(tokens, sleeps).download(url, max_seconds=-1)


def test_a_download_is_retried_after_a_5xx_and_follows_zooms_redirect(
    requests_mock, tokens, sleeps
):
    # given: Zoom fails once, then sends the file from its file host
    url = "https://us06web.zoom.us/rec/download/abc.vtt"
    file_host = "https://ssrweb.zoom.us/replay/abc.vtt"
    requests_mock.get(
        url,
        [
            {"status_code": 503, "json": {"code": 503, "message": "busy"}},
            {"status_code": 302, "headers": {"Location": file_host}},
        ],
    )
    requests_mock.get(file_host, content=b"WEBVTT\n")

    # when
    content = make_client(tokens, sleeps).download(url, max_bytes=1000)

    # then: the token went to the link Zoom gave, not to the other host
    assert content == b"WEBVTT\n"
    assert len(sleeps) == 1
    first, second, third = requests_mock.request_history
    assert first.headers["Authorization"] == second.headers["Authorization"] == "Bearer token-1"
    assert "Authorization" not in third.headers


def test_a_download_refused_by_zoom_maps_its_error(requests_mock, tokens, sleeps):
    url = "https://us06web.zoom.us/rec/download/abc.vtt"
    requests_mock.get(url, status_code=404, json={"code": 3301, "message": "No recording."})

    with pytest.raises(NotFoundError):
        make_client(tokens, sleeps).download(url, max_bytes=1000)


# --- logging -------------------------------------------------------------------------------


def test_one_log_line_per_attempt_with_method_path_status_duration(
    requests_mock, tokens, sleeps, caplog
):
    # given
    requests_mock.get(f"{API}/meetings/123", [{"status_code": 502}, {"json": MEETING}])
    client = make_client(tokens, sleeps)
    caplog.set_level(logging.INFO, logger="meetings.zoom.client")

    # when
    client.request("GET", "/meetings/123", category="light")

    # then
    lines = [r.getMessage() for r in caplog.records if r.name == "meetings.zoom.client"]
    assert len(lines) == 2
    assert lines[0].startswith("zoom GET /v2/meetings/123 status=502 duration_ms=")
    assert lines[0].endswith("attempt=1")
    assert lines[1].startswith("zoom GET /v2/meetings/123 status=200 duration_ms=")
    assert lines[1].endswith("attempt=2")


def test_logs_carry_no_tokens_links_or_passcodes(requests_mock, sleeps, caplog):
    # given: secrets in the token, the refreshed token, the body and a download link
    tokens = FakeTokens(token="sekrit-access-1", fresh="sekrit-access-2")
    requests_mock.get(
        f"{API}/meetings/123",
        [zoom_error(401, 124, "Invalid access token."), {"status_code": 500}, {"json": MEETING}],
    )
    download = "https://zoom.us/rec/download/x.vtt?access_token=sekrit-download"
    requests_mock.get(download, text="WEBVTT\n")
    client = make_client(tokens, sleeps)
    caplog.set_level(logging.DEBUG)

    # when
    client.request("GET", "/meetings/123", category="light")
    client.download(download)

    # then (requests-mock's own debug lines stand in for the network and are left out)
    logged = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith("requests_mock")
    )
    assert "zoom GET /rec/download/x.vtt status=200" in logged
    for secret in (
        "sekrit",
        MEETING["join_url"],
        MEETING["start_url"],
        MEETING["password"],
        MEETING["encrypted_password"],
        "Bearer",
    ):
        assert secret not in logged


def test_urllib3_request_lines_are_redacted():
    # given: the line urllib3 logs at DEBUG for every request
    record = logging.LogRecord(
        "urllib3.connectionpool",
        logging.DEBUG,
        __file__,
        1,
        '%s://%s:%s "%s %s %s" %s %s',
        ("https", "zoom.us", 443, "GET", "/rec/download/x?access_token=sekrit", "HTTP/1.1", 200, 9),
        None,
    )

    # when
    kept = logging.getLogger("urllib3.connectionpool").filter(record)

    # then
    assert kept
    assert "sekrit" not in record.getMessage()
    assert "/rec/download/x?access_token=[redacted]" in record.getMessage()


def test_redact_removes_secrets_and_keeps_the_rest():
    # given
    text = (
        "Authorization: Bearer eyJhbGciOi.abc-def_g\n"
        '{"topic": "Maths", "join_url": "https://us02web.zoom.us/j/123?pwd=abc",'
        ' "start_url": "https://us02web.zoom.us/s/123?zak=zzz", "password": "123456",'
        ' "pstn_password": 998877, "encrypted_password": "8pEk.1"}\n'
        "{'access_token': 'at-1', 'refresh_token': 'rt-1'}\n"
        "POST /oauth/token grant_type=refresh_token&refresh_token=rt-2&client_secret=cs-3\n"
        "GET /rec/download/x?access_token=at-4 and https://zoom.us/w/987?tk=tk-5"
    )

    # when
    cleaned = redact(text)

    # then
    for secret in (
        "eyJhbGciOi",
        "pwd=abc",
        "zak=zzz",
        "123456",
        "998877",
        "8pEk",
        "at-1",
        "rt-1",
        "rt-2",
        "cs-3",
        "at-4",
        "tk-5",
        "zoom.us/j/",
        "zoom.us/s/",
        "zoom.us/w/",
    ):
        assert secret not in cleaned, secret
    assert '"topic": "Maths"' in cleaned
    assert "grant_type=refresh_token" in cleaned
    assert "GET /rec/download/x" in cleaned
