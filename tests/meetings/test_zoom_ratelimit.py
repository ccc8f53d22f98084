"""The Redis token buckets, against the real Redis of the test environment. Each test gets its
own key prefix and deletes its keys. Time is a fake clock that only the injected sleep moves,
so no test depends on how fast the machine is (except the one that uses Redis's own clock)."""

import logging
import uuid

import pytest
import redis
from django.conf import settings

from meetings.providers.base import RateLimitError
from meetings.zoom.ratelimit import DEFAULT_RATES, RateLimiter, rate_limiter_from_settings

from ..support import FakeClock


@pytest.fixture
def server():
    client = redis.Redis.from_url(settings.REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def prefix(server):
    prefix = f"test-ratelimit:{uuid.uuid4().hex}"
    yield prefix
    keys = list(server.scan_iter(match=f"{prefix}:*"))
    if keys:
        server.delete(*keys)


def limiter(server, prefix, clock: FakeClock, **kwargs) -> RateLimiter:
    return RateLimiter(server, prefix=prefix, sleep=clock.sleep, clock=clock, **kwargs)


def test_defaults_are_zoom_pro_limits():
    assert DEFAULT_RATES == {"light": 30.0, "medium": 20.0, "heavy": 10.0}


def test_a_bucket_of_n_lets_n_through_at_once_and_the_next_waits(server, prefix):
    # given
    clock = FakeClock()
    bucket = limiter(server, prefix, clock, rates={"light": 5})

    # when
    for _ in range(5):
        bucket.acquire("acct", "light")
    burst_sleeps = list(clock.sleeps)
    bucket.acquire("acct", "light")

    # then
    assert burst_sleeps == []
    assert clock.sleeps == [pytest.approx(0.2)]


def test_default_rates_allow_thirty_light_calls_at_once(server, prefix):
    # given
    clock = FakeClock()
    bucket = limiter(server, prefix, clock)

    # when
    for _ in range(30):
        bucket.acquire("acct", "light")
    before = list(clock.sleeps)
    bucket.acquire("acct", "light")

    # then
    assert before == []
    assert clock.sleeps == [pytest.approx(1 / 30)]


def test_the_bucket_refills_with_time(server, prefix):
    # given: an empty bucket
    clock = FakeClock()
    bucket = limiter(server, prefix, clock, rates={"heavy": 4})
    for _ in range(4):
        bucket.acquire("acct", "heavy")

    # when: a second passes
    clock.now += 1.0
    for _ in range(4):
        bucket.acquire("acct", "heavy")

    # then
    assert clock.sleeps == []


def test_an_idle_bucket_holds_no_more_than_one_seconds_worth(server, prefix):
    # given: a bucket left alone for a minute
    clock = FakeClock()
    bucket = limiter(server, prefix, clock, rates={"light": 3})
    bucket.acquire("acct", "light")
    clock.now += 60

    # when
    for _ in range(4):
        bucket.acquire("acct", "light")

    # then
    assert clock.sleeps == [pytest.approx(1 / 3)]


def test_two_processes_share_one_bucket(server, prefix):
    # given: two limiters (two processes), each with its own clock at the same time
    clock_a, clock_b = FakeClock(), FakeClock()
    process_a = limiter(server, prefix, clock_a, rates={"medium": 3})
    process_b = limiter(server, prefix, clock_b, rates={"medium": 3})

    # when
    process_a.acquire("acct", "medium")
    process_a.acquire("acct", "medium")
    process_b.acquire("acct", "medium")
    process_b.acquire("acct", "medium")

    # then
    assert clock_a.sleeps == []
    assert clock_b.sleeps == [pytest.approx(1 / 3)]


def test_buckets_are_per_account_and_per_category(server, prefix):
    # given: account one's light bucket is empty
    clock = FakeClock()
    bucket = limiter(server, prefix, clock, rates={"light": 2, "heavy": 2})
    bucket.acquire("tenant_a:acct1", "light")
    bucket.acquire("tenant_a:acct1", "light")

    # when
    bucket.acquire("tenant_b:acct2", "light")
    bucket.acquire("tenant_a:acct1", "heavy")

    # then
    assert clock.sleeps == []


def test_hold_blocks_the_bucket_for_every_process(server, prefix):
    # given
    clock_a, clock_b = FakeClock(), FakeClock()
    process_a = limiter(server, prefix, clock_a)
    process_b = limiter(server, prefix, clock_b)

    # when: process A saw a 429 with Retry-After: 5
    process_a.hold("acct", "light", 5)
    process_b.acquire("acct", "light")
    process_a.acquire("acct", "light")

    # then
    assert clock_b.sleeps == [pytest.approx(5.0)]
    assert clock_a.sleeps == [pytest.approx(5.0)]


def test_hold_leaves_other_categories_and_accounts_alone(server, prefix):
    # given
    clock = FakeClock()
    bucket = limiter(server, prefix, clock)
    bucket.hold("acct", "light", 5)

    # when
    bucket.acquire("acct", "heavy")
    bucket.acquire("other", "light")

    # then
    assert clock.sleeps == []


def test_a_shorter_hold_does_not_shorten_a_longer_one(server, prefix):
    # given
    clock = FakeClock()
    bucket = limiter(server, prefix, clock, max_wait=30)
    bucket.hold("acct", "light", 10)

    # when
    bucket.hold("acct", "light", 2)
    bucket.acquire("acct", "light")

    # then
    assert clock.sleeps == [pytest.approx(10.0)]


def test_waiting_longer_than_max_wait_raises_without_sleeping(server, prefix):
    # given
    clock = FakeClock()
    bucket = limiter(server, prefix, clock, max_wait=3)
    bucket.hold("acct", "light", 8)

    # when
    with pytest.raises(RateLimitError) as caught:
        bucket.acquire("acct", "light")

    # then
    assert clock.sleeps == []
    assert caught.value.retry_after == pytest.approx(8.0)


def test_max_wait_counts_every_wait_of_one_acquire(server, prefix):
    # given: a bucket of 1/s, and another process that takes every token as it appears
    clock, rival = FakeClock(), FakeClock()
    rival_bucket = limiter(server, prefix, rival, rates={"light": 1})

    def sleep_while_rival_wins(seconds):
        clock.sleep(seconds)
        rival.now = clock.now
        rival_bucket.acquire("acct", "light")

    bucket = RateLimiter(
        server,
        prefix=prefix,
        rates={"light": 1},
        max_wait=2.5,
        sleep=sleep_while_rival_wins,
        clock=clock,
    )
    bucket.acquire("acct", "light")

    # when
    with pytest.raises(RateLimitError):
        bucket.acquire("acct", "light")

    # then: it waited twice (1 s each), then a third wait would pass 2.5 s
    assert clock.sleeps == [pytest.approx(1.0), pytest.approx(1.0)]


def test_an_unknown_category_is_a_programming_error(server, prefix):
    bucket = limiter(server, prefix, FakeClock())

    with pytest.raises(ValueError, match="resource-intensive"):
        bucket.acquire("acct", "resource-intensive")


def test_bucket_keys_expire(server, prefix):
    # given
    bucket = limiter(server, prefix, FakeClock())

    # when
    bucket.acquire("acct", "light")

    # then
    ttl = server.pttl(bucket.key("acct", "light"))
    assert 0 < ttl <= 2000


def test_redis_server_clock_is_the_default(server, prefix):
    # given: no injected clock, a bucket of one a second; the second call stops at its wait
    waits: list[float] = []

    class Waited(Exception):
        pass

    def sleep(seconds):
        waits.append(seconds)
        raise Waited

    bucket = RateLimiter(server, prefix=prefix, rates={"light": 1}, sleep=sleep)

    # when
    bucket.acquire("acct", "light")
    with pytest.raises(Waited):
        bucket.acquire("acct", "light")

    # then
    assert len(waits) == 1
    assert 0 < waits[0] <= 1.0


def test_rates_come_from_settings(server, prefix, settings):
    # given
    settings.ZOOM_RATE_LIMITS = {"light": 2, "medium": 1, "heavy": 1}
    clock = FakeClock()
    bucket = rate_limiter_from_settings(prefix=prefix, sleep=clock.sleep, clock=clock)

    # when
    for _ in range(3):
        bucket.acquire("acct", "light")

    # then
    assert clock.sleeps == [pytest.approx(0.5)]


def test_without_redis_the_limiter_lets_calls_through_and_warns(caplog):
    # given: a Redis whose every call fails to connect
    class DownRedis:
        def register_script(self, script):
            def run(**kwargs):
                raise redis.ConnectionError("Connection refused")

            return run

    clock = FakeClock()
    bucket = RateLimiter(DownRedis(), sleep=clock.sleep, clock=clock)

    # when
    with caplog.at_level(logging.WARNING, logger="meetings.zoom.ratelimit"):
        bucket.acquire("acct", "light")
        bucket.hold("acct", "light", 3)

    # then
    assert clock.sleeps == []
    assert "rate limiter unavailable" in caplog.text
