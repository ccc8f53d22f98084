"""Played meeting instances: the class player begins and ends them, and the past-meeting and
participants-report endpoints describe them (the ground truth for reconciliation tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from zoom_sandbox.common import api_error, locked, meeting_not_found, parse_time, zoom_time
from zoom_sandbox.oauth import Token


@dataclass
class Instance:
    """One played meeting instance: what Zoom's past-meeting and report endpoints describe."""

    uuid: str
    meeting_id: int
    occurrence_id: str
    account_id: str
    host_id: str
    topic: str
    type: int
    timezone: str
    start_time: datetime
    end_time: datetime | None = None
    participants: list[dict] = field(default_factory=list)
    recording: dict | None = None


class InstancesMixin:
    instances: dict[str, Instance]  # by uuid

    def _reset_instances(self) -> None:
        self.instances = {}

    def _instance(self, token: Token, ref: str) -> Instance:
        instance = self.instances.get(ref)
        if instance is None and ref.isdigit() and int(ref) in self.meetings:
            uuids = self.meetings[int(ref)].instances
            instance = self.instances.get(uuids[-1]) if uuids else None
        if instance is None or instance.account_id != token.account_id:
            raise meeting_not_found(ref)
        return instance

    @locked
    def past_meeting_get(self, token: Token, ref: str) -> dict:
        instance = self._instance(token, ref)
        host = self.users.get(instance.host_id)
        end = instance.end_time
        people = {row.get("user_email") or row.get("name") for row in instance.participants}
        return {
            "uuid": instance.uuid,
            "id": instance.meeting_id,
            "host_id": instance.host_id,
            "type": instance.type,
            "topic": instance.topic,
            "user_name": f"{host.first_name} {host.last_name}".strip() if host else "",
            "user_email": host.email if host else "",
            "start_time": zoom_time(instance.start_time),
            "end_time": zoom_time(end),
            "duration": round((end - instance.start_time).total_seconds() / 60) if end else 0,
            "total_minutes": sum(int(row.get("duration") or 0) for row in instance.participants)
            // 60,
            "participants_count": len(people),
            "source": "Zoom",
        }

    @locked
    def past_meeting_instances(self, token: Token, meeting_id: str) -> dict:
        instances = [
            i
            for i in self.instances.values()
            if str(i.meeting_id) == str(meeting_id)
            and i.account_id == token.account_id
            and i.end_time is not None
        ]
        return {
            "meetings": [
                {"uuid": i.uuid, "start_time": zoom_time(i.start_time)}
                for i in sorted(instances, key=lambda i: i.start_time)
            ]
        }

    @locked
    def past_participants(self, token: Token, ref: str, *, page_size, page_token: str) -> dict:
        instance = self._instance(token, ref)
        keys = (
            "id",
            "name",
            "user_id",
            "registrant_id",
            "user_email",
            "join_time",
            "leave_time",
            "duration",
            "failover",
            "status",
            "internal_user",
        )
        rows = [{k: row[k] for k in keys if k in row} for row in instance.participants]
        page, meta = self._page(rows, f"past:{instance.uuid}", page_size, page_token)
        return {**meta, "participants": page}

    @locked
    def report_participants(self, token: Token, ref: str, *, page_size, page_token: str) -> dict:
        instance = self._instance(token, ref)
        keys = (
            "customer_key",
            "duration",
            "failover",
            "id",
            "join_time",
            "leave_time",
            "name",
            "registrant_id",
            "status",
            "user_email",
            "user_id",
            "bo_mtg_id",
            "participant_user_id",
        )
        rows = [
            {k: {"customer_key": "", "bo_mtg_id": ""}.get(k, row.get(k)) for k in keys}
            for row in instance.participants
        ]
        for row, source in zip(rows, instance.participants, strict=True):
            if "registrant_id" not in source:
                row.pop("registrant_id")
        page, meta = self._page(rows, f"report:{instance.uuid}", page_size, page_token)
        return {**meta, "participants": page}

    @locked
    def play_begin(self, meeting_id, *, occurrence_id: str = "") -> dict:
        """Start an instance of the meeting; return what the player needs to script it."""
        try:
            meeting = self.meetings.get(int(str(meeting_id)))
        except ValueError:
            meeting = None
        if meeting is None:
            raise meeting_not_found(meeting_id)
        if occurrence_id and meeting.occurrence(occurrence_id) is None:
            raise api_error(400, 3000, f"Invalid occurrence_id: {occurrence_id}.")
        if meeting.type == 8 and not occurrence_id:
            now = datetime.fromtimestamp(self.clock(), UTC)
            live = meeting.live_occurrences()
            upcoming = [o for o in live if o.start_time + timedelta(minutes=o.duration) >= now]
            chosen = (upcoming or live or [None])[0]
            occurrence_id = chosen.occurrence_id if chosen else ""
        uuid = meeting.uuid if not meeting.instances else self.new_uuid()
        host = self.users[meeting.host_id]
        start = datetime.fromtimestamp(self.clock(), UTC).replace(microsecond=0)
        self.instances[uuid] = Instance(
            uuid=uuid,
            meeting_id=meeting.id,
            occurrence_id=occurrence_id,
            account_id=meeting.account_id,
            host_id=meeting.host_id,
            topic=meeting.topic,
            type=meeting.type,
            timezone=meeting.timezone,
            start_time=start,
        )
        meeting.instances.append(uuid)
        meeting.status = "started"
        registrants = [
            {
                "registrant_id": r.id,
                "email": r.email,
                "first_name": r.first_name,
                "last_name": r.last_name,
            }
            for r in self.registrants.get(meeting.id, [])
            if r.status == "approved" and (not occurrence_id or occurrence_id in r.occurrence_ids)
        ]
        return {
            "uuid": uuid,
            "occurrence_id": occurrence_id,
            "account_id": meeting.account_id,
            "meeting": self.meeting_json(meeting, occurrence_id=occurrence_id),
            "host": host.to_zoom(),
            "registrants": registrants,
        }

    @locked
    def play_end(
        self,
        uuid: str,
        *,
        start_time,
        end_time,
        participants: list[dict],
        record: bool = False,
        transcript: list[tuple[float, float, str, str]] = (),
        transcript_vtt: str = "",
    ) -> dict:
        """Store the played attendance (one row per join segment, in Zoom's report shape) and,
        when asked, a recording with an MP4 and a WebVTT transcript (`transcript_vtt` as it
        is, else made from the `transcript` lines)."""
        instance = self.instances.get(uuid)
        if instance is None:
            raise meeting_not_found(uuid)
        instance.start_time = parse_time(start_time)
        instance.end_time = parse_time(end_time)
        instance.participants = [dict(row) for row in participants]
        meeting = self.meetings.get(instance.meeting_id)
        if meeting is not None:
            meeting.status = "waiting"
        download_token = ""
        if record:
            instance.recording = self._make_recording(
                instance, meeting, transcript, vtt=transcript_vtt
            )
            # The webhook's `download_token`: it downloads this recording's files for a day.
            download_token = self._download_token_issue(instance)
        return {"recording": instance.recording, "download_token": download_token}
