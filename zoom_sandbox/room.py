"""The sandbox's meeting room: what a person sees after following a start or join link, and the
webhooks Zoom would send while they come and go. The host starts the meeting from the start
link; a registrant joins from their personal join link once it has started, and leaves; the
host ends it for everyone. Each step sends the signed event Zoom sends (`meeting.started`,
`meeting.participant_joined` / `_left`, `meeting.ended`) to the webhook target registered for
the meeting's account, and the end stores the attendance for the report endpoints, as a played
class does. The class is recorded: after the end come `recording.completed` and
`recording.transcript_completed`, with a transcript spoken by who was in the room. Without a
target the room still works and sends nothing.

Targets: `POST /_sandbox/webhooks {"account_id", "url", "secret", "host"}` (the command's
`--webhook` options set the demo account's)."""

from __future__ import annotations

import html
import json
import logging
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from zoom_sandbox.common import stable_number, webhook_headers, zoom_time
from zoom_sandbox.recording_events import recording_completed, transcript_completed
from zoom_sandbox.script import class_transcript

logger = logging.getLogger("zoom_sandbox")


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    secret: str
    host: str = ""  # the Host header (the school's host when `url` names 127.0.0.1)


@dataclass
class Attendee:
    key: str  # participant_uuid
    name: str
    email: str
    registrant_id: str
    zoom_id: str  # the participant id: the host's user id for the host
    user_id: str  # Zoom's per-join user id
    joined_at: datetime
    is_host: bool = False


@dataclass
class LiveRoom:
    begun: dict  # what play_begin answered: the instance's uuid, meeting, host, account
    start: datetime
    people: dict[str, Attendee] = field(default_factory=dict)  # by who (token or "host")
    rows: list[dict] = field(default_factory=list)  # closed segments, in the report's shape


