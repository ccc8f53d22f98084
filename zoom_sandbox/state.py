"""In-memory state of the Zoom sandbox: OAuth clients, users, tokens, meetings, registrants, played
meeting instances and recordings, plus the knobs tests turn (failures, rate limits, expired
tokens, awkward uuids). Every public method takes the lock, so the HTTP server's threads and a
test or class player in another thread can share one state.

`SandboxState` is one object made of a mixin per resource (see the package docstring): each
mixin owns its attributes and forgets them in its `_reset_*`; this class holds the lock, the
clock and the base URL, resets them all together and describes them all in `snapshot()`.

Errors are raised as `ZoomError(status, body)` carrying Zoom's own JSON bodies."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from zoom_sandbox.calendars import CalendarsMixin
from zoom_sandbox.common import locked, zoom_time
from zoom_sandbox.instances import InstancesMixin
from zoom_sandbox.limits import LimitsMixin
from zoom_sandbox.meetings import MeetingsMixin
from zoom_sandbox.oauth import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, OAuthMixin
from zoom_sandbox.recordings import RecordingsMixin
from zoom_sandbox.registrants import RegistrantsMixin
from zoom_sandbox.room import Rooms
from zoom_sandbox.users import DEMO_ACCOUNT_ID, DEMO_TEACHER_ID, DEMO_USERS, UsersMixin


class SandboxState(
    UsersMixin,
    OAuthMixin,
    MeetingsMixin,
    RegistrantsMixin,
    InstancesMixin,
    RecordingsMixin,
    LimitsMixin,
    CalendarsMixin,
):
    def __init__(self, *, clock: Callable[[], float] = time.time, base_url: str = ""):
        self.lock = threading.RLock()
        self.clock = clock
        self.base_url = base_url.rstrip("/")
        self.rooms = Rooms(self)  # live rooms and the webhook targets; a reset keeps targets
        self.reset()

    @locked
    def reset(self, *, demo: bool = True) -> None:
        """Forget everything; with `demo`, register the demo client and the demo school's users."""
        self._reset_users()
        self._reset_oauth()
        self._reset_meetings()
        self._reset_registrants()
        self._reset_instances()
        self._reset_recordings()
        self._reset_limits()
        self._reset_calendars()
        self.rooms.live.clear()
        if demo:
            for user_id, email, first, last, role in DEMO_USERS:
                self.add_user(
                    email=email,
                    first_name=first,
                    last_name=last,
                    account_id=DEMO_ACCOUNT_ID,
                    user_id=user_id,
                    role_name=role,
                )
            self.add_client(
                client_id=DEMO_CLIENT_ID,
                client_secret=DEMO_CLIENT_SECRET,
                account_id=DEMO_ACCOUNT_ID,
                default_user=DEMO_TEACHER_ID,
            )

    @locked
    def snapshot(self) -> dict:
        now = self.clock()
        return {
            "base_url": self.base_url,
            "clients": sorted(self.clients),
            "users": [u.to_zoom() for u in self.users.values()],
            "meetings": [self.meeting_json(m) for m in self.meetings.values()],
            "registrants": {
                str(mid): [
                    {
                        "id": r.id,
                        "email": r.email,
                        "first_name": r.first_name,
                        "last_name": r.last_name,
                        "status": r.status,
                        "join_url": self.registrant_join_url(r),
                        "occurrence_ids": list(r.occurrence_ids),
                    }
                    for r in rows
                ]
                for mid, rows in self.registrants.items()
            },
            "instances": [
                {
                    "uuid": i.uuid,
                    "meeting_id": i.meeting_id,
                    "occurrence_id": i.occurrence_id,
                    "start_time": zoom_time(i.start_time),
                    "end_time": zoom_time(i.end_time),
                    "participants": len(i.participants),
                    "recorded": i.recording is not None,
                }
                for i in self.instances.values()
            ],
            "tokens": sum(1 for t in self.tokens.values() if not t.revoked and t.expires_at > now),
            "calls": [list(call) for call in self.calls],
            "failures": len(self.failures),
            "rate_limits": {str(k): v for k, v in self.rate_limits.items()},
        }
