"""The HTTP edge on its own: what is retried (idempotent calls, calls that cannot have reached
the provider, rate-limit answers, 503), what is not, the shared limiter, and that the other
end's words reach the log (redacted) but never the error. Error bodies: Google
developers.google.com/calendar/api/guides/errors, Graph learn.microsoft.com/graph/errors."""

import logging
import uuid

import pytest
import redis
import requests
from django.conf import settings

from meetings.calendar_sync.client import CalendarClient
from meetings.calendar_sync.providers.base import (
    CalendarQuotaExceeded,
    CalendarRateLimited,
    CalendarRefused,
    CalendarUnavailable,
)
from meetings.zoom.ratelimit import RateLimiter

from ...support import FakeClock

API = "https://graph.microsoft.com/v1.0"


class Tokens:
    def __init__(self):
        self.refreshed = []

    def access_token(self):
        return "t-1"

    def refresh(self, stale_token):
        self.refreshed.append(stale_token)
        return "t-2"


def _client(sleeps=None, **kwargs) -> CalendarClient:
    return CalendarClient(
        provider="microsoft",
        api_base=API,
        tokens=Tokens(),
        account_key="school:1",
        sleep=(sleeps if sleeps is not None else []).append,
        rand=lambda: 0.5,
        **kwargs,
    )


@pytest.fixture
def limiter():
    server = redis.Redis.from_url(settings.REDIS_URL)
    prefix = f"test-calendar:{uuid.uuid4().hex}"
    clock = FakeClock()
    yield (
        RateLimiter(
            server, rates={"microsoft": 16.0}, prefix=prefix, sleep=clock.sleep, clock=clock
        ),
        clock,
    )
    keys = list(server.scan_iter(match=f"{prefix}:*"))
    if keys:
        server.delete(*keys)


def test_a_create_that_is_not_idempotent_is_not_retried_on_500(requests_mock):
    requests_mock.post(f"{API}/me/events", status_code=500, json={"error": {"code": "x"}})

    with pytest.raises(CalendarUnavailable):
        _client().request("POST", "/me/events", json={}, idempotent=False)
    assert requests_mock.call_count == 1


def test_a_read_timeout_is_retried_only_when_idempotent(requests_mock):
    requests_mock.post(f"{API}/me/events", exc=requests.ReadTimeout)

    with pytest.raises(CalendarUnavailable):
        _client().request("POST", "/me/events", json={}, idempotent=False)
    assert requests_mock.call_count == 1

    sleeps = []
    with pytest.raises(CalendarUnavailable):
        _client(sleeps, max_retries=2).request("POST", "/me/events", json={}, idempotent=True)
    assert requests_mock.call_count == 1 + 3 and sleeps == [0.25, 0.5]  # full jitter, rand 0.5


def test_a_connection_never_made_is_retried_even_for_a_create(requests_mock):
    requests_mock.post(
        f"{API}/me/events",
        [{"exc": requests.ConnectTimeout}, {"json": {"id": "e-1"}, "status_code": 201}],
    )

    answer = _client().request("POST", "/me/events", json={}, idempotent=False)

    assert answer == {"id": "e-1"}


def test_503_with_retry_after_is_waited_out_and_held_for_every_process(requests_mock, limiter):
    shared, clock = limiter
    started = clock()
    requests_mock.get(
        f"{API}/me",
        [
            {"status_code": 503, "headers": {"Retry-After": "4"}, "text": ""},
            {"json": {"mail": "a@b.c"}},
        ],
    )

    CalendarClient(
        provider="microsoft",
        api_base=API,
        tokens=Tokens(),
        account_key="school:1",
        limiter=shared,
        sleep=clock.sleep,
    ).request("GET", "/me")

    assert clock.sleeps == [4.0]
    # the bucket of this connection holds every process for those 4 s
    server = redis.Redis.from_url(settings.REDIS_URL)
    assert float(server.hget(shared.key("school:1", "microsoft"), "hold")) == (started + 4) * 1000


def test_a_hold_longer_than_the_wait_allowed_is_rate_limited_without_calling(
    requests_mock, limiter
):
    shared, _ = limiter
    shared.hold("school:1", "microsoft", 30)
    requests_mock.get(f"{API}/me", json={})

    with pytest.raises(CalendarRateLimited):
        _client(limiter=shared).request("GET", "/me")
    assert not requests_mock.called


def test_a_retry_after_of_an_hour_is_not_slept_on(requests_mock):
    sleeps = []
    requests_mock.get(
        f"{API}/me",
        status_code=429,
        headers={"Retry-After": "3600"},
        json={"error": {"code": "TooManyRequests", "message": "Too many requests"}},
    )

    with pytest.raises(CalendarRateLimited) as raised:
        _client(sleeps).request("GET", "/me")
    assert raised.value.retry_after == 3600 and sleeps == []


def test_google_daily_quota_is_not_retried(requests_mock):
    google = CalendarClient(
        provider="google",
        api_base="https://www.googleapis.com/calendar/v3",
        tokens=Tokens(),
        account_key="k",
        sleep=[].append,
    )
    requests_mock.get(
        "https://www.googleapis.com/calendar/v3/x",
        status_code=403,
        json={
            "error": {
                "errors": [
                    {
                        "domain": "usageLimits",
                        "reason": "quotaExceeded",
                        "message": "Calendar usage limits exceeded.",
                    }
                ],
                "code": 403,
                "message": "Calendar usage limits exceeded.",
            }
        },
    )

    # a quota for the day: not a rate limit to wait out (the sync stops until the periodic run)
    with pytest.raises(CalendarQuotaExceeded) as raised:
        google.request("GET", "/x")
    assert requests_mock.call_count == 1
    assert isinstance(raised.value, CalendarRateLimited) and raised.value.retry_after is None


def test_the_other_ends_words_are_logged_redacted_never_raised(requests_mock, caplog):
    requests_mock.patch(
        f"{API}/me/events/e-1",
        status_code=400,
        json={
            "error": {
                "code": "ErrorInvalidRequest",
                "message": "Bad body near access_token=abc123secret and Bearer xyz789",
            }
        },
    )

    with (
        caplog.at_level(logging.WARNING, logger="meetings.calendar_sync.client"),
        pytest.raises(CalendarRefused) as raised,
    ):
        _client().request("PATCH", "/me/events/e-1", json={})

    assert "Bad body" not in raised.value.message and raised.value.code == "ErrorInvalidRequest"
    logged = caplog.text
    assert "Bad body" in logged and "abc123secret" not in logged and "xyz789" not in logged


def test_a_redirect_is_not_followed(requests_mock):
    requests_mock.get(f"{API}/me", status_code=302, headers={"Location": "https://evil.example/"})

    with pytest.raises(CalendarUnavailable):
        _client().request("GET", "/me")
    assert requests_mock.call_count == 1
