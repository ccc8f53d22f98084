"""What each kind of stored Zoom event does (event kind → effect), within a batch of the
inbox engine (attendance.inbox.engine). A meeting's status and times change through meetings'
lifecycle services; participants' facts through attendance.services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from attendance import services
from attendance.inbox.scrub import sealed_open
from attendance.models import ParticipantEvent, Recording, WebhookEvent
from attendance.recordings.selectors import recording_deleted
from attendance.recordings.services import RECONCILE_AFTER_MINUTES, recording_store
from attendance.recordings.transcripts import transcript_request
from attendance.selectors import live_count
from meetings.models import Meeting
from meetings.services.lifecycle import meeting_mark_ended, meeting_mark_started
from meetings.zoom.provider import recording_from_zoom

if TYPE_CHECKING:
    from attendance.inbox.engine import _Batch

logger = logging.getLogger(__name__)

# A kind of event's effect, given the stored event, its payload's `object` and the batch;
# returns the event's outcome (a WebhookEvent.Status).
Handler = Callable[[WebhookEvent, dict[str, Any], "_Batch"], str]


# --- parsing --------------------------------------------------------------------------------


def parse_time(value: object) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _event_time(event: WebhookEvent) -> datetime:
    if event.event_ts:
        try:
            return datetime.fromtimestamp(event.event_ts / 1000, tz=UTC)
        except (OverflowError, ValueError, OSError):
            pass  # a signed body's event_ts beyond any date: when it arrived will do
    return event.received_at


def _on_meeting_started(event: WebhookEvent, obj: dict[str, Any], batch: _Batch) -> str:
    batch.flush()
    at = parse_time(obj.get("start_time")) or _event_time(event)
    meeting = batch.meeting_for(obj, at=at)
    if meeting is None:
        return WebhookEvent.Status.IGNORED
    meeting_mark_started(meeting=meeting, at=at, live_count=live_count(meeting))
    return WebhookEvent.Status.PROCESSED


def _on_meeting_ended(event: WebhookEvent, obj: dict[str, Any], batch: _Batch) -> str:
    batch.flush()  # the joins and leaves before it count in its scoring
    at = parse_time(obj.get("end_time")) or _event_time(event)
    start = parse_time(obj.get("start_time")) or at
    meeting = batch.meeting_for(obj, at=start)
    if meeting is None:
        return WebhookEvent.Status.IGNORED
    meeting_mark_ended(meeting=meeting, at=at, started_at=start)  # publishes meeting.ended
    services.attendance_score_meeting(meeting=meeting)
    _schedule_finalize(meeting)
    _schedule_recording_reconcile(meeting)
    return WebhookEvent.Status.PROCESSED


def _schedule_finalize(meeting: Meeting) -> None:
    from attendance.actors import attendance_finalize

    grace = services.attendance_policy_row().grace_minutes
    transaction.on_commit(
        lambda: attendance_finalize.send_with_options(args=(meeting.pk,), delay=grace * 60_000)
    )


def _schedule_recording_reconcile(meeting: Meeting) -> None:
    """Ask Zoom for the recording once it has had time to make it, in case its
    `recording.completed` never comes (attendance.recordings.services.recording_reconcile:
    a recording the event already brought costs no call)."""
    from attendance.recordings.actors import recording_reconcile

    delay = RECONCILE_AFTER_MINUTES * 60_000
    transaction.on_commit(
        lambda: recording_reconcile.send_with_options(args=(meeting.pk,), delay=delay)
    )


def _on_recording_completed(event: WebhookEvent, obj: dict[str, Any], batch: _Batch) -> str:
    at = parse_time(obj.get("start_time")) or _event_time(event)
    meeting = batch.meeting_for(obj, at=at)
    if meeting is None:
        return WebhookEvent.Status.IGNORED
    # The intake sealed the links (attendance.inbox.scrub); recording_store checks them.
    listed = obj.get("recording_files")
    opened = {
        **obj,
        "share_url": sealed_open(obj.get("share_url")),
        "recording_files": [
            {
                **f,
                "play_url": sealed_open(f.get("play_url")),
                "download_url": sealed_open(f.get("download_url")),
            }
            for f in (listed if isinstance(listed, list) else [])
            if isinstance(f, dict)
        ],
    }
    stored = recording_store(
        meeting=meeting,
        recording=recording_from_zoom(opened, check_links=False),
        source=Recording.Source.WEBHOOK,
        webhook_event_id=event.pk,
    )
    if stored is not None:  # a recording deleted here brings no transcript back either
        _transcript_listed(meeting, obj)
    return WebhookEvent.Status.PROCESSED


def _on_transcript_completed(event: WebhookEvent, obj: dict[str, Any], batch: _Batch) -> str:
    at = parse_time(obj.get("start_time")) or _event_time(event)
    meeting = batch.meeting_for(obj, at=at)
    if meeting is None:
        return WebhookEvent.Status.IGNORED
    if recording_deleted(meeting=meeting, zoom_uuid=str(obj.get("uuid") or "")):
        logger.info("Zoom event %s: its recording was deleted here; ignored", event.pk)
        return WebhookEvent.Status.IGNORED
    if not _transcript_listed(meeting, obj):
        logger.warning("Zoom event %s lists no finished transcript file; ignored", event.pk)
        return WebhookEvent.Status.IGNORED
    return WebhookEvent.Status.PROCESSED


def _transcript_listed(meeting: Meeting, obj: dict[str, Any]) -> bool:
    """Ask for the session's transcript if the event lists a finished TRANSCRIPT file (only
    its id is used: the fetch asks Zoom for fresh links). False when it lists none."""
    files = recording_from_zoom(obj, check_links=False).transcript_files()
    if not files:
        return False
    transcript_request(
        meeting=meeting,
        zoom_file_id=files[0].id,
        zoom_uuid=str(obj.get("uuid") or ""),
    )
    return True


# --- participants -----------------------------------------------------------------------------


def _on_participant(kind: str) -> Handler:
    def handler(event: WebhookEvent, obj: dict[str, Any], batch: _Batch) -> str:
        participant = obj.get("participant") or {}
        if not isinstance(participant, dict):
            return WebhookEvent.Status.IGNORED
        field_name = "join_time" if kind == ParticipantEvent.Kind.JOIN else "leave_time"
        at = parse_time(participant.get(field_name)) or _event_time(event)
        meeting = batch.meeting_for(obj, at=at)
        if meeting is None:
            return WebhookEvent.Status.IGNORED
        fact = services.participant_fact(
            meeting=meeting, kind=kind, at=at, participant=participant, webhook_event=event
        )
        batch.participant(meeting, fact, str(obj.get("host_id") or ""))
        return WebhookEvent.Status.PROCESSED

    return handler


def _on_app_deauthorized(event: WebhookEvent, payload: dict[str, Any]) -> str:
    """A teacher removed the app at Zoom: their stored tokens go (meetings' connections)."""
    from meetings.services import zoom_connections_deauthorize

    user_id = payload.get("user_id")
    account_id = payload.get("account_id")
    forgotten = zoom_connections_deauthorize(
        zoom_user_id=str(user_id) if isinstance(user_id, str | int) else "",
        zoom_account_id=str(account_id) if isinstance(account_id, str | int) else "",
    )
    logger.info("Zoom event %s: app deauthorized, %d connection(s) forgotten", event.pk, forgotten)
    return WebhookEvent.Status.PROCESSED


# Events about an account or a user rather than a meeting: handed the whole `payload`.
PayloadHandler = Callable[[WebhookEvent, dict[str, Any]], str]
PAYLOAD_HANDLERS: dict[str, PayloadHandler] = {
    "app_deauthorized": _on_app_deauthorized,
}

HANDLERS: dict[str, Handler] = {
    "meeting.started": _on_meeting_started,
    "meeting.ended": _on_meeting_ended,
    "meeting.participant_joined": _on_participant(ParticipantEvent.Kind.JOIN),
    "meeting.participant_left": _on_participant(ParticipantEvent.Kind.LEAVE),
    "recording.completed": _on_recording_completed,
    "recording.transcript_completed": _on_transcript_completed,
}
