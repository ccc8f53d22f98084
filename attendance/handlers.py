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
from meetings.services.zoom_changes import (
    ZoomChange,
    ZoomOccurrence,
    zoom_meeting_changed,
    zoom_meeting_deleted,
)
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


# --- a meeting changed or deleted at Zoom ------------------------------------------------------
#
# Zoom is the source of truth: what its own app (or our API calls: their echo changes nothing)
# did to a meeting reaches our sessions through meetings.services.zoom_changes. Their shapes, as
# Zoom documents them (zoom.github.io/rivet-javascript, Meetings.MeetingUpdatedEvent /
# MeetingDeletedEvent; Jericho/ZoomNet Source/ZoomNet/Models/Webhooks/MeetingUpdatedEvent.cs and
# MeetingDeletedEvent.cs; dereekb/dbx-components webhook.zoom.type.meeting.ts):
#   meeting.updated  payload: {account_id, operator, operator_id, scope ("single" | "all", for a
#                    recurring meeting; some payloads call it `operation`), time_stamp (ms: when
#                    the change was made), object: {id, the changed fields (topic, agenda,
#                    start_time, duration, timezone, recurrence, occurrences: [{occurrence_id,
#                    start_time, duration}], or an occurrence_id), old_object: {the values before}}
#   meeting.deleted  payload: {account_id, operator, operator_id, operation ("all" | "single"),
#                    object: {id, uuid, host_id, topic, type, start_time, duration, timezone,
#                    occurrences: [{occurrence_id, start_time}] for the occurrences deleted}}
# Neither carries the uuid of a session: `object.id` (and the occurrence ids) say which.


def _changed_at_ms(event: WebhookEvent, payload: dict[str, Any]) -> int:
    stamp = payload.get("time_stamp")
    if isinstance(stamp, int) and not isinstance(stamp, bool) and 0 < stamp < 2**53:
        return stamp
    return int(_event_time(event).timestamp() * 1000)


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _occurrences(obj: dict[str, Any]) -> list[ZoomOccurrence]:
    listed = obj.get("occurrences")
    items = []
    for item in listed if isinstance(listed, list) else []:
        if not isinstance(item, dict) or item.get("occurrence_id") in (None, ""):
            continue
        if str(item.get("status") or "") == "deleted":
            continue
        start = parse_time(item.get("start_time"))
        if start is None:
            continue
        items.append(
            ZoomOccurrence(
                occurrence_id=str(item["occurrence_id"]),
                start_time=start,
                duration_minutes=_int_or_none(item.get("duration")),
            )
        )
    return items


def _occurrence_ids(obj: dict[str, Any]) -> list[str]:
    ids = [str(obj["occurrence_id"])] if obj.get("occurrence_id") not in (None, "") else []
    listed = obj.get("occurrences")
    for item in listed if isinstance(listed, list) else []:
        if isinstance(item, dict) and item.get("occurrence_id") not in (None, ""):
            ids.append(str(item["occurrence_id"]))
    return list(dict.fromkeys(ids))


def _text_field(obj: dict[str, Any], name: str) -> str | None:
    value = obj.get(name)
    return value if isinstance(value, str) else None


def zoom_change_from_event(
    event: WebhookEvent, payload: dict[str, Any], obj: dict[str, Any]
) -> ZoomChange | None:
    """A `meeting.updated` as the change it says (None when it names no meeting)."""
    zoom_id = str(obj.get("id") or "")
    if not zoom_id:
        return None
    scope = payload.get("scope") or payload.get("operation")
    occurrences = _occurrences(obj)
    single = scope == "single" or obj.get("occurrence_id") not in (None, "")
    recurrence = obj.get("recurrence") if isinstance(obj.get("recurrence"), dict) else None
    return ZoomChange(
        zoom_meeting_id=zoom_id,
        changed_at_ms=_changed_at_ms(event, payload),
        topic=_text_field(obj, "topic"),
        agenda=_text_field(obj, "agenda"),
        start_time=parse_time(obj.get("start_time")),
        duration_minutes=_int_or_none(obj.get("duration")),
        timezone=_text_field(obj, "timezone"),
        # Scope "single": the occurrences listed changed, each on its own. Otherwise a list
        # comes whole with a new rule (the series is expanded anew); without one, the listed
        # occurrences are moved and no other is touched.
        occurrence_ids=tuple(_occurrence_ids(obj))
        if single or (occurrences and recurrence is None)
        else (),
        occurrences=tuple(occurrences),
        all_occurrences=bool(occurrences) and recurrence is not None and not single,
        zoom_recurrence=recurrence,
    )


def _on_meeting_updated(event: WebhookEvent, obj: dict[str, Any], batch: _Batch) -> str:
    payload = event.body.get("payload") if isinstance(event.body, dict) else None
    change = zoom_change_from_event(event, payload if isinstance(payload, dict) else {}, obj)
    if change is None:
        return WebhookEvent.Status.IGNORED
    batch.flush()
    result = zoom_meeting_changed(change=change)
    if not result:
        logger.info(
            "Zoom event %s: meeting %s already as Zoom says", event.pk, change.zoom_meeting_id
        )
    return WebhookEvent.Status.PROCESSED


def _on_meeting_deleted(event: WebhookEvent, obj: dict[str, Any], batch: _Batch) -> str:
    payload = event.body.get("payload") if isinstance(event.body, dict) else None
    payload = payload if isinstance(payload, dict) else {}
    zoom_id = str(obj.get("id") or "")
    if not zoom_id:
        return WebhookEvent.Status.IGNORED
    operation = payload.get("operation") or payload.get("scope")
    ids = [] if operation == "all" else _occurrence_ids(obj)
    if operation == "single" and not ids:
        logger.warning("Zoom event %s deletes an occurrence it does not name; ignored", event.pk)
        return WebhookEvent.Status.IGNORED
    batch.flush()
    zoom_meeting_deleted(
        zoom_meeting_id=zoom_id, occurrence_ids=ids, changed_at_ms=_changed_at_ms(event, payload)
    )
    return WebhookEvent.Status.PROCESSED


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
    "meeting.updated": _on_meeting_updated,
    "meeting.deleted": _on_meeting_deleted,
}
