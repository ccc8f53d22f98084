"""Microsoft Outlook through Microsoft Graph v1.0 for one connected calendar.

Creates carry `transactionId` = our key: Graph's own guard against a create repeated by a
client that lost the answer. Times are written in the class's IANA timezone (Graph takes IANA
names in `dateTimeTimeZone.timeZone`) and read back in UTC (`Prefer: outlook.timezone="UTC"`);
ids are immutable ones (`Prefer: IdType="ImmutableId"`), which stay the same when the person
moves the event to another folder. References: learn.microsoft.com/graph/api/user-post-events,
/event-update, /event-delete, /user-list-events, /user-list-calendarview,
/graph/outlook-immutable-id.

Free/busy comes from `GET /me/calendarView` with `$select=showAs,start,end` (no titles are
read), not from `POST /me/calendar/getSchedule`: getSchedule is not supported for personal
Microsoft accounts, which the default "common" directory lets people connect."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

from meetings.calendar_sync.client import CalendarClient
from meetings.calendar_sync.providers.base import (
    AccountInfo,
    Busy,
    CalendarNotFound,
    CalendarProvider,
    CalendarUnavailable,
    EventBody,
    Written,
)
from meetings.calendar_sync.providers.zones import known_zone

PREFER = 'outlook.timezone="UTC", IdType="ImmutableId"'
HEADERS = {"Prefer": PREFER}
# What counts as busy; `free` and `workingElsewhere` do not.
BUSY_SHOW_AS = frozenset({"busy", "tentative", "oof"})
PAGE_SIZE = 100
MAX_PAGES = 50
# Finding events by key reads at most this many pages of the newest events (a sync writes at
# most SYNC_MAX_EVENTS at a time: what it may have left without a record is among them).
FIND_PAGES = 10


def _local(value: datetime, zone: ZoneInfo) -> str:
    """Graph's dateTime: the wall-clock time in the named zone, without an offset."""
    return value.astimezone(zone).replace(tzinfo=None).isoformat(timespec="seconds")


def _parse(value: Any) -> datetime:
    """{"dateTime": "2026-03-02T09:00:00.0000000", "timeZone": "UTC"} (seven fractional
    digits, which Python reads up to six of)."""
    if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
        raise ValueError("not a dateTimeTimeZone")
    text = value["dateTime"]
    if "." in text:
        whole, fraction = text.split(".", 1)
        text = f"{whole}.{fraction[:6]}"
    parsed = datetime.fromisoformat(text)
    zone = value.get("timeZone") or "UTC"
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC if zone == "UTC" else ZoneInfo(zone))
    return parsed.astimezone(UTC)


def event_resource(body: EventBody) -> dict[str, Any]:
    """The event resource we write (learn.microsoft.com/graph/api/resources/event)."""
    zone_name = known_zone(body.timezone)
    zone = ZoneInfo(zone_name)
    return {
        "subject": body.title,
        "body": {"contentType": "text", "content": body.description},
        "start": {"dateTime": _local(body.start, zone), "timeZone": zone_name},
        "end": {"dateTime": _local(body.end, zone), "timeZone": zone_name},
        "location": {"displayName": body.location},
        "showAs": "busy",
        "isReminderOn": True,
    }


