"""Zoom's per-second rate limits as token buckets in Redis, so that every web and worker process
calling Zoom for one account draws from the same buckets. Zoom counts requests per account (shared
with every app on it) and per category; a 429's Retry-After blocks a bucket for all processes."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import redis
from django.conf import settings

from meetings.providers.base import RateLimitError

logger = logging.getLogger(__name__)

# Zoom Pro plan, requests per second. Business and higher plans allow more: configure
# settings.ZOOM_RATE_LIMITS or pass `rates`.
DEFAULT_RATES: Mapping[str, float] = {"light": 30.0, "medium": 20.0, "heavy": 10.0}
DEFAULT_PREFIX = "liveroll:zoom:ratelimit"

# KEYS[1]: the bucket. ARGV: rate (tokens/s), capacity, now in ms ("" = the Redis server's clock,
# one clock for every host). Returns "0" when a token was taken, else the seconds to wait.
_ACQUIRE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'hold')
local hold = tonumber(state[3]) or 0
if hold > now then
  return tostring((hold - now) / 1000)
end
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
-- Clocks of different hosts may disagree a little: never let time run backwards.
if now < ts then now = ts end
tokens = math.min(capacity, tokens + (now - ts) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return tostring(wait)
"""

# KEYS[1]: the bucket. ARGV: seconds, now in ms ("" = server clock). Extends, never shortens.
_HOLD = """
local now = tonumber(ARGV[2])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local until_ms = now + tonumber(ARGV[1]) * 1000
local current = tonumber(redis.call('HGET', KEYS[1], 'hold')) or 0
if until_ms > current then
  redis.call('HSET', KEYS[1], 'hold', tostring(until_ms))
end
local ttl = redis.call('PTTL', KEYS[1])
local needed = math.ceil(math.max(until_ms, current) - now) + 1000
if ttl < needed then
  redis.call('PEXPIRE', KEYS[1], needed)
end
return 1
"""


class RateLimiter:
    """Token buckets per (account key, category), `rate` tokens a second, holding up to `rate`
    (so a full second's worth may go at once). `clock` (seconds) exists for tests; by default
    Redis's own clock is used so that hosts with skewed clocks agree."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        rates: Mapping[str, float] | None = None,
        prefix: str = DEFAULT_PREFIX,
        max_wait: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] | None = None,
    ):
        self.rates = dict(DEFAULT_RATES if rates is None else rates)
        self.prefix = prefix
        self.max_wait = max_wait
        self._sleep = sleep
        self._clock = clock
        self._acquire = client.register_script(_ACQUIRE)
        self._hold = client.register_script(_HOLD)

    def acquire(self, account_key: str, category: str) -> None:
        """Take one token, sleeping until one is free. Raises RateLimitError when that would
        take longer than `max_wait` in total."""
        rate = self._rate(category)
        key = self.key(account_key, category)
        waited = 0.0
        while True:
            try:
                wait = float(self._acquire(keys=[key], args=[rate, rate, self._now_ms()]))
            except redis.RedisError:
                # Zoom enforces the real limit and answers 429, which the client handles:
                # losing Redis must not stop classes from being scheduled.
                logger.warning("zoom rate limiter unavailable; not limiting", exc_info=True)
                return
            if wait <= 0:
                return
            if waited + wait > self.max_wait:
                raise RateLimitError(
                    f"Zoom {category} rate limit: no capacity within {self.max_wait:g}s",
                    retry_after=wait,
                )
            self._sleep(wait)
            waited += wait

    def hold(self, account_key: str, category: str, seconds: float) -> None:
        """Block the bucket for every process for `seconds` (after a 429 with Retry-After)."""
        self._rate(category)
        try:
            self._hold(keys=[self.key(account_key, category)], args=[seconds, self._now_ms()])
        except redis.RedisError:
            logger.warning("zoom rate limiter unavailable; hold not shared", exc_info=True)

    def key(self, account_key: str, category: str) -> str:
        return f"{self.prefix}:{account_key}:{category}"

    def _rate(self, category: str) -> float:
        try:
            return float(self.rates[category])
        except KeyError:
            raise ValueError(f"unknown Zoom rate-limit category {category!r}") from None

    def _now_ms(self) -> float | str:
        return "" if self._clock is None else self._clock() * 1000


@functools.cache
def _redis(url: str) -> redis.Redis:
    # One connection pool per process and URL; providers are built per request.
    return redis.Redis.from_url(url)


def rate_limiter_from_settings(**kwargs: Any) -> RateLimiter:
    """A limiter on settings.REDIS_URL with settings.ZOOM_RATE_LIMITS (if set) as the rates."""
    kwargs.setdefault("rates", getattr(settings, "ZOOM_RATE_LIMITS", None))
    return RateLimiter(_redis(settings.REDIS_URL), **kwargs)
