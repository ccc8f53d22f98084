"""The HTTP edge to Zoom's REST API: rate limiting, bearer auth with one refresh, retries with
backoff, and Zoom's errors mapped onto the provider exceptions. Knows nothing about meetings."""

from __future__ import annotations

import contextlib
import email.utils
import logging
import math
import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import requests
from urllib3.exceptions import NewConnectionError

from meetings.providers.base import (
    UNREACHABLE,
    AuthenticationError,
    FileTooLargeError,
    MeetingProviderError,
    NotFoundError,
    ProviderUnavailableError,
    ProviderValidationError,
    RateLimitError,
    ScopeError,
)
from meetings.zoom.links import origin_of, zoom_link_clean
from meetings.zoom.ratelimit import RateLimiter
from tenants.outbound import OutboundRefused, base_url_normalise, outbound_session

logger = logging.getLogger(__name__)

BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
# A longer Retry-After is a daily limit: no point holding a worker (or the account's bucket).
MAX_RETRY_AFTER = 60.0
TOKEN_EXPIRED_CODE = 124
SCOPE_CODE = 4711
NOT_FOUND_CODES = frozenset({1001, 3001, 3301})  # user, meeting, recording does not exist
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
DOWNLOAD_CHUNK = 64 * 1024
DOWNLOAD_MAX_SECONDS = 300.0
ERROR_BODY_MAX = 64 * 1024


class TokenSource(Protocol):
    """Where the client gets its bearer token (implemented in meetings.zoom.oauth)."""

    def access_token(self) -> str:
        """A token believed valid, obtaining or refreshing one if needed."""
        ...

    def refresh(self, stale_token: str) -> str:
        """Zoom rejected `stale_token`: return a new one (unless another process already did)."""
        ...


# --- helpers -------------------------------------------------------------------------------


def encode_uuid(uuid: str) -> str:
    """A meeting id or UUID as a path segment. Zoom wants UUIDs that start with '/' or contain
    '//' encoded twice (its router decodes once before matching)."""
    uuid = str(uuid)
    once = quote(uuid, safe="")
    if uuid.startswith("/") or "//" in uuid:
        return quote(once, safe="")
    return once


