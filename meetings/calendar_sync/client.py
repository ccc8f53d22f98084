"""The HTTP edge to one connected calendar (Google Calendar API v3, Microsoft Graph v1.0):
the shared rate limiter, bearer auth with one refresh, retries with backoff, and each
provider's errors mapped onto `CalendarError`s. Knows nothing about sessions or events.

Retried: rate-limit answers (Google's 429 and 403 `rateLimitExceeded` /
`userRateLimitExceeded`; Graph's 429), 503 (not acted on), and for idempotent calls also
other 5xx, timeouts and broken connections. A call is idempotent when its method is, or when
the caller says so: Google's insert with our own event id and Graph's create with a
`transactionId` are, since a repeat finds the first."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NewConnectionError

from meetings.calendar_sync.providers.base import (
    UNREACHABLE,
    CalendarAuthError,
    CalendarError,
    CalendarNotFound,
    CalendarQuotaExceeded,
    CalendarRateLimited,
    CalendarRefused,
    CalendarUnavailable,
)
from meetings.providers.base import RateLimitError
from meetings.zoom.client import backoff_delay, parse_retry_after, redact
from meetings.zoom.ratelimit import RateLimiter
from tenants.outbound import OutboundRefused, base_url_normalise, outbound_session

logger = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
# A longer Retry-After is a quota for the day or the hour: no point holding a worker.
MAX_RETRY_AFTER = 60.0
# Google Calendar's usage-limit reasons (developers.google.com/calendar/api/guides/errors):
# these two are per-second limits worth waiting out; quotaExceeded / dailyLimitExceeded are not.
GOOGLE_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
GOOGLE_QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
GOOGLE_SCOPE_REASONS = frozenset({"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"})
RATE_LIMITED = "The calendar's rate limit was reached: try again later."
QUOTA_EXCEEDED = "The calendar's daily limit was reached: try again tomorrow."
SCOPE_MISSING = (
    "The calendar connection lacks permission for this: disconnect the calendar and connect "
    "it again, allowing access to the calendar."
)
RATE_PREFIX = "liveroll:calendar:ratelimit"


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached the provider (so even a create may be
    retried): the connection was never made."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


class CalendarConflict(CalendarRefused):
    """409: an event with this id exists already (Google's insert with our own id)."""


class TokenSource(Protocol):
    """Where the client gets its bearer token (meetings.calendar_sync.tokens)."""

    def access_token(self) -> str: ...

    def refresh(self, stale_token: str) -> str: ...


def provider_error(response: requests.Response) -> tuple[str | None, str]:
    """The provider's error code and message. Google: {"error": {"code": 403, "message": …,
    "errors": [{"reason": "rateLimitExceeded", …}], "status": …}}; Graph: {"error": {"code":
    "ErrorItemNotFound", "message": …}}; OAuth: {"error": "invalid_grant", …}."""
    try:
        body = response.json()
    except ValueError:
        body = None
    fallback = response.reason or f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return None, fallback
    error = body.get("error")
    if isinstance(error, str):
        return error, str(body.get("error_description") or fallback)
    if not isinstance(error, dict):
        return None, fallback
    message = str(error.get("message") or fallback)
    errors = error.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        reason = errors[0].get("reason")
        if reason:
            return str(reason), message
    code = error.get("code")
    if isinstance(code, str) and code:
        return code, message
    status = error.get("status")
    return (str(status) if status else None), message


def _client_error(provider: str, status: int, code: str | None) -> CalendarError:
    """A refusal as our exception with our words (what the other end wrote is only logged:
    the other end may be a stand-in, and its words are not ours to show)."""
    if status in (404, 410):
        return CalendarNotFound("The event is not in the calendar.", status=status, code=code)
    if status == 409:
        return CalendarConflict("The event exists already.", status=status, code=code)
    if status == 401:
        return CalendarAuthError(
            "The calendar no longer accepts this connection: connect it again.",
            status=status,
            code=code,
        )
    if status == 403 and (
        code in GOOGLE_SCOPE_REASONS or code in ("ErrorAccessDenied", "Authorization_RequestDenied")
    ):
        return CalendarAuthError(SCOPE_MISSING, status=status, code=code)
    return CalendarRefused(
        f"The calendar refused the request (HTTP {status}).", status=status, code=code
    )


class CalendarClient:
    """Calls one connected calendar's API. `account_key` names the connection's bucket in the
    shared limiter (one per connection: both providers count per user or mailbox)."""

    def __init__(
        self,
        *,
        provider: str,
        api_base: str,
        tokens: TokenSource,
        account_key: str,
        session: requests.Session | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 4,
        timeout: float = 10,
        rand: Callable[[], float] = random.random,
    ):
        self.provider = provider
        self.api_base = base_url_normalise(api_base)
        self.account_key = account_key
        self._tokens = tokens
        self._session = session or outbound_session()
        self.limiter = limiter
        self.sleep = sleep
        self._max_retries = max_retries
        self._timeout = timeout
        self._rand = rand

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any] | None:
        """Call `path` below the API base ("/calendars/primary/events"); the JSON body, or None
        when empty. Variable parts of `path` are quoted by the caller; parameters go in
        `params`."""
        if not path.startswith("/") or path.startswith("//") or any(c in path for c in "?#\\"):
            raise ValueError(f"not a path below the API base: {path!r}")
        return self.request_url(
            method,
            self.api_base + path,
            params=params,
            json=json,
            headers=headers,
            idempotent=idempotent,
        )

    def request_url(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any] | None:
        """Like `request` for an absolute URL the caller took from the endpoints (Google's
        userinfo) or from the API's own paging links (checked to be below the API base)."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        response = self._send(method, url, params, json, dict(headers or {}), idempotent)
        if response.status_code == 204 or not response.content.strip():
            return None
        try:
            body = response.json()
        except ValueError as exc:
            raise CalendarUnavailable(UNREACHABLE, status=response.status_code) from exc
        if not isinstance(body, dict):
            raise CalendarUnavailable(UNREACHABLE, status=response.status_code)
        return body

    def _acquire(self) -> None:
        if self.limiter is None:
            return
        try:
            self.limiter.acquire(self.account_key, self.provider)
        except RateLimitError as exc:
            raise CalendarRateLimited(RATE_LIMITED, retry_after=exc.retry_after) from exc

    def _hold(self, seconds: float) -> None:
        if self.limiter is not None and seconds > 0:
            self.limiter.hold(self.account_key, self.provider, seconds)

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json: Mapping[str, Any] | None,
        headers: dict[str, str],
        idempotent: bool,
    ) -> requests.Response:
        token = self._tokens.access_token()
        refreshed = False
        retries = 0
        attempt = 0
        log_path = redact(urlsplit(url).path)
        while True:
            attempt += 1
            self._acquire()
            started = time.monotonic()
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers={
                        **headers,
                        "Authorization": f"Bearer {token}",
                        "Accept": "application/json",
                    },
                    timeout=self._timeout,
                    allow_redirects=False,
                )
            except OutboundRefused as exc:
                self._log(method, log_path, "refused", started, attempt, logging.WARNING)
                raise CalendarUnavailable(UNREACHABLE) from exc
            except (requests.Timeout, requests.ConnectionError) as exc:
                self._log(method, log_path, type(exc).__name__, started, attempt, logging.WARNING)
                if retries >= self._max_retries or not (idempotent or _never_sent(exc)):
                    raise CalendarUnavailable(UNREACHABLE) from exc
                self.sleep(backoff_delay(retries, rand=self._rand))
                retries += 1
                continue

            status = response.status_code
            if status < 300:
                self._log(method, log_path, status, started, attempt, logging.INFO)
                return response
            if status < 400:
                # Neither API redirects; an answer that does is not theirs.
                self._log(method, log_path, status, started, attempt, logging.WARNING)
                raise CalendarUnavailable(UNREACHABLE, status=status)
            code, message = provider_error(response)
            self._log(
                method, log_path, status, started, attempt, logging.WARNING, code=code, said=message
            )

            if status == 401 and not refreshed:
                token = self._tokens.refresh(token)
                refreshed = True
                continue

            if status == 403 and code in GOOGLE_QUOTA_REASONS:
                # A quota for the day: the sync stops until the next periodic run.
                raise CalendarQuotaExceeded(QUOTA_EXCEEDED, status=status, code=code)
            rate_limited = status == 429 or (status == 403 and code in GOOGLE_RATE_REASONS)
            if rate_limited or status >= 500:
                retry_after = parse_retry_after(
                    response.headers.get("Retry-After"), now=time.time()
                )
                may_retry = (
                    retries < self._max_retries
                    and (retry_after or 0) <= MAX_RETRY_AFTER
                    # A rate-limit answer or a 503 means it was not acted on.
                    and (rate_limited or status == 503 or idempotent)
                )
                if not may_retry:
                    if rate_limited:
                        raise CalendarRateLimited(
                            RATE_LIMITED, retry_after=retry_after, status=status, code=code
                        )
                    raise CalendarUnavailable(UNREACHABLE, status=status, code=code)
                delay = (
                    retry_after
                    if retry_after is not None
                    else backoff_delay(retries, rand=self._rand)
                )
                if rate_limited or retry_after is not None:
                    # Every process calling this calendar waits it out, not only this one.
                    self._hold(delay)
                self.sleep(delay)
                retries += 1
                continue

            raise _client_error(self.provider, status, code)

    def _log(
        self,
        method: str,
        path: str,
        status: int | str,
        started: float,
        attempt: int,
        level: int,
        *,
        code: str | None = None,
        said: str = "",
    ) -> None:
        duration_ms = (time.monotonic() - started) * 1000
        detail = f" code={redact(code[:60])}" if code else ""
        if said:
            detail += f" said={redact(said[:300])!r}"
        logger.log(
            level,
            "calendar %s %s %s status=%s duration_ms=%.0f attempt=%d%s",
            self.provider,
            method,
            path,
            status,
            duration_ms,
            attempt,
            detail,
        )
