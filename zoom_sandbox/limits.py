"""What tests turn and watch around every call: injected failures, per-second rate limits, the
log of calls, how strictly uuids in paths are decoded; and the paging every list endpoint
shares."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

from zoom_sandbox.common import ZoomError, api_error, locked, validation_failed, zoom_id

DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 300
RATE_LIMIT_MESSAGE = (
    "You have reached the maximum per-second rate limit for this API. Try again later."
)

Call = namedtuple("Call", "method path status")


@dataclass
class Failure:
    method: str
    path_prefix: str
    status: int
    body: dict | str | None
    headers: dict
    remaining: int


class LimitsMixin:
    calls: list[Call]
    failures: list[Failure]
    rate_limits: dict[str | None, int]  # account id (None: every account) -> rps
    strict_uuid_encoding: bool  # True: a once-encoded "/" breaks the path, as on Zoom

    def _reset_limits(self) -> None:
        self.calls = []
        self.failures = []
        self.rate_limits = {}
        self._rate_buckets: dict[tuple[str, int], int] = {}
        self.strict_uuid_encoding = False
        self._page_tokens: dict[str, tuple[str, int]] = {}

    @locked
    def fail_next(
        self,
        method: str,
        path_prefix: str,
        status: int,
        body: dict | str | None = None,
        times: int = 1,
        headers: dict | None = None,
    ) -> None:
        """The next `times` requests whose method matches (or "*") and whose path starts with
        `path_prefix` get `status` and `body` (default: Zoom-like JSON) before anything else."""
        if body is None:
            body = {"code": status, "message": f"Sandbox injected failure ({status})."}
        headers = dict(headers or {})
        if status == 429:
            headers.setdefault("Retry-After", "1")
        self.failures.append(
            Failure(method.upper(), path_prefix, int(status), body, headers, int(times))
        )

    @locked
    def set_rate_limit(self, per_second: int | None, *, account_id: str | None = None) -> None:
        """Allow `per_second` API requests per second per account (None: unlimited again)."""
        if per_second is None:
            self.rate_limits.pop(account_id, None)
        else:
            self.rate_limits[account_id] = int(per_second)

    @locked
    def rate_limit_check(self, account_id: str) -> dict:
        """Count one API request for the account; raise 429 over the limit. Returns headers."""
        limit = self.rate_limits.get(account_id, self.rate_limits.get(None))
        if limit is None:
            return {}
        second = int(self.clock())
        self._rate_buckets = {k: v for k, v in self._rate_buckets.items() if k[1] >= second}
        key = (account_id, second)
        self._rate_buckets[key] = self._rate_buckets.get(key, 0) + 1
        headers = {
            "X-RateLimit-Category": "Light",
            "X-RateLimit-Type": "QPS",
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - self._rate_buckets[key])),
        }
        if self._rate_buckets[key] > limit:
            raise ZoomError(
                429, {"code": 429, "message": RATE_LIMIT_MESSAGE}, {**headers, "Retry-After": "1"}
            )
        return headers

    @locked
    def take_failure(self, method: str, path: str) -> Failure | None:
        for failure in self.failures:
            if failure.method in ("*", method) and path.startswith(failure.path_prefix):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self.failures.remove(failure)
                return failure
        return None

    @locked
    def record_call(self, method: str, path: str, status: int) -> None:
        self.calls.append(Call(method, path, status))

    def _page(self, rows: list, key: str, page_size, page_token: str) -> tuple[list, dict]:
        try:
            size = int(page_size) if page_size not in (None, "") else DEFAULT_PAGE_SIZE
        except ValueError as exc:
            raise validation_failed("page_size") from exc
        size = max(1, min(size, MAX_PAGE_SIZE))
        offset = 0
        if page_token:
            saved = self._page_tokens.get(page_token)
            if saved is None or saved[0] != key:
                raise api_error(400, 300, "The next page token is invalid or expired.")
            offset = saved[1]
        page = rows[offset : offset + size]
        next_token = ""
        if offset + size < len(rows):
            next_token = zoom_id(32)
            self._page_tokens[next_token] = (key, offset + size)
        return page, {
            "page_count": max(1, -(-len(rows) // size)),
            "page_size": size,
            "total_records": len(rows),
            "next_page_token": next_token,
        }