def backoff_delay(
    retry: int,
    *,
    rand: Callable[[], float] = random.random,
    base: float = BACKOFF_BASE,
    cap: float = BACKOFF_CAP,
) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**retry)]."""
    return rand() * min(cap, base * 2.0**retry)


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds, an HTTP date or an ISO date."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


_SECRET_NAMES = (
    r"[\w-]*(?:password|passcode|secret|token)|pwd|tk|zak|join_url|start_url|authorization"
)
_REDACTIONS = (
    # "name": "value" and 'name': 'value' (JSON, dict reprs)
    (
        re.compile(rf"""((["'])(?:{_SECRET_NAMES})\2\s*:\s*)(["'])(?:\\.|(?!\3).)*\3""", re.I),
        r"\1\3[redacted]\3",
    ),
    # "name": 123456 (Zoom sends some passcodes as numbers)
    (re.compile(rf"""((["'])(?:{_SECRET_NAMES})\2\s*:\s*)-?\d+""", re.I), r"\1[redacted]"),
    # name=value (query strings, form bodies, key=value log fields)
    (re.compile(rf"""\b((?:{_SECRET_NAMES})=)[^&\s"',;)]+""", re.I), r"\1[redacted]"),
    (re.compile(r"\b(Bearer|Basic)\s+[\w.~+/=-]+", re.I), r"\1 [redacted]"),
    # bare join/start links: /j/<id>, /s/<id>, /w/<id> (webinars)
    (re.compile(r"""https?://[^\s"'<>]*/[jsw]/[^\s"'<>]*""", re.I), "[redacted-url]"),
)


def redact(text: str) -> str:
    """`text` with tokens, secrets, passcodes and join/start links replaced, fit for a log."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Passes a record's final message through `redact`: for loggers that print whole URLs."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


# urllib3 logs every request line, query string included, at DEBUG.
logging.getLogger("urllib3.connectionpool").addFilter(RedactingFilter())


def _zoom_error(response: requests.Response) -> tuple[int | str | None, str]:
    """Zoom's error `code` and `message` from a body like {"code": 124, "message": "..."}."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return None, (response.reason or f"HTTP {response.status_code}")
    code = body.get("code")
    if isinstance(code, str) and code.isdigit():
        code = int(code)
    return code, str(body.get("message") or response.reason or f"HTTP {response.status_code}")


def _settle(response: requests.Response) -> None:
    """A streamed response that is not the file (an error, a redirect not followed): its first
    ERROR_BODY_MAX bytes become its content, for the error mapping, and its connection goes
    back to the pool. An error page is small; one that is not is not read to its end."""
    first = next(response.iter_content(ERROR_BODY_MAX), b"")
    response.close()
    response._content = first


def _too_large(limit: int, status: int) -> FileTooLargeError:
    return FileTooLargeError(
        f"The file is larger than the {limit:,} bytes allowed.", limit=limit, status=status
    )


def _is_scope_error(code: int | str | None, message: str) -> bool:
    return code == SCOPE_CODE or bool(re.search(r"\bscopes?\b", message, re.I))


def _client_error(status: int, code: int | str | None, message: str) -> MeetingProviderError:
    """Zoom's refusal as our exception, with our words: what the other end wrote is logged
    (redacted) by the caller and never shown, since the other end may not be Zoom."""
    label = f"HTTP {status}" + (f", Zoom code {code}" if code is not None else "")
    if _is_scope_error(code, message):
        return ScopeError(
            f"The Zoom app lacks a permission (scope) this needs ({label}).",
            status=status,
            code=code,
        )
    if status == 404 or code in NOT_FOUND_CODES:
        return NotFoundError(
            f"Zoom does not know this meeting, user or recording ({label}).",
            status=status,
            code=code,
        )
    if status == 401 or code == TOKEN_EXPIRED_CODE:
        return AuthenticationError(
            f"Zoom rejected the sign-in ({label}).", status=status, code=code
        )
    return ProviderValidationError(f"Zoom refused the request ({label}).", status=status, code=code)


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached Zoom (so even a POST may be retried)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


# --- the client ----------------------------------------------------------------------------


class ZoomClient:
    """Calls Zoom's API for one account. Retries what is safe to retry: idempotent methods on
    5xx, timeouts and connection errors; a POST only when Zoom cannot have acted on it (429,
    503, connection never made), since repeating a create would make a second meeting."""

    def __init__(
        self,
        api_base_url: str,
        tokens: TokenSource,
        account_key: str,
        *,
        session: requests.Session | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 4,
        timeout: float = 10,
        rand: Callable[[], float] = random.random,
    ):
        # The factory hands over a base from the allow-list (meetings.zoom.endpoints); this
        # refuses anything that could carry a query or user info into the URLs built below.
        self.api_base_url = base_url_normalise(api_base_url)
        self.account_key = account_key
        self._tokens = tokens
        self._session = session or outbound_session()
        self._limiter = limiter
        self._sleep = sleep
        self._max_retries = max_retries
        self._timeout = timeout
        self._rand = rand

    def request(
        self,
        method: str,
        path: str,
        *,
        category: str,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Call `path` (below the API base, e.g. "/users/me"); the JSON body, or None if empty.
        Parameters go in `params`, never in `path` (whose variable parts are quoted)."""
        if not path.startswith("/") or path.startswith("//") or any(c in path for c in "?#\\"):
            raise ValueError(f"not a path below the API base: {path!r}")
        response = self._send(
            method.upper(),
            self.api_base_url + path,
            category=category,
            params=params,
            json=json,
            follow=False,
        )
        if not response.content or not response.content.strip():
            return None
        try:
            body: dict[str, Any] = response.json()
            return body
        except ValueError as exc:
            raise ProviderUnavailableError(
                "Zoom sent a response that is not JSON", status=response.status_code
            ) from exc

    def download(
        self,
        url: str,
        *,
        category: str = "light",
        max_bytes: int | None = None,
        max_seconds: float = DOWNLOAD_MAX_SECONDS,
    ) -> bytes:
        """Fetch a file Zoom links to (a recording's download_url) with the bearer token,
        streamed: FileTooLargeError as soon as it passes `max_bytes` (declared or received;
        counted after any content encoding is undone, so a compressed bomb stops there too),
        ProviderUnavailableError when the body breaks off or takes longer than `max_seconds`
        in all (the read timeout is per chunk: a trickle would never trip it)."""
        if not zoom_link_clean(url, api_origin=origin_of(self.api_base_url)):
            logger.warning("refused a download link to %r", url.split("?")[0][:60])
            raise ProviderValidationError("Not a Zoom download link.")
        # Zoom's download links redirect to its file hosts: followed, each hop guarded (the
        # outbound session checks every connection's address; requests drops the bearer token
        # when a hop leaves the host).
        response = self._send("GET", url, category=category, params=None, json=None, stream=True)
        with contextlib.closing(response):
            declared = response.headers.get("Content-Length", "")
            if max_bytes is not None and declared.isdigit() and int(declared) > max_bytes:
                raise _too_large(max_bytes, response.status_code)
            deadline = time.monotonic() + max_seconds
            body = bytearray()
            try:
                for chunk in response.iter_content(chunk_size=DOWNLOAD_CHUNK):
                    body += chunk
                    if max_bytes is not None and len(body) > max_bytes:
                        raise _too_large(max_bytes, response.status_code)
                    if time.monotonic() > deadline:
                        logger.warning("zoom download took over %.0f s: given up", max_seconds)
                        raise ProviderUnavailableError(UNREACHABLE, status=response.status_code)
            except requests.RequestException as exc:  # broken off, reset, read timeout
                logger.warning("zoom download broke off: %s", type(exc).__name__)
                raise ProviderUnavailableError(UNREACHABLE, status=response.status_code) from exc
            return bytes(body)

    def _send(
        self,
        method: str,
        url: str,
        *,
        category: str,
        params: dict[str, Any] | None,
        json: dict[str, Any] | None,
        follow: bool = True,
        stream: bool = False,
    ) -> requests.Response:
        """The response to `method url`, after retries. With `stream` its body is not read
        yet (the caller closes it); the responses given up on along the way are closed."""
        token = self._tokens.access_token()
        refreshed = False
        retries = 0
        attempt = 0
        log_path = redact(urlsplit(url).path)
        while True:
            attempt += 1
            if self._limiter is not None:
                self._limiter.acquire(self.account_key, category)
            started = time.monotonic()
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                    timeout=self._timeout,
                    allow_redirects=follow,
                    stream=stream,
                )
            except OutboundRefused as exc:
                self._log(method, log_path, "refused", started, attempt, logging.WARNING)
                logger.warning("zoom call refused: %s", exc)
                raise ProviderUnavailableError(UNREACHABLE) from exc
            except (requests.Timeout, requests.ConnectionError) as exc:
                self._log(method, log_path, type(exc).__name__, started, attempt, logging.WARNING)
                if retries >= self._max_retries or not (
                    method in IDEMPOTENT_METHODS or _never_sent(exc)
                ):
                    raise ProviderUnavailableError(UNREACHABLE) from exc
                self._sleep(backoff_delay(retries, rand=self._rand))
                retries += 1
                continue

            status = response.status_code
            if stream and status >= 300:
                _settle(response)
            if 300 <= status < 400 and not follow:
                # Zoom's API does not redirect; a base that does is not Zoom's.
                self._log(method, log_path, status, started, attempt, logging.WARNING)
                raise ProviderUnavailableError(UNREACHABLE, status=status)
            if status < 400:
                self._log(method, log_path, status, started, attempt, logging.INFO)
                return response
            code, message = _zoom_error(response)
            # What the other end said goes to the log only (redacted), never to the user.
            self._log(
                method, log_path, status, started, attempt, logging.WARNING, code=code, said=message
            )

            if (
                (status == 401 or code == TOKEN_EXPIRED_CODE)
                and not refreshed
                and not _is_scope_error(code, message)
            ):
                token = self._tokens.refresh(token)
                refreshed = True
                continue

            if status == 429:
                retry_after = parse_retry_after(
                    response.headers.get("Retry-After"), now=time.time()
                )
                if retries >= self._max_retries or (retry_after or 0) > MAX_RETRY_AFTER:
                    raise RateLimitError(
                        "Zoom's rate limit was reached: try again later.",
                        retry_after=retry_after,
                        status=status,
                        code=code,
                    )
                delay = (
                    retry_after
                    if retry_after is not None
                    else backoff_delay(retries, rand=self._rand)
                )
                if self._limiter is not None:
                    self._limiter.hold(self.account_key, category, delay)
                self._sleep(delay)
                retries += 1
                continue

            if status >= 500:
                if retries >= self._max_retries or not (
                    method in IDEMPOTENT_METHODS or status == 503
                ):
                    raise ProviderUnavailableError(UNREACHABLE, status=status, code=code)
                self._sleep(backoff_delay(retries, rand=self._rand))
                retries += 1
                continue

            raise _client_error(status, code, message)

    def _log(
        self,
        method: str,
        path: str,
        status: int | str,
        started: float,
        attempt: int,
        level: int,
        *,
        code: int | str | None = None,
        said: str = "",
    ) -> None:
        duration_ms = (time.monotonic() - started) * 1000
        detail = f" code={code}" if code is not None else ""
        if code is not None and said:
            detail += f" said={redact(said[:300])!r}"
        logger.log(
            level,
            "zoom %s %s status=%s duration_ms=%.0f attempt=%d%s",
            method,
            path,
            status,
            duration_ms,
            attempt,
            detail,
        )
