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
        elif registrant.status == "cancelled":
            # Registering again after a cancellation: a live registration again, same link.
            registrant.status = (
                "approved" if meeting.settings.get("approval_type") == 0 else "pending"
            )
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

    @locked
    def registrant_status(self, token: Token, ref, body: dict, *, occurrence_id: str = "") -> None:
        """`PUT /meetings/{id}/registrants/status`: approve, deny or cancel registrants (at most
        30, each by `id` and/or `email`); with `occurrence_id`, cancel that occurrence only."""
        meeting = self._meeting(token, ref)
        action = str(body.get("action") or "")
        if action not in ("approve", "deny", "cancel"):
            raise validation_failed("action")
        wanted = body.get("registrants") or []
        if not isinstance(wanted, list) or len(wanted) > 30:
            raise validation_failed("registrants", "At most 30 registrants.")
        if occurrence_id and meeting.type == 8 and meeting.occurrence(occurrence_id) is None:
            raise api_error(400, 3000, f"Invalid occurrence_id: {occurrence_id}.")
        rows = self.registrants.get(meeting.id, [])
        for item in wanted:
            item = item if isinstance(item, dict) else {}
            rid, email = str(item.get("id") or ""), str(item.get("email") or "").lower()
            for registrant in rows:
                if (rid and registrant.id == rid) or (email and registrant.email == email):
                    if action == "cancel" and occurrence_id:
                        if occurrence_id in registrant.occurrence_ids:
                            registrant.occurrence_ids.remove(occurrence_id)
                        if registrant.occurrence_ids:
                            continue
                    registrant.status = {
                        "approve": "approved",
                        "deny": "denied",
                        "cancel": "cancelled",
                    }[action]

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
