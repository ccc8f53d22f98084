"""Google Calendar (API v3) for one connected calendar.

Writes use our own event id (`EventBody.key`: lower-case base32hex, which Google's `id` rules
allow), so a create retried after a lost answer meets 409 `duplicate` and becomes an update of
the event it made. Google keeps a deleted event as `status: cancelled` under its id for a time
(an insert with that id is then a 409 too): every write sends `status: confirmed`, so that an
update of an event the person deleted brings it back. Reference:
developers.google.com/calendar/api/v3/reference/events (insert, update, get, delete) and
/freebusy/query; errors: developers.google.com/calendar/api/guides/errors."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

from meetings.calendar_sync.client import CalendarClient, CalendarConflict
from meetings.calendar_sync.providers.base import (
    AccountInfo,
    Busy,
    CalendarNotFound,
    CalendarProvider,
    CalendarRefused,
    CalendarUnavailable,
    EventBody,
    Written,
)
from meetings.calendar_sync.providers.zones import known_zone

PRIMARY = "primary"
# freeBusy answers for a bounded range: asked in windows of this length.
FREEBUSY_WINDOW = timedelta(days=31)
# No invitations or update mails: there are no attendees, and the person is the organiser.
NO_MAIL = {"sendUpdates": "none"}


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("not a time")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def event_resource(body: EventBody) -> dict[str, Any]:
    """The Events resource we write (developers.google.com/calendar/api/v3/reference/events):
    times in the class's timezone, so that the event keeps its wall-clock time as it moves."""
    zone_name = known_zone(body.timezone)
    zone = ZoneInfo(zone_name)
    resource: dict[str, Any] = {
        "summary": body.title,
        "description": body.description,
        "location": body.location,
        "start": {"dateTime": body.start.astimezone(zone).isoformat(), "timeZone": zone_name},
        "end": {"dateTime": body.end.astimezone(zone).isoformat(), "timeZone": zone_name},
        "status": "confirmed",
        "transparency": "opaque",
        "reminders": {"useDefault": True},
    }
    if body.url:
        resource["source"] = {"title": body.title[:200], "url": body.url}
    return resource


