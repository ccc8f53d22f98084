"""Counting failures (sign-ins, sign-ups) in Redis, so that every web process shares the same
counts: a fixed window of `window` seconds per key; the `limit`-th hit in a window locks the key
for `lockout` seconds. One Lua script per call, so concurrent requests cannot both slip under the
limit (no read-then-write).

Why not django-axes: its lockout hooks are Django signals (this project keeps domain behaviour out
of signals), its keys know no tenant (the same email is a different person in each school's
schema), and sign-up needs the same counter without any authentication. This is the small
limiter the issue allows, shared by every sign-in path (see `tenants.accounts.backends`) and by
sign-up."""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import redis
from django.conf import settings
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)

PREFIX = "liveroll:throttle"

# KEYS[1]: the key's hash. ARGV: now in ms ("" = the Redis server's clock, one clock for every
# host), limit, window ms, lockout ms. Returns {newly locked 0/1, ms still locked, hits in window}.
_HIT = """
local now = tonumber(ARGV[1])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local lockout = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'count', 'start', 'until')
local locked_until = tonumber(state[3]) or 0
if locked_until > now then
  return {0, locked_until - now, tonumber(state[1]) or 0}
end
local count = tonumber(state[1]) or 0
local start = tonumber(state[2])
if start == nil or now - start >= window then
  count = 0
  start = now
end
count = count + 1
local newly = 0
if count >= limit then
  newly = 1
  locked_until = now + lockout
end
redis.call('HSET', KEYS[1], 'count', count, 'start', start, 'until', locked_until)
redis.call('PEXPIRE', KEYS[1], math.max(window, lockout) + 1000)
return {newly, math.max(locked_until - now, 0), count}
"""

# KEYS[1]: the key's hash. ARGV: now in ms ("" = server clock). Returns ms still locked (0: free).
_LOCKED = """
local now = tonumber(ARGV[1])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local locked_until = tonumber(redis.call('HGET', KEYS[1], 'until')) or 0
return math.max(locked_until - now, 0)
"""


@dataclass(frozen=True)
class Limit:
    """`limit` hits within `window` seconds lock the key for `lockout` seconds."""

    name: str
    limit: int
    window: int
    lockout: int


@dataclass(frozen=True)
class Hit:
    count: int
    locked_for: float  # seconds; 0 when the key is free
    newly_locked: bool  # this hit is the one that locked it


def minutes(seconds: float) -> int:
    """Whole minutes to tell people, never 0 while locked."""
    return max(1, math.ceil(seconds / 60))


def try_again_in(seconds: float) -> str:
    """What to tell people locked out for `seconds`: "Try again in N minutes."."""
    n = minutes(seconds)
    return ngettext("Try again in %(n)d minute.", "Try again in %(n)d minutes.", n) % {"n": n}


class Throttle:
    """The counters. `clock` (seconds) is for tests; by default Redis's own clock is used, so
    that web processes on hosts with skewed clocks agree."""

    def __init__(self, client: redis.Redis, *, clock: Callable[[], float] | None = None):
        self._client = client
        self._clock = clock
        self._hit = client.register_script(_HIT)
        self._locked = client.register_script(_LOCKED)

    def key(self, limit: Limit, key: str) -> str:
        return f"{PREFIX}:{limit.name}:{key}"

    def hit(self, limit: Limit, key: str) -> Hit:
        """Count one hit; if the key is locked already, count nothing and say for how long."""
        try:
            newly, locked_ms, count = self._hit(
                keys=[self.key(limit, key)],
                args=[self._now_ms(), limit.limit, limit.window * 1000, limit.lockout * 1000],
            )
        except redis.RedisError:
            # Losing Redis must not lock every school out; say so loudly instead.
            logger.error("throttle %s unavailable; not counting", limit.name, exc_info=True)
            return Hit(count=0, locked_for=0.0, newly_locked=False)
        return Hit(count=int(count), locked_for=int(locked_ms) / 1000, newly_locked=bool(newly))

    def locked_for(self, limit: Limit, key: str) -> float:
        """Seconds the key stays locked (0: free)."""
        try:
            locked_ms = self._locked(keys=[self.key(limit, key)], args=[self._now_ms()])
        except redis.RedisError:
            logger.error("throttle %s unavailable; not checking", limit.name, exc_info=True)
            return 0.0
        return int(locked_ms) / 1000

    def reset(self, limit: Limit, key: str) -> None:
        try:
            self._client.delete(self.key(limit, key))
        except redis.RedisError:
            logger.error("throttle %s unavailable; not reset", limit.name, exc_info=True)

    def _now_ms(self) -> int | str:
        return "" if self._clock is None else int(self._clock() * 1000)


@functools.cache
def _redis(url: str) -> redis.Redis:
    # One connection pool per process and URL.
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


# Tests set this to move time without sleeping; None: the Redis server's clock.
test_clock: Callable[[], float] | None = None


def throttle() -> Throttle:
    """The counters on settings.REDIS_URL."""
    return Throttle(_redis(settings.REDIS_URL), clock=test_clock)