class Rooms:
    """The live rooms of one sandbox, by meeting id. `send` is for tests (default: POST)."""

    def __init__(self, state, *, send=None):
        self.state = state
        self.lock = threading.RLock()
        self.live: dict[int, LiveRoom] = {}
        self.targets: dict[str, WebhookTarget] = {}
        self.send = send or _post

    def target_set(self, account_id: str, target: WebhookTarget) -> None:
        with self.lock:
            self.targets[account_id] = target

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.state.clock(), UTC).replace(microsecond=0)

    def _event(self, room: LiveRoom, event: str, extra: dict) -> None:
        meeting = room.begun["meeting"]
        obj = {
            "id": meeting["id"],
            "uuid": room.begun["uuid"],
            "host_id": meeting["host_id"],
            "topic": meeting["topic"],
            "type": meeting["type"],
            "start_time": zoom_time(room.start),
            "timezone": meeting.get("timezone", "UTC"),
            "duration": meeting.get("duration", 60),
            **extra,
        }
        body = {
            "event": event,
            "event_ts": int(self._now().timestamp() * 1000),
            "payload": {"account_id": room.begun["account_id"], "object": obj},
        }
        self._send(room, body)

    def _send(self, room: LiveRoom, body: dict) -> None:
        target = self.targets.get(room.begun["account_id"])
        if target is not None:
            self.send(target, body, self.state.clock())

    def _participant(self, person: Attendee, *, leaving: bool, at: datetime) -> dict:
        body = {
            "user_id": person.user_id,
            "user_name": person.name,
            "id": person.zoom_id,
            "participant_uuid": person.key,
            "email": person.email,
            "participant_user_id": person.zoom_id,
        }
        if person.registrant_id:
            body["registrant_id"] = person.registrant_id
        if leaving:
            body["leave_time"] = zoom_time(at)
            body["leave_reason"] = f"{person.name} left the meeting.<br>Reason: left the meeting"
        else:
            body["join_time"] = zoom_time(at)
        return body

    # --- what people do ------------------------------------------------------------------------

    def start(self, meeting_id: int) -> LiveRoom:
        """The host starts the meeting (and is in it). Starting a live meeting again is a no-op."""
        with self.lock:
            room = self.live.get(meeting_id)
            if room is not None:
                return room
            begun = self.state.play_begin(meeting_id)
            room = self.live[meeting_id] = LiveRoom(begun=begun, start=self._now())
            self._event(room, "meeting.started", {})
            host = begun["host"]
            name = f"{host.get('first_name', '')} {host.get('last_name', '')}".strip()
            self._join(room, "host", name or host["email"], host["email"], "", host["id"], True)
            return room

    def join(self, meeting_id: int, registrant) -> bool:
        """A registrant joins from their link. False while the host has not started."""
        with self.lock:
            room = self.live.get(meeting_id)
            if room is None:
                return False
            if registrant.token not in room.people:
                zoom_id = f"sbx{stable_number(registrant.email) % 10**10:010d}"
                self._join(
                    room,
                    registrant.token,
                    registrant.name,
                    registrant.email,
                    registrant.id,
                    zoom_id,
                    False,
                )
            return True

    def _join(self, room, who, name, email, registrant_id, zoom_id, is_host) -> None:
        person = Attendee(
            key=secrets.token_hex(8).upper(),
            name=name,
            email=email,
            registrant_id=registrant_id,
            zoom_id=zoom_id,
            user_id=str(16_000_000 + secrets.randbelow(1_000_000)),
            joined_at=self._now(),
            is_host=is_host,
        )
        room.people[who] = person
        self._event(
            room,
            "meeting.participant_joined",
            {"participant": self._participant(person, leaving=False, at=person.joined_at)},
        )

    def leave(self, meeting_id: int, who: str) -> None:
        with self.lock:
            room = self.live.get(meeting_id)
            if room is not None and who in room.people:
                self._leave(room, who)

    def _leave(self, room: LiveRoom, who: str) -> None:
        person = room.people.pop(who)
        at = self._now()
        room.rows.append(
            {
                "id": person.zoom_id,
                "user_id": person.user_id,
                "name": person.name,
                "user_email": person.email,
                "registrant_id": person.registrant_id,
                "participant_user_id": person.zoom_id,
                "join_time": zoom_time(person.joined_at),
                "leave_time": zoom_time(at),
                "duration": int((at - person.joined_at).total_seconds()),
                "status": "in_meeting",
            }
        )
        self._event(
            room,
            "meeting.participant_left",
            {"participant": self._participant(person, leaving=True, at=at)},
        )

    def end(self, meeting_id: int) -> None:
        """The host ends the meeting: everyone leaves (the host last), then the end."""
        with self.lock:
            room = self.live.pop(meeting_id, None)
            if room is None:
                return
            for who in sorted(room.people, key=lambda w: room.people[w].is_host):
                self._leave(room, who)
            end = self._now()
            self._event(room, "meeting.ended", {"end_time": zoom_time(end)})
            ended = self.state.play_end(
                room.begun["uuid"],
                start_time=room.start,
                end_time=end,
                participants=room.rows,
                record=True,
                transcript=self._transcript(room, end),
            )
            # Recorded to the cloud, as a class started from the platform is: the recording,
            # then its transcript (Zoom takes minutes for these; the sandbox does not wait).
            for make in (recording_completed, transcript_completed):
                self._send(
                    room,
                    make(
                        account_id=room.begun["account_id"],
                        recording=ended["recording"],
                        download_token=ended["download_token"],
                        at=self._now(),
                    ),
                )

    @staticmethod
    def _transcript(room: LiveRoom, end: datetime) -> list[tuple[float, float, str, str]]:
        """The built-in lines, spoken by who was in the room: the host, then up to three
        others in the order they came."""
        names = [row["name"] for row in room.rows]
        host = next(
            (row["name"] for row in room.rows if row["id"] == room.begun["host"]["id"]),
            names[-1] if names else "Host",
        )
        others = list(dict.fromkeys(name for name in names if name != host))
        return class_transcript(host, others[:3], (end - room.start).total_seconds())

    def is_in(self, meeting_id: int, who: str) -> bool:
        with self.lock:
            room = self.live.get(meeting_id)
            return room is not None and who in room.people

    def who_is_in(self, meeting_id: int) -> list[str]:
        with self.lock:
            room = self.live.get(meeting_id)
            return [p.name for p in room.people.values()] if room else []


def _post(target: WebhookTarget, body: dict, now: float) -> int | None:
    """Deliver a signed webhook; the target's answer (None when it could not be reached)."""
    raw = json.dumps(body, separators=(",", ":")).encode()
    headers = webhook_headers(target.secret, raw, now, target.host)
    try:
        response = requests.post(target.url, data=raw, headers=headers, timeout=5)
        logger.info("room: %s -> %s", body["event"], response.status_code)
    except requests.RequestException as exc:
        logger.warning("room: %s not delivered to %s: %s", body["event"], target.url, exc)
        return None
    return response.status_code


# --- pages --------------------------------------------------------------------------------------

_STYLE = (
    "body{font:16px system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}"
    "button{font:inherit;padding:.5rem 1.2rem;border-radius:.4rem;border:0;"
    "background:#0b5cff;color:#fff;cursor:pointer}button.quiet{background:#667}"
    "li{margin:.2rem 0}.muted{color:#667}"
)


def page(title: str, body_html: str, *, refresh: int | None = None) -> bytes:
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    return (
        f"<!doctype html><meta charset=utf-8>{meta}<title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style><h1>{html.escape(title)}</h1>{body_html}"
    ).encode()


def button(label: str, action: str, *, quiet: bool = False) -> str:
    css = ' class="quiet"' if quiet else ""
    return (
        f'<form method="post"><input type="hidden" name="action" value="{action}">'
        f'<button{css} data-test-id="room-{action}">{html.escape(label)}</button></form>'
    )


def people_list(names: list[str]) -> str:
    items = "".join(f"<li>{html.escape(n)}</li>" for n in names)
    return f'<p class="muted">In the room ({len(names)}):</p><ul>{items}</ul>'
