"""Meeting registrants: registration (per occurrence for recurring meetings), their join links,
and the registrants list."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from zoom_sandbox.common import api_error, locked, validation_failed, zoom_id, zoom_time
from zoom_sandbox.oauth import Token


@dataclass
class Registrant:
    id: str
    meeting_id: int
    email: str
    first_name: str
    last_name: str
    token: str
    status: str
    create_time: datetime
    pin_code: int
    occurrence_ids: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class RegistrantsMixin:
    registrants: dict[int, list[Registrant]]  # by meeting id

    def _reset_registrants(self) -> None:
        self.registrants = {}

    @locked
    def registrant_add(self, token: Token, ref, body: dict, *, occurrence_ids: str = "") -> dict:
        meeting = self._meeting(token, ref)
        if not meeting.registration_enabled:
            raise api_error(
                400, 3038, f"Registration has not been enabled for this meeting: {meeting.id}."
            )
        email = str(body.get("email") or "").strip().lower()
        if "@" not in email:
            raise validation_failed("email")
        if not body.get("first_name"):
            raise validation_failed("first_name")
        wanted = [o for o in occurrence_ids.split(",") if o] if occurrence_ids else []
        for occurrence in wanted:
            if meeting.type == 8 and meeting.occurrence(occurrence) is None:
                raise api_error(400, 3000, f"Invalid occurrence_ids: {occurrence}.")
        if meeting.type == 8 and not wanted:
            wanted = [o.occurrence_id for o in meeting.live_occurrences()]
        registrants = self.registrants.setdefault(meeting.id, [])
        registrant = next((r for r in registrants if r.email == email), None)
        if registrant is None:
            registrant = Registrant(
                id=zoom_id(),
                meeting_id=meeting.id,
                email=email,
                first_name=str(body["first_name"]),
                last_name=str(body.get("last_name") or ""),
                token=secrets.token_urlsafe(24),
                status="approved" if meeting.settings.get("approval_type") == 0 else "pending",
                create_time=datetime.fromtimestamp(self.clock(), UTC).replace(microsecond=0),
                pin_code=100000 + secrets.randbelow(900000),
            )
            registrants.append(registrant)
        for occurrence in wanted:
            if occurrence not in registrant.occurrence_ids:
                registrant.occurrence_ids.append(occurrence)
        result = {
            "id": meeting.id,
            "registrant_id": registrant.id,
            "join_url": self.registrant_join_url(registrant),
            "topic": meeting.topic,
            "start_time": self.meeting_json(meeting).get("start_time"),
            "participant_pin_code": registrant.pin_code,
        }
        if meeting.type == 8:
            result["occurrences"] = [
                o.to_zoom()
                for o in meeting.live_occurrences()
                if o.occurrence_id in registrant.occurrence_ids
            ]
        return result

    @locked
    def registrant_by_token(self, meeting_id: int, tk: str) -> Registrant | None:
        """The registrant whose personal join link carries `tk` (any status)."""
        if not tk:
            return None
        return next((r for r in self.registrants.get(meeting_id, []) if r.token == tk), None)

    def registrant_join_url(self, registrant: Registrant) -> str:
        return f"{self.base_url}/w/{registrant.meeting_id}?tk={registrant.token}"

    @locked
    def registrant_list(
        self,
        token: Token,
        ref,
        *,
        status: str = "approved",
        occurrence_id: str = "",
        page_size=None,
        page_token: str = "",
    ) -> dict:
        meeting = self._meeting(token, ref)
        rows = [
            {
                "id": r.id,
                "email": r.email,
                "first_name": r.first_name,
                "last_name": r.last_name,
                "status": r.status,
                "create_time": zoom_time(r.create_time),
                "join_url": self.registrant_join_url(r),
                "participant_pin_code": r.pin_code,
                "custom_questions": [],
            }
            for r in self.registrants.get(meeting.id, [])
            if r.status == (status or "approved")
            and (not occurrence_id or occurrence_id in r.occurrence_ids)
        ]
        key = f"registrants:{meeting.id}:{status}:{occurrence_id}"
        page, meta = self._page(rows, key, page_size, page_token)
        return {**meta, "page_number": 1, "registrants": page}
