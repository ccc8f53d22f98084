"""A class session's life as Zoom reports it: which session an event is about (a new one for
an unscheduled start), started, ended. The one writer of a session's actual times and of its
started/ended status (a cancellation is scheduling's); attendance calls these."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from meetings.events import MeetingEnded, MeetingStarted, MeetingSummary
from meetings.models import Meeting
from meetings.policy import access_meeting_for_manage
from meetings.zoom.factory import provider_for_meeting
from realtime.events import publish
from tenants.accounts.models import User
from tenants.audit.services import audit_record

logger = logging.getLogger(__name__)


# How far from its scheduled start an occurrence may begin and still be recognised.
OCCURRENCE_MATCH_WINDOW = timedelta(hours=12)
ZOOM_UUID_MAX = Meeting._meta.get_field("zoom_uuid").max_length or 100


def meeting_session_for_zoom_object(*, obj: dict[str, Any], at: datetime) -> Meeting | None:
    """The session a Zoom event is about. By uuid when known; else, for a recurring meeting,
    the not-yet-started occurrence nearest in time (which then takes the uuid)."""
    uuid = obj.get("uuid") or ""
    if not isinstance(uuid, str) or len(uuid) > ZOOM_UUID_MAX:
        # Not a Zoom uuid (a signed body may hold any JSON): no session is about it, and it
        # must not reach the column, where it would fail the event into retry after retry.
        logger.warning("a Zoom event's meeting uuid is not one (%.80r); no session", uuid)
        return None
    zoom_id = str(obj.get("id") or "")
    if uuid:
        meeting = Meeting.objects.filter(zoom_uuid=uuid).first()
        if meeting is not None:
            return meeting
    if not zoom_id:
        return None
    # Lock this Zoom meeting's sessions: two events of a new instance must pick one session.
    candidates = list(
        Meeting.objects.select_for_update()
        .filter(zoom_meeting_id=zoom_id)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("start_time")
    )
    if not candidates:
        return None
    if uuid:
        # A transaction we waited for on those locks may have given the uuid to a session,
        # or made a session for it: a fresh query sees both.
        meeting = Meeting.objects.filter(zoom_uuid=uuid).first()
        if meeting is not None:
            return meeting
    if len(candidates) == 1 and not candidates[0].series_id:
        meeting = candidates[0]
    else:
        free = [m for m in candidates if not m.zoom_uuid and m.status == Meeting.Status.SCHEDULED]
        free = [m for m in free if abs(m.start_time - at) <= OCCURRENCE_MATCH_WINDOW]
        if free:
            meeting = min(free, key=lambda m: abs(m.start_time - at))
        elif uuid:
            # The host started the recurring meeting away from every session (a class moved
            # at short notice): a session of its own, so that it is seen live and its
            # attendance is kept apart from the scheduled ones.
            meeting = _unscheduled_session(
                min(candidates, key=lambda m: abs(m.start_time - at)), at
            )
        else:
            return None
    if uuid and meeting.zoom_uuid != uuid:
        meeting.zoom_uuid = uuid
        meeting.save(update_fields=["zoom_uuid", "updated_at"])
    return meeting


def _unscheduled_session(like: Meeting, at: datetime) -> Meeting:
    meeting = Meeting.objects.create(
        school_class=like.school_class,
        series=like.series,
        host=like.host,
        title=like.title,
        description=like.description,
        kind=like.kind,
        start_time=at,
        duration_minutes=like.duration_minutes,
        timezone=like.timezone,
        target_audience=like.target_audience,
        registration_enabled=False,
        zoom_account=like.zoom_account,
        zoom_meeting_id=like.zoom_meeting_id,
    )
    meeting.invitees.set(like.invitees.all())
    audit_record(
        actor_label="zoom",
        action="meeting.unscheduled_session",
        target=meeting,
        details={"zoom_meeting_id": like.zoom_meeting_id, "nearest_session": like.pk},
    )
    return meeting


def meeting_mark_started(*, meeting: Meeting, at: datetime, live_count: int) -> None:
    """Zoom says the session began at `at` (the first report wins). `live_count`: who is in
    the room already, which only attendance knows (joins may be processed before the start);
    it goes out with `meeting.started`."""
    meeting.actual_start = meeting.actual_start or at
    if meeting.status == Meeting.Status.SCHEDULED:
        meeting.status = Meeting.Status.STARTED
    meeting.save(update_fields=["actual_start", "status", "updated_at"])
    publish(MeetingStarted(meeting=MeetingSummary.of(meeting), count=live_count))


def meeting_mark_ended(
    *, meeting: Meeting, at: datetime, started_at: datetime | None = None
) -> None:
    """The session ended at `at`: Zoom's webhook (whose time wins over a teacher's click), or
    the teacher's "end class". `meeting.ended` carries no one's live count: an ended class has
    nobody in it (meetings.events.MeetingEnded)."""
    meeting.actual_start = meeting.actual_start or started_at
    meeting.actual_end = at
    meeting.status = Meeting.Status.ENDED
    meeting.save(update_fields=["actual_start", "actual_end", "status", "updated_at"])
    publish(MeetingEnded(meeting=MeetingSummary.of(meeting)))


def meeting_end(*, actor: User, meeting: Meeting, ip: str | None = None) -> Meeting:
    """End a running class for everyone. Zoom is asked to end it; its `meeting.ended` webhook
    then scores attendance (here the status only turns at once, for the dashboards)."""
    access_meeting_for_manage(actor, meeting)
    if meeting.status != Meeting.Status.STARTED:
        raise ValidationError("Only a class that is running can be ended.")
    if meeting.on_zoom:
        provider_for_meeting(meeting).end_meeting(meeting.zoom_meeting_id)
    meeting_mark_ended(meeting=meeting, at=meeting.actual_end or timezone.now())
    audit_record(actor=actor, action="meeting.ended_by_teacher", target=meeting, ip=ip)
    return meeting