class MicrosoftCalendar(CalendarProvider):
    name: ClassVar[str] = "microsoft"
    finds_in_one_go: ClassVar[bool] = True

    def __init__(self, client: CalendarClient, *, calendar_id: str = ""):
        self.client = client
        self.calendar_id = calendar_id  # "" = the default calendar

    def _collection(self) -> str:
        if self.calendar_id:
            return f"/me/calendars/{quote(self.calendar_id, safe='')}/events"
        return "/me/events"

    @staticmethod
    def _event(remote_id: str) -> str:
        # Graph's ids are base64 with "=" padding, which it shows unescaped in its paths.
        return f"/me/events/{quote(remote_id, safe='=')}"

    def account(self) -> AccountInfo:
        # GET /me: `mail` is null for some accounts; `userPrincipalName` is the sign-in name.
        me = (
            self.client.request(
                "GET", "/me", params={"$select": "mail,userPrincipalName"}, headers=HEADERS
            )
            or {}
        )
        email = me.get("mail") or me.get("userPrincipalName")
        if not isinstance(email, str) or not email:
            raise CalendarUnavailable("Microsoft did not say which account this is.")
        return AccountInfo(email=email, calendar_id=self.calendar_id)

    def event_put(self, body: EventBody, *, remote_id: str = "") -> Written:
        resource = event_resource(body)
        if remote_id:
            try:
                answer = self.client.request(
                    "PATCH", self._event(remote_id), json=resource, headers=HEADERS
                )
                return _written(answer)
            except CalendarNotFound:
                # Deleted there: make it again. Not under the first transactionId, which
                # Graph may still hold for the deleted event; under one derived from the
                # deleted event's id, so that a retry of this create finds it too.
                suffix = hashlib.sha256(remote_id.encode()).hexdigest()[:12]
                return self._create(resource, f"{body.key}-{suffix}")
        return self._create(resource, body.key)

    def _create(self, resource: dict[str, Any], transaction_id: str) -> Written:
        answer = self.client.request(
            "POST",
            self._collection(),
            json={**resource, "transactionId": transaction_id},
            headers=HEADERS,
            idempotent=True,  # transactionId: Graph ignores a repeated create
        )
        return _written(answer)

    def events_find(self, keys: Sequence[str]) -> dict[str, list[str]]:
        # Graph does not filter events on `transactionId` (`$filter=transactionId eq '…'` is
        # refused with ErrorInvalidProperty): the most recently created events are read, ids
        # and transactionIds only, newest first, and matched here. A key's event is the one
        # created under it, or under `<key>-<suffix>` (made again after the person deleted it).
        wanted = set(keys)
        found: dict[str, list[str]] = {}
        url = self.client.api_base + self._collection()
        params: dict[str, Any] | None = {
            "$select": "id,transactionId",
            "$orderby": "createdDateTime desc",
            "$top": str(PAGE_SIZE),
        }
        for _ in range(FIND_PAGES):
            page = self.client.request_url("GET", url, params=params, headers=HEADERS) or {}
            for item in page.get("value") or []:
                if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                    continue
                key = str(item.get("transactionId") or "").split("-", 1)[0]
                if key in wanted:
                    found.setdefault(key, []).append(item["id"])
            next_link = page.get("@odata.nextLink")
            if not next_link:
                break
            url, params = self._next(next_link), None
        return found

    def _next(self, next_link: Any) -> str:
        # The next page's link carries its own query; it must stay below the API base.
        if not isinstance(next_link, str) or not next_link.startswith(self.client.api_base + "/"):
            raise CalendarUnavailable("Microsoft sent a paging link elsewhere.")
        return next_link

    def event_delete(self, remote_id: str) -> None:
        try:
            self.client.request("DELETE", self._event(remote_id), headers=HEADERS)
        except CalendarNotFound:
            return

    def busy(self, *, start: datetime, end: datetime) -> list[Busy]:
        path = "/me/calendarView"
        if self.calendar_id:
            path = f"/me/calendars/{quote(self.calendar_id, safe='')}/calendarView"
        params: dict[str, Any] | None = {
            "startDateTime": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endDateTime": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "$select": "showAs,start,end,isCancelled",
            "$top": str(PAGE_SIZE),
        }
        url = self.client.api_base + path
        periods: list[Busy] = []
        for _ in range(MAX_PAGES):
            page = self.client.request_url("GET", url, params=params, headers=HEADERS) or {}
            try:
                for item in page.get("value") or []:
                    if item.get("isCancelled") or item.get("showAs") not in BUSY_SHOW_AS:
                        continue
                    periods.append(Busy(start=_parse(item["start"]), end=_parse(item["end"])))
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                raise CalendarUnavailable("Microsoft sent busy times that are not times.") from exc
            next_link = page.get("@odata.nextLink")
            if not next_link:
                return periods
            url, params = self._next(next_link), None
        return periods


def _written(answer: dict[str, Any] | None) -> Written:
    if not answer or not isinstance(answer.get("id"), str):
        raise CalendarUnavailable("Microsoft did not say which event it wrote.")
    return Written(remote_id=answer["id"], etag=str(answer.get("@odata.etag") or ""))
