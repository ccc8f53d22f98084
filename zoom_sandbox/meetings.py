"""Meetings: create (with the per-user daily limit), get, list, patch, end and delete, the
occurrences of recurring meetings (expanded by `occurrences`), and the join pages' lookup.

As Zoom does, a meeting changed or deleted (through the API, or "in Zoom's own app": the
control API's `meetings/<id>/change` and `/delete`, `run_zoom_sandbox change|delete`) sends
`meeting.updated` / `meeting.deleted`, signed, to the webhook target of the meeting's account
(zoom_sandbox.room). Their shape is Zoom's (zoom.github.io/rivet-javascript, Meetings.
MeetingUpdatedEvent / MeetingDeletedEvent): `operator`, `operator_id`, `scope` (updated) or
`operation` (deleted) for a recurring meeting, `time_stamp`, `object` with the meeting's id and
what changed (an occurrence's change lists it in `occurrences`; a series-wide change of time or
rule carries the `recurrence` and every occurrence), `old_object` with the values before."""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from zoom_sandbox import occurrences as occ
from zoom_sandbox.common import (
    ZoomError,
    api_error,
    locked,
    meeting_not_found,
    validation_failed,
    zoom_time,
)
from zoom_sandbox.oauth import Token
from zoom_sandbox.users import User

if TYPE_CHECKING:
    from zoom_sandbox.room import Rooms

DEFAULT_DAILY_CREATE_LIMIT = 100


@dataclass
class Occurrence:
    occurrence_id: str
    start_time: datetime
    duration: int
    status: str = "available"  # "deleted" ones are hidden, as Zoom does

    def to_zoom(self) -> dict:
        return {
            "occurrence_id": self.occurrence_id,
            "start_time": zoom_time(self.start_time),
            "duration": self.duration,
            "status": self.status,
        }


@dataclass
class Meeting:
    id: int
    uuid: str
    account_id: str
    host_id: str
    host_email: str
    topic: str
    type: int
    start_time: datetime | None
    duration: int
    timezone: str
    agenda: str
    created_at: datetime
    password: str
    settings: dict
    start_token: str
    registration_token: str
    recurrence: dict | None = None
    occurrences: list[Occurrence] = field(default_factory=list)
    status: str = "waiting"
    instances: list[str] = field(default_factory=list)  # uuids of played instances, in order

    @property
    def registration_enabled(self) -> bool:
        return self.settings.get("approval_type") in (0, 1)

    def live_occurrences(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.status != "deleted"]

    def occurrence(self, occurrence_id: str) -> Occurrence | None:
        for item in self.live_occurrences():
            if item.occurrence_id == str(occurrence_id):
                return item
        return None