class GoogleCalendar(CalendarProvider):
    name: ClassVar[str] = "google"

    def __init__(self, client: CalendarClient, *, userinfo_url: str, calendar_id: str = ""):
        self.client = client
        self.userinfo_url = userinfo_url
        self.calendar_id = calendar_id or PRIMARY

    def _events(self, event_id: str = "") -> str:
        path = f"/calendars/{quote(self.calendar_id, safe='')}/events"
        return f"{path}/{quote(event_id, safe='')}" if event_id else path

    def account(self) -> AccountInfo:
        # OpenID Connect userinfo (scope `email`): {"sub": …, "email": …, "email_verified": …}.
        info = self.client.request_url("GET", self.userinfo_url) or {}
        email = info.get("email")
        if not isinstance(email, str) or not email:
            raise CalendarUnavailable("Google did not say which account this is.")
        return AccountInfo(email=email, calendar_id=PRIMARY)

    def event_put(self, body: EventBody, *, remote_id: str = "") -> Written:
        resource = event_resource(body)
        if remote_id:
            try:
                return self._update(remote_id, resource)
            except (CalendarNotFound, CalendarRefused) as exc:
                if not _unwritable(exc):
                    raise
                # Gone for good there (purged), or deleted and no longer writable: make it
                # again, under our key if Google lets that id be written.
        return self._insert(body.key, resource, after=remote_id)

    def _insert(
        self, event_id: str, resource: dict[str, Any], *, after: str | None = ""
    ) -> Written:
        try:
            answer = self.client.request(
                "POST",
                self._events(),
                params=NO_MAIL,
                json={**resource, "id": event_id},
                # Our own id: a repeat after a lost answer is a 409, not a second event.
                idempotent=True,
            )
        except CalendarConflict:
            # Made already (a lost answer), or deleted there and kept as cancelled, which an
            # update with status "confirmed" brings back.
            try:
                return self._update(event_id, resource)
            except (CalendarNotFound, CalendarRefused) as exc:
                if after is None or not _unwritable(exc):
                    raise
                # The id is held by an event that can no longer be written: another id,
                # derived from the one given up on so that a retry finds the same (hex digits
                # are base32hex), and new for each time the person deletes it.
                second = _derived_id(event_id, after or event_id)
                return self._insert(second, resource, after=None)
        return _written(answer)

    def _update(self, event_id: str, resource: dict[str, Any]) -> Written:
        answer = self.client.request("PUT", self._events(event_id), params=NO_MAIL, json=resource)
        return _written(answer)

    def events_find(self, keys: Sequence[str]) -> dict[str, list[str]]:
        # The event id IS the key (events.get: 200 with the resource, a deleted one as status
        # "cancelled"; 404 when never made). A key held by a deleted event may have given way
        # to the id derived from it (`_insert`): that one is asked too.
        found: dict[str, list[str]] = {}
        for key in keys:
            for event_id in (key, _derived_id(key, key)):
                status = self._status(event_id)
                if status is not None and status != "cancelled":
                    found.setdefault(key, []).append(event_id)
                    break
                if status is None:
                    break  # never made: no derived id either
        return found

    def _status(self, event_id: str) -> str | None:
        try:
            answer = self.client.request("GET", self._events(event_id))
        except CalendarNotFound:
            return None
        return str((answer or {}).get("status") or "confirmed")

    def event_delete(self, remote_id: str) -> None:
        try:
            self.client.request("DELETE", self._events(remote_id), params=NO_MAIL)
        except CalendarNotFound:
            return  # 404, or 410 "deleted": gone already

    def busy(self, *, start: datetime, end: datetime) -> list[Busy]:
        periods: list[Busy] = []
        window_start = start
        while window_start < end:
            window_end = min(end, window_start + FREEBUSY_WINDOW)
            periods.extend(self._busy_window(window_start, window_end))
            window_start = window_end
        return periods

    def _busy_window(self, start: datetime, end: datetime) -> list[Busy]:
        # POST /freeBusy: {"timeMin", "timeMax", "items": [{"id"}]} → {"calendars": {id:
        # {"busy": [{"start", "end"}], "errors": [{"domain", "reason"}]}}}.
        answer = self.client.request(
            "POST",
            "/freeBusy",
            json={
                "timeMin": _rfc3339(start),
                "timeMax": _rfc3339(end),
                "timeZone": "UTC",
                "items": [{"id": self.calendar_id}],
            },
            idempotent=True,  # a query
        )
        calendars = (answer or {}).get("calendars") or {}
        entry = calendars.get(self.calendar_id)
        if not isinstance(entry, dict) or entry.get("errors"):
            raise CalendarUnavailable("Google did not give the calendar's free/busy times.")
        try:
            return [
                Busy(start=_parse(item["start"]), end=_parse(item["end"]))
                for item in entry.get("busy") or []
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise CalendarUnavailable("Google sent free/busy times that are not times.") from exc


def _derived_id(event_id: str, given_up: str) -> str:
    """The id written when `event_id` is held by an event that can no longer be written:
    derived from the one given up on, so that a retry finds the same (hex digits are
    base32hex)."""
    return event_id[:26] + hashlib.sha256(given_up.encode()).hexdigest()[:10]


def _unwritable(exc: CalendarNotFound | CalendarRefused) -> bool:
    """Not there (404, 410 "deleted") or not writable any more (403 "forbidden" on a deleted
    event); not a 409, a rate limit (CalendarRateLimited) or a missing scope (CalendarAuthError),
    which are not CalendarRefused."""
    return isinstance(exc, CalendarNotFound) or (
        exc.status == 403 and not isinstance(exc, CalendarConflict)
    )


def _written(answer: dict[str, Any] | None) -> Written:
    if not answer or not isinstance(answer.get("id"), str):
        raise CalendarUnavailable("Google did not say which event it wrote.")
    return Written(remote_id=answer["id"], etag=str(answer.get("etag") or ""))
