"""The calendar-provider interface (Google Calendar, Microsoft Outlook). The sync services talk
to this only; `meetings.calendar_sync.providers.google` and `.microsoft` implement it over
HTTP, tested with requests-mock against the providers' own request and response shapes, and
against the sandbox's stand-in end to end."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

# --- exceptions ----------------------------------------------------------------------------

UNREACHABLE = "The calendar could not be reached. Try again later."


class CalendarError(Exception):
    """Base of every provider failure: `status` is the HTTP status, `code` the provider's own
    error code, when known. The message is ours (what the other end said is only logged)."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class CalendarAuthError(CalendarError):
    """The provider rejected the token even after one refresh, or the app's credentials."""


class CalendarGrantRevoked(CalendarAuthError):
    """`invalid_grant`: the person revoked access or the grant expired; they must reconnect."""


class CalendarRateLimited(CalendarError):
    """Rate limited and out of retries; `retry_after` seconds when the provider said."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class CalendarQuotaExceeded(CalendarRateLimited):
    """A quota for the day is used up (Google's `quotaExceeded` / `dailyLimitExceeded`):
    nothing more is written until it resets; waiting a minute does not help."""


class CalendarNotFound(CalendarError):
    """The event (or calendar) is not there: deleted by the person, or never made."""


class CalendarRefused(CalendarError):
    """The provider refused the request's content (4xx other than the above)."""


class CalendarUnavailable(CalendarError):
    """Unreachable, timed out, or 5xx after retries."""


# --- data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventBody:
    """A session as it is written to a person's calendar. Links are the platform's own (the
    person's join link, the class page), never Zoom's."""

    key: str  # ours, stable per (connection, session): lower-case base32hex, 26 characters
    title: str
    description: str  # plain text, with the join link and the class page
    start: datetime  # aware
    end: datetime
    timezone: str  # IANA name: the event keeps the class's wall-clock time across DST
    location: str  # the person's platform join link ("" when they have none)
    url: str  # the class page in the app


@dataclass(frozen=True)
class Written:
    remote_id: str
    etag: str = ""


@dataclass(frozen=True)
class Busy:
    start: datetime  # aware, UTC
    end: datetime


@dataclass(frozen=True)
class AccountInfo:
    email: str
    calendar_id: str  # the calendar written to ("primary" at Google, "" = default at Microsoft)


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str  # "" when the provider sent none (keep the old one)
    expires_in: int
    scope: str = ""


class CalendarProvider(abc.ABC):
    """One connected calendar. Every method may raise a CalendarError."""

    name: ClassVar[str]
    # `events_find` costs the same for many keys as for one (a listing): ask it once for all.
    finds_in_one_go: ClassVar[bool] = False

    @abc.abstractmethod
    def account(self) -> AccountInfo:
        """Who this is (their address) and which calendar is written to."""

    @abc.abstractmethod
    def event_put(self, body: EventBody, *, remote_id: str = "") -> Written:
        """Create the event, or update `remote_id`. Idempotent: a create retried after a lost
        answer finds the event made under `body.key`; an update of an event the person deleted
        there makes it again (CalendarNotFound is handled inside)."""

    @abc.abstractmethod
    def event_delete(self, remote_id: str) -> None:
        """Delete the event; one that is already gone is not an error."""

    @abc.abstractmethod
    def events_find(self, keys: Sequence[str]) -> dict[str, list[str]]:
        """The events made under these keys (ours, `EventBody.key`) and not deleted: key →
        their ids. For a row without a `remote_id` whose key may have been used (a worker died
        between the write and its record): what it may have made, to delete it. A key with
        nothing there is absent."""

    @abc.abstractmethod
    def busy(self, *, start: datetime, end: datetime) -> list[Busy]:
        """The person's busy times between `start` and `end` (free/busy: no titles)."""


class CalendarOAuth(abc.ABC):
    """A provider's OAuth endpoints for one school's app."""

    @abc.abstractmethod
    def authorize_url(self, *, state: str, redirect_uri: str, login_hint: str = "") -> str:
        """Where to send the person to approve (offline access: a refresh token comes back)."""

    @abc.abstractmethod
    def exchange_code(self, *, code: str, redirect_uri: str) -> TokenGrant: ...

    @abc.abstractmethod
    def refresh(self, *, refresh_token: str) -> TokenGrant:
        """CalendarGrantRevoked on `invalid_grant`."""

    @abc.abstractmethod
    def revoke(self, *, token: str) -> None:
        """Revoke at the provider where it has an endpoint for it (Google); else nothing."""