class MeetingsMixin:
    meetings: dict[int, Meeting]
    rooms: Rooms  # where the account's webhooks go (SandboxState)
    meeting_create_daily_limit: int
    uuid_style: str | None  # None, "leading_slash" or "double_slash"

    def _reset_meetings(self) -> None:
        self.meetings = {}
        self.meeting_create_daily_limit = DEFAULT_DAILY_CREATE_LIMIT
        self._creates: dict[tuple[str, str], int] = {}
        self.uuid_style = None

    def new_uuid(self) -> str:
        raw = base64.b64encode(secrets.token_bytes(16)).decode()
        if self.uuid_style == "leading_slash":
            raw = "/" + raw[1:]
        elif self.uuid_style == "double_slash":
            raw = raw[:6] + "//" + raw[8:]
        return raw

    def _new_meeting_id(self) -> int:
        while True:
            meeting_id = 81_000_000_000 + secrets.randbelow(18_999_999_999)
            if meeting_id not in self.meetings:
                return meeting_id

    def _meeting(self, token: Token, ref) -> Meeting:
        try:
            meeting = self.meetings.get(int(str(ref)))
        except ValueError:
            meeting = next((m for m in self.meetings.values() if m.uuid == ref), None)
        if meeting is None or meeting.account_id != token.account_id:
            raise meeting_not_found(ref)
        return meeting

    def _count_create(self, user: User) -> None:
        now = datetime.fromtimestamp(self.clock(), UTC)
        key = (user.id, now.date().isoformat())
        if self._creates.get(key, 0) >= self.meeting_create_daily_limit:
            midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
            raise ZoomError(
                429,
                {
                    "code": 429,
                    "message": (
                        "You have exceeded the daily rate limit "
                        f"({self.meeting_create_daily_limit}) of Meeting Create/Update API "
                        "requests permitted for this particular user. "
                        "You may resume these requests at GMT 00:00:00."
                    ),
                },
                {"Retry-After": str(int((midnight - now).total_seconds()) + 1)},
            )
        self._creates[key] = self._creates.get(key, 0) + 1

    @locked
    def meeting_create(self, token: Token, user_ref: str, body: dict) -> dict:
        user = self._acting_user(token, user_ref)
        kind = body.get("type", 2)
        if kind not in (1, 2, 3, 8):
            raise validation_failed("type")
        timezone = body.get("timezone") or user.timezone
        now = datetime.fromtimestamp(self.clock(), UTC).replace(microsecond=0)
        try:
            occ.zone(timezone)
            start = (
                occ.parse_start(body["start_time"], timezone)
                if body.get("start_time") and kind in (2, 8)
                else now
            )
        except occ.RecurrenceInvalid as exc:
            raise validation_failed(exc.field, str(exc)) from exc
        duration = body.get("duration", 60)
        if not isinstance(duration, int) or duration < 0:
            raise validation_failed("duration")
        settings = {
            "host_video": False,
            "participant_video": False,
            "join_before_host": False,
            "mute_upon_entry": False,
            "approval_type": 2,
            "registration_type": 1,
            "audio": "both",
            "auto_recording": "none",
            "waiting_room": False,
            "meeting_authentication": False,
            "use_pmi": False,
            "close_registration": False,
            "registrants_email_notification": True,
            "email_notification": True,
            **(body.get("settings") or {}),
        }
        self._count_create(user)
        meeting = Meeting(
            id=self._new_meeting_id(),
            uuid=self.new_uuid(),
            account_id=user.account_id,
            host_id=user.id,
            host_email=user.email,
            topic=str(body.get("topic") or "Zoom Meeting")[:200],
            type=kind,
            start_time=start,
            duration=duration,
            timezone=timezone,
            agenda=str(body.get("agenda") or ""),
            created_at=now,
            password=str(body.get("password") or secrets.token_hex(3)),
            settings=settings,
            start_token=secrets.token_urlsafe(24),
            registration_token=secrets.token_urlsafe(24),
        )
        if kind == 8:
            self._set_recurrence(meeting, body.get("recurrence"))
        self.meetings[meeting.id] = meeting
        self.registrants[meeting.id] = []
        return self.meeting_json(meeting)

    def _set_recurrence(self, meeting: Meeting, recurrence) -> None:
        if not isinstance(recurrence, dict):
            raise validation_failed("recurrence", "Recurrence is required for type 8.")
        try:
            starts = occ.expand(recurrence, meeting.start_time, meeting.timezone)
        except occ.RecurrenceInvalid as exc:
            raise validation_failed(exc.field, str(exc)) from exc
        deleted = {o.occurrence_id for o in meeting.occurrences if o.status == "deleted"}
        meeting.recurrence = dict(recurrence)
        meeting.occurrences = [
            Occurrence(
                occ.occurrence_id(start),
                start,
                meeting.duration,
                "deleted" if occ.occurrence_id(start) in deleted else "available",
            )
            for start in starts
        ]

    def meeting_json(self, meeting: Meeting, *, occurrence_id: str = "") -> dict:
        base = self.base_url
        start, duration = meeting.start_time, meeting.duration
        live = meeting.live_occurrences()
        if occurrence_id:
            chosen = meeting.occurrence(occurrence_id)
            if chosen is None:
                raise api_error(404, 3001, f"Meeting does not exist: {meeting.id}.")
            start, duration = chosen.start_time, chosen.duration
        elif meeting.type == 8 and live:
            start = live[0].start_time
        body = {
            "uuid": meeting.uuid,
            "id": meeting.id,
            "host_id": meeting.host_id,
            "host_email": meeting.host_email,
            "assistant_id": "",
            "topic": meeting.topic,
            "type": meeting.type,
            "status": meeting.status,
            "start_time": zoom_time(start),
            "duration": duration,
            "timezone": meeting.timezone,
            "agenda": meeting.agenda,
            "created_at": zoom_time(meeting.created_at),
            "start_url": f"{base}/s/{meeting.id}?zak={meeting.start_token}",
            "join_url": f"{base}/j/{meeting.id}",
            "password": meeting.password,
            "h323_password": meeting.password,
            "pstn_password": meeting.password,
            "encrypted_password": meeting.start_token[:32],
            "pre_schedule": False,
            "settings": dict(meeting.settings),
            "creation_source": "open_api",
        }
        if meeting.type == 1:
            body.pop("start_time")
        if meeting.type == 8:
            body["occurrences"] = [o.to_zoom() for o in live]
            body["recurrence"] = dict(meeting.recurrence or {})
        if meeting.registration_enabled:
            body["registration_url"] = f"{base}/meeting/register/{meeting.registration_token}"
        return body

    @locked
    def meeting_get(self, token: Token, ref, *, occurrence_id: str = "") -> dict:
        return self.meeting_json(self._meeting(token, ref), occurrence_id=occurrence_id)

    @locked
    def meeting_list(
        self, token: Token, user_ref: str, *, kind: str, page_size, page_token: str
    ) -> dict:
        user = self._acting_user(token, user_ref)
        now = datetime.fromtimestamp(self.clock(), UTC)
        meetings = [m for m in self.meetings.values() if m.host_id == user.id]
        if kind == "live":
            meetings = [m for m in meetings if m.status == "started"]
        elif kind in ("upcoming", "upcoming_meetings"):
            meetings = [
                m
                for m in meetings
                if any(o.start_time >= now for o in m.live_occurrences())
                or (m.type != 8 and m.start_time and m.start_time >= now)
            ]
        meetings.sort(key=lambda m: (m.created_at, m.id))
        rows = []
        for meeting in meetings:
            full = self.meeting_json(meeting)
            rows.append(
                {
                    key: full[key]
                    for key in (
                        "uuid",
                        "id",
                        "host_id",
                        "topic",
                        "type",
                        "start_time",
                        "duration",
                        "timezone",
                        "agenda",
                        "created_at",
                        "join_url",
                    )
                    if key in full
                }
            )
        page, meta = self._page(rows, f"meetings:{user.id}:{kind}", page_size, page_token)
        return {**meta, "meetings": page}

    @locked
    def meeting_patch(self, token: Token, ref, body: dict, *, occurrence_id: str = "") -> None:
        meeting = self._meeting(token, ref)
        before = _snapshot(meeting)
        self._meeting_patch(meeting, body, occurrence_id=occurrence_id)
        self._notify_later(self._updated_body(meeting, before, occurrence_id=occurrence_id))

    def _meeting_patch(self, meeting: Meeting, body: dict, *, occurrence_id: str = "") -> None:
        if occurrence_id:
            chosen = meeting.occurrence(occurrence_id)
            if chosen is None:
                raise validation_failed("occurrence_id", f"Invalid occurrence_id: {occurrence_id}")
            try:
                if body.get("start_time"):
                    chosen.start_time = occ.parse_start(body["start_time"], meeting.timezone)
            except occ.RecurrenceInvalid as exc:
                raise validation_failed(exc.field, str(exc)) from exc
            if "duration" in body:
                chosen.duration = int(body["duration"])
            return
        try:
            if body.get("timezone"):
                occ.zone(body["timezone"])
                meeting.timezone = body["timezone"]
            if body.get("start_time"):
                meeting.start_time = occ.parse_start(body["start_time"], meeting.timezone)
        except occ.RecurrenceInvalid as exc:
            raise validation_failed(exc.field, str(exc)) from exc
        for key in ("topic", "agenda"):
            if key in body:
                setattr(meeting, key, str(body[key]))
        if "duration" in body:
            meeting.duration = int(body["duration"])
        if "settings" in body:
            meeting.settings.update(body["settings"] or {})
        if "type" in body:
            if body["type"] not in (1, 2, 3, 8):
                raise validation_failed("type")
            meeting.type = body["type"]
        if meeting.type == 8 and (
            "recurrence" in body or "start_time" in body or "duration" in body
        ):
            self._set_recurrence(meeting, body.get("recurrence", meeting.recurrence))
        elif meeting.type != 8:
            meeting.recurrence, meeting.occurrences = None, []

    @locked
    def meeting_end(self, token: Token, ref, action: str) -> None:
        """PUT /meetings/{id}/status: only "end" is supported; it records the request."""
        meeting = self._meeting(token, ref)
        if action != "end":
            raise validation_failed("action", f"Invalid action: {action}")
        meeting.status = "ended_by_api"

    @locked
    def meeting_delete(self, token: Token, ref, *, occurrence_id: str = "") -> None:
        meeting = self._meeting(token, ref)
        self._notify_later(self._meeting_delete(meeting, occurrence_id=occurrence_id))

    def _meeting_delete(self, meeting: Meeting, *, occurrence_id: str = "") -> dict:
        chosen = None
        if occurrence_id:
            chosen = meeting.occurrence(occurrence_id)
            if chosen is None:
                raise meeting_not_found(meeting.id)
            chosen.status = "deleted"
        else:
            del self.meetings[meeting.id]
        return self._deleted_body(meeting, chosen)

    # --- a change made "in Zoom's own app" (the control API) ----------------------------------

    def _meeting_by_id(self, meeting_id) -> Meeting:
        try:
            meeting = self.meetings.get(int(str(meeting_id)))
        except ValueError:
            meeting = None
        if meeting is None:
            raise meeting_not_found(meeting_id)
        return meeting

    def meeting_change_in_app(
        self,
        meeting_id,
        *,
        occurrence_id: str = "",
        start_time: str = "",
        duration: int | None = None,
        topic: str = "",
    ) -> int | None:
        """Its host changes the meeting (or one occurrence) in Zoom's app: `meeting.updated`
        goes to the account's webhook target. Returns the target's answer (None: no target)."""
        with self.lock:
            meeting = self._meeting_by_id(meeting_id)
            body: dict = {}
            if start_time:
                body["start_time"] = start_time
            if duration is not None:
                body["duration"] = duration
            if topic and not occurrence_id:
                body["topic"] = topic
            before = _snapshot(meeting)
            self._meeting_patch(meeting, body, occurrence_id=occurrence_id)
            event = self._updated_body(meeting, before, occurrence_id=occurrence_id)
        return self._notify(event)

    def meeting_delete_in_app(self, meeting_id, *, occurrence_id: str = "") -> int | None:
        """Its host deletes the meeting (or one occurrence) in Zoom's app: `meeting.deleted`."""
        with self.lock:
            meeting = self._meeting_by_id(meeting_id)
            event = self._meeting_delete(meeting, occurrence_id=occurrence_id)
        return self._notify(event)

    # --- the webhooks of a change -------------------------------------------------------------

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def _payload(self, meeting: Meeting, obj: dict) -> dict:
        return {
            "account_id": meeting.account_id,
            "operator": meeting.host_email,
            "operator_id": meeting.host_id,
            "object": obj,
        }

    def _updated_body(self, meeting: Meeting, before: dict, *, occurrence_id: str = "") -> dict:
        after = _snapshot(meeting)
        obj: dict = {"id": meeting.id, "uuid": meeting.uuid, "host_id": meeting.host_id}
        old: dict = {"id": meeting.id, "uuid": meeting.uuid}
        if occurrence_id:
            obj["occurrences"] = [after["occurrences"].get(occurrence_id)]
            old["occurrences"] = [before["occurrences"].get(occurrence_id)]
        else:
            for key in ("topic", "agenda", "start_time", "duration", "timezone"):
                if after[key] != before[key]:
                    obj[key], old[key] = after[key], before[key]
            if meeting.type == 8 and after["occurrences"] != before["occurrences"]:
                obj["recurrence"] = dict(meeting.recurrence or {})
                obj["occurrences"] = list(after["occurrences"].values())
                old["recurrence"] = before["recurrence"]
                old["occurrences"] = list(before["occurrences"].values())
        now = self._now_ms()
        payload = {**self._payload(meeting, obj), "old_object": old, "time_stamp": now}
        if meeting.type == 8:
            payload["scope"] = "single" if occurrence_id else "all"
        return {"event": "meeting.updated", "event_ts": now, "payload": payload}

    def _deleted_body(self, meeting: Meeting, occurrence: Occurrence | None) -> dict:
        obj = {
            "uuid": meeting.uuid,
            "id": meeting.id,
            "host_id": meeting.host_id,
            "topic": meeting.topic,
            "type": meeting.type,
            "start_time": zoom_time(meeting.start_time),
            "duration": meeting.duration,
            "timezone": meeting.timezone,
        }
        if occurrence is not None:
            obj["occurrences"] = [
                {
                    "occurrence_id": occurrence.occurrence_id,
                    "start_time": zoom_time(occurrence.start_time),
                }
            ]
        payload = self._payload(meeting, obj)
        if meeting.type == 8:
            payload["operation"] = "single" if occurrence is not None else "all"
        return {"event": "meeting.deleted", "event_ts": self._now_ms(), "payload": payload}

    def _notify(self, body: dict) -> int | None:
        """Send a webhook to the account's target now; its answer's status (None: no target)."""
        target = self.rooms.targets.get(body["payload"]["account_id"])
        if target is None:
            return None
        return self.rooms.send(target, body, self.clock())

    def _notify_later(self, body: dict) -> None:
        """As Zoom does for API calls: the webhook follows the answer, from another thread."""
        if body["payload"]["account_id"] in self.rooms.targets:
            threading.Thread(target=self._notify, args=(body,), daemon=True).start()

    @locked
    def meeting_by_join_token(self, meeting_id: str, tk: str = "") -> tuple[Meeting, str] | None:
        """For the join pages: the meeting and, with a registrant token, who is joining."""
        try:
            meeting = self.meetings.get(int(meeting_id))
        except ValueError:
            return None
        if meeting is None:
            return None
        who = ""
        if tk:
            registrant = next(
                (r for r in self.registrants.get(meeting.id, []) if r.token == tk), None
            )
            if registrant is None or registrant.status == "cancelled":
                return None  # a cancelled registration's link stops working
            who = registrant.name
        return meeting, who


def _snapshot(meeting: Meeting) -> dict:
    """What a change's webhook compares: the meeting's fields and live occurrences."""
    return {
        "topic": meeting.topic,
        "agenda": meeting.agenda,
        "start_time": zoom_time(meeting.start_time),
        "duration": meeting.duration,
        "timezone": meeting.timezone,
        "recurrence": dict(meeting.recurrence or {}),
        "occurrences": {
            o.occurrence_id: {
                "occurrence_id": o.occurrence_id,
                "start_time": zoom_time(o.start_time),
                "duration": o.duration,
            }
            for o in meeting.live_occurrences()
        },
    }
