"""Meetings: create (with the per-user daily limit), get, list, patch, end and delete, the
occurrences of recurring meetings (expanded by `occurrences`), and the join pages' lookup."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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
        if occurrence_id:
            chosen = meeting.occurrence(occurrence_id)
            if chosen is None:
                raise meeting_not_found(meeting.id)
            chosen.status = "deleted"
            return
        del self.meetings[meeting.id]

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
