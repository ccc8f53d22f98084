"""What every resource of the sandbox shares: Zoom's error answers, time and id formats, and
the `locked` decorator that makes a state method hold the state's lock."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from datetime import UTC, datetime


class ZoomError(Exception):
    """An HTTP error answer in Zoom's shape."""

    def __init__(self, status: int, body: dict | str | None, headers: dict | None = None):
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def api_error(status: int, code: int, message: str, **extra) -> ZoomError:
    return ZoomError(status, {"code": code, "message": message, **extra})


def oauth_error(status: int, error: str, reason: str) -> ZoomError:
    return ZoomError(status, {"reason": reason, "error": error})


def invalid_token() -> ZoomError:
    return api_error(401, 124, "Invalid access token.")


def meeting_not_found(meeting_ref) -> ZoomError:
    return api_error(404, 3001, f"Meeting does not exist: {meeting_ref}.")


def validation_failed(field_name: str, message: str = "Invalid field.") -> ZoomError:
    return api_error(
        400, 300, "Validation Failed.", errors=[{"field": field_name, "message": message}]
    )


def zoom_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def stable_number(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def zoom_id(length: int = 22) -> str:
    return secrets.token_urlsafe(length)[:length]


def locked(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)

    return wrapper


def sign(secret_token: str, timestamp: str, raw_body: bytes) -> str:
    """Zoom's x-zm-signature for a raw body sent with x-zm-request-timestamp `timestamp`."""
    message = b"v0:" + timestamp.encode() + b":" + raw_body
    return "v0=" + hmac.new(secret_token.encode(), message, hashlib.sha256).hexdigest()


def webhook_headers(secret_token: str, raw_body: bytes, now: float, host: str | None) -> dict:
    """The headers Zoom sends a webhook with (signed), plus the Host to reach a school by."""
    timestamp = str(int(now))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Zoom Marketplace/1.0a",
        "x-zm-request-timestamp": timestamp,
        "x-zm-signature": sign(secret_token, timestamp, raw_body),
        "x-zm-trackingid": f"v=2.0;clid=us06;rid=SBX_{secrets.token_hex(8)}",
    }
    if host:
        headers["Host"] = host
    return headers
