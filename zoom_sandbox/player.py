"""Plays a live class as Zoom would: signed webhooks for the meeting starting, people joining,
leaving and rejoining, and the meeting ending, with Zoom's real-world messiness when asked for
(duplicate and out-of-order deliveries, a leave after the end, ids as strings or numbers,
registrant ids absent/null/""/real, participant uuids missing).

    player = ClassPlayer(server.state, "http://127.0.0.1:8000/webhooks/zoom/", "secret",
                         host_header="demo.localhost")
    summary = player.play(meeting_id, participants=20, speed=60, quirks=True)

Timestamps inside the events are class time (a 45-minute class spans 45 minutes), while the
deliveries are paced `speed` times faster on the wall clock. The played attendance is stored in
the sandbox, where the past-meeting and report endpoints return it: the ground truth for
reconciliation tests. The sandbox is either a `SandboxState` in this process or the base URL of
a running sandbox (then its /_sandbox control API is used). The class itself (who attends, the
events, the quirks) is built by `zoom_sandbox.script`."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import requests

from zoom_sandbox.common import ZoomError, sign, webhook_headers, zoom_time
from zoom_sandbox.recording_events import recording_completed, transcript_completed
from zoom_sandbox.script import (
    Quirks,
    Script,
    ScriptedEvent,
    Student,
    build_script,
    roster,
)
from zoom_sandbox.state import SandboxState
from zoom_sandbox.vtt import vtt_check

__all__ = ["ClassPlayer", "Delivery", "PlayerError", "PlaySummary", "Quirks", "Student", "sign"]

RETRY_DELAYS = (300, 1200, 3600)  # Zoom retries after 5, 20 and 60 minutes (class time here)


class PlayerError(RuntimeError):
    """The sandbox refused to play (unknown meeting, bad occurrence...)."""


@dataclass
class Delivery:
    event: str
    who: str
    flags: tuple[str, ...]
    status: int | None  # None: never answered (connection refused, timeout)
    attempts: int
    body: dict
    error: str = ""


@dataclass
class PlaySummary:
    meeting_id: int
    uuid: str
    occurrence_id: str
    start_time: str
    end_time: str
    deliveries: list[Delivery]
    participants: list[dict]
    recording: dict | None = None

    @property
    def events_sent(self) -> int:
        return len(self.deliveries)

    @property
    def statuses(self) -> dict:
        return dict(Counter(d.status for d in self.deliveries))

    @property
    def ok(self) -> bool:
        return all(d.status is not None and 200 <= d.status < 300 for d in self.deliveries)

    def to_dict(self) -> dict:
        return {
            "meeting_id": self.meeting_id,
            "uuid": self.uuid,
            "occurrence_id": self.occurrence_id,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "events_sent": self.events_sent,
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "ok": self.ok,
            "segments": len(self.participants),
            "people": len({p["name"] for p in self.participants}),
            "recorded": self.recording is not None,
            "deliveries": [
                {k: v for k, v in asdict(d).items() if k != "body"} for d in self.deliveries
            ],
        }


# --- talking to the sandbox ------------------------------------------------------------------


class _StateBackend:
    def __init__(self, state: SandboxState):
        self.state = state

    def begin(self, meeting_id, occurrence_id: str) -> dict:
        try:
            return self.state.play_begin(meeting_id, occurrence_id=occurrence_id)
        except ZoomError as exc:
            raise PlayerError(str(exc.body)) from exc

    def end(self, **kwargs) -> dict:
        return self.state.play_end(**kwargs)


class _HttpBackend:
    def __init__(self, url: str, session: requests.Session, timeout: float):
        self.url = url.rstrip("/")
        self.session = session
        self.timeout = timeout

    def _post(self, action: str, data: dict) -> dict:
        response = self.session.post(
            f"{self.url}/_sandbox/{action}", json=data, timeout=self.timeout
        )
        if response.status_code != 200:
            raise PlayerError(f"sandbox {action}: {response.status_code} {response.text}")
        return response.json()

    def begin(self, meeting_id, occurrence_id: str) -> dict:
        return self._post("play/begin", {"meeting_id": meeting_id, "occurrence_id": occurrence_id})

    def end(self, **kwargs) -> dict:
        return self._post("play/end", kwargs)


# --- the player ------------------------------------------------------------------------------


class ClassPlayer:
    def __init__(
        self,
        sandbox: SandboxState | str,
        webhook_url: str,
        secret_token: str,
        *,
        host_header: str | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        timeout: float = 5.0,
        on_delivery: Callable[[ScriptedEvent, Delivery], None] | None = None,
    ):
        self.webhook_url = webhook_url
        self.secret_token = secret_token
        self.host_header = host_header
        self.clock = clock or time.time
        self.sleep = sleep
        self.session = session or requests.Session()
        self.timeout = timeout
        self.on_delivery = on_delivery
        if isinstance(sandbox, SandboxState):
            self.backend = _StateBackend(sandbox)
        else:
            self.backend = _HttpBackend(sandbox, self.session, timeout)

    # --- one webhook -----------------------------------------------------------------------

    def send(self, body: dict) -> requests.Response:
        """Sign and POST one webhook body, as Zoom does."""
        raw = json.dumps(body, separators=(",", ":")).encode()
        headers = webhook_headers(self.secret_token, raw, self.clock(), self.host_header)
        return self.session.post(self.webhook_url, data=raw, headers=headers, timeout=self.timeout)

    def validate_endpoint(self) -> bool:
        """Send `endpoint.url_validation` and check the answer, as Zoom does when an app's
        endpoint is saved (and every 72 hours)."""
        plain = secrets.token_urlsafe(16)
        body = {
            "payload": {"plainToken": plain},
            "event_ts": int(self.clock() * 1000),
            "event": "endpoint.url_validation",
        }
        try:
            answer = self.send(body).json()
        except (requests.RequestException, ValueError):
            return False
        expected = hmac.new(self.secret_token.encode(), plain.encode(), hashlib.sha256).hexdigest()
        return answer.get("plainToken") == plain and hmac.compare_digest(
            str(answer.get("encryptedToken", "")), expected
        )

    def _deliver(self, item: ScriptedEvent, *, retries: int, speed: float | None) -> Delivery:
        status, error, attempts = None, "", 0
        for attempt in range(retries + 1):
            if attempt:
                delay = RETRY_DELAYS[min(attempt - 1, len(RETRY_DELAYS) - 1)]
                self.sleep(delay / speed if speed else 0)
            attempts += 1
            try:
                status, error = self.send(item.body).status_code, ""
            except requests.RequestException as exc:
                status, error = None, f"{type(exc).__name__}: {exc}"
            if status is not None and status < 500:
                break
        return Delivery(
            item.event, item.who, tuple(sorted(item.flags)), status, attempts, item.body, error
        )

    # --- a class ---------------------------------------------------------------------------

    def play(
        self,
        meeting_id: int | str,
        *,
        occurrence_id: str = "",
        students: Iterable | None = None,
        participants: int | None = None,
        duration_minutes: float | None = None,
        speed: float | None = 60.0,
        quirks: Quirks | bool = False,
        guest: bool = True,
        record: bool = False,
        transcript_vtt: str | None = None,
        seed: int | None = None,
        start_time: datetime | None = None,
        retries: int = 3,
        email_domain: str = "demo.test",
    ) -> PlaySummary:
        """Play one class of the sandbox meeting `meeting_id` and return what was sent.

        `students`: Student objects or (name, email, registrant_id) triples; by default the
        meeting's registrants, topped up with generated people. `participants`: how many of them
        attend. `speed`: class seconds per wall second (None or 0: no pacing at all). `record`:
        the class is recorded, then recording.completed and recording.transcript_completed
        are sent; `transcript_vtt` is that recording's WebVTT transcript (default: lines made
        up for the class), checked before anything is sent."""
        if transcript_vtt is not None:
            if not record:
                raise PlayerError("a transcript needs a recording: play with record=True")
            problem = vtt_check(transcript_vtt)
            if problem:
                raise PlayerError(f"the transcript is not WebVTT: {problem}")
        rng = random.Random(seed)  # noqa: S311 - a simulation, not a secret
        quirks = Quirks.of(quirks)
        begun = self.backend.begin(meeting_id, occurrence_id)
        length = round((duration_minutes or begun["meeting"].get("duration") or 45) * 60)
        start = (start_time or datetime.fromtimestamp(self.clock(), UTC)).replace(microsecond=0)
        attendees = roster(
            students=students,
            registrants=begun["registrants"],
            participants=participants,
            rng=rng,
            email_domain=email_domain,
        )
        script = build_script(
            begun,
            attendees,
            start=start.astimezone(UTC),
            duration_seconds=length,
            quirks=quirks,
            rng=rng,
            guest=guest,
            record=record,
        )
        wall_start = self.clock()
        deliveries: list[Delivery] = []
        recording = ended = None
        due = 0.0
        for item in script.events:
            due = max(due, item.at)  # delivery order, so a swapped event waits for its partner
            if speed:
                wait = due / speed - (self.clock() - wall_start)
                if wait > 0:
                    self.sleep(wait)
            if item.event == "recording.completed":
                ended = self._end(script, record=True, transcript_vtt=transcript_vtt)
                recording = ended["recording"]
                item.body = self._recording_body(script, begun, recording, ended)
            elif item.event == "recording.transcript_completed" and recording and ended:
                item.body = self._transcript_body(script, begun, recording, ended)
            delivery = self._deliver(item, retries=retries, speed=speed)
            deliveries.append(delivery)
            if self.on_delivery:
                self.on_delivery(item, delivery)
        if not record:
            self._end(script, record=False)
        return PlaySummary(
            meeting_id=script.meeting_id,
            uuid=script.uuid,
            occurrence_id=begun["occurrence_id"],
            start_time=zoom_time(script.start),
            end_time=zoom_time(script.end),
            deliveries=deliveries,
            participants=script.participants,
            recording=recording,
        )

    def _end(self, script: Script, *, record: bool, transcript_vtt: str | None = None) -> dict:
        return self.backend.end(
            uuid=script.uuid,
            start_time=zoom_time(script.start),
            end_time=zoom_time(script.end),
            participants=script.participants,
            record=record,
            transcript=[list(line) for line in script.transcript],
            transcript_vtt=transcript_vtt or "",
        )

    @staticmethod
    def _recording_body(script: Script, begun: dict, recording: dict, ended: dict) -> dict:
        return recording_completed(
            account_id=begun["account_id"],
            recording=recording,
            download_token=ended["download_token"],
            at=script.end + timedelta(seconds=120),
        )

    @staticmethod
    def _transcript_body(script: Script, begun: dict, recording: dict, ended: dict) -> dict:
        return transcript_completed(
            account_id=begun["account_id"],
            recording=recording,
            download_token=ended["download_token"],
            at=script.end + timedelta(seconds=300),
        )


def play_class(
    sandbox: SandboxState | str,
    meeting_id: int | str,
    *,
    webhook_url: str,
    secret_token: str,
    host_header: str | None = None,
    **options,
) -> PlaySummary:
    """One call to play a class: `ClassPlayer(...).play(meeting_id, **options)`."""
    player = ClassPlayer(sandbox, webhook_url, secret_token, host_header=host_header)
    return player.play(meeting_id, **options)
