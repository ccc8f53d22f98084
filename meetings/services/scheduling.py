"""Scheduling classes (one session per occurrence), creating them on Zoom, starting,
changing and cancelling them. Zoom calls happen here, behind the provider interface."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.guests.changes import guests_on_change
from meetings.invitations.services import invitations_on_change, invitations_on_schedule
from meetings.models import Meeting, MeetingSeries, SchedulingPolicy, TargetAudience
from meetings.policy import (
    access_admin,
    access_audience,
    access_class_for_manage,
    access_meeting_for_manage,
)
from meetings.providers.base import (
    MeetingKind,
    MeetingProvider,
    MeetingProviderError,
    MeetingRequest,
    ProviderMeeting,
)
from meetings.recurrence import RecurrenceRule
from meetings.services.calendar_events import _calendar_event_upsert
from meetings.services.registrants import _enqueue_registration, registrants_cancel_for_meetings
from meetings.zoom.factory import (
    ZoomNotConnected,
    acting_for_host,
    meeting_create_as_host,
    provider_for_meeting,
)
from tenants.accounts.models import Role, User
from tenants.audit.services import audit_record
from tenants.text import text_validate

if TYPE_CHECKING:
    from tenants.school.models import SchoolClass

logger = logging.getLogger(__name__)


# --- the school's rules ----------------------------------------------------------------------


_HOUR_MINUTE = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


def _hour_minute(value: str) -> time | None:
    """ "HH:MM" (24-hour clock) as a time, or None when it is not that."""
    if not _HOUR_MINUTE.fullmatch(value.strip()):
        return None
    hour, minute = value.strip().split(":")
    return time(int(hour), int(minute))


def scheduling_policy_set(
    *,
    actor: User,
    teachers_may_address_school: bool | None = None,
    day_start: str | None = None,
    day_end: str | None = None,
    school_days: Sequence[int] | None = None,
    ip: str | None = None,
) -> SchedulingPolicy:
    """An admin changes the school's scheduling rules (`SchedulingPolicy`): who may publish
    classes to the whole school, and the school hours in which times are suggested ("HH:MM"
    in the school's timezone, the start before the end; days Monday = 0 … Sunday = 6, at least
    one). What is not given stays as it is."""
    access_admin(actor)
    current = SchedulingPolicy.objects.filter(singleton=True).first() or SchedulingPolicy()
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if teachers_may_address_school is not None:
        changes["teachers_may_address_school"] = teachers_may_address_school
    for name, value in (("day_start", day_start), ("day_end", day_end)):
        if value is None:
            continue
        parsed = _hour_minute(value)
        if parsed is None:
            errors[name] = _('Give a time as "HH:MM", for example 08:30.')
        else:
            changes[name] = parsed
    if school_days is not None:
        days = sorted(set(school_days))
        if not days:
            errors["school_days"] = _("Choose at least one school day.")
        elif not all(0 <= d <= 6 for d in days):
            errors["school_days"] = _("Days are 0 (Monday) to 6 (Sunday).")
        else:
            changes["school_days"] = days
    if not errors and changes.get("day_start", current.day_start) >= changes.get(
        "day_end", current.day_end
    ):
        errors["day_end" if day_end is not None else "day_start"] = _(
            "The school day must end after it starts."
        )
    if errors:
        raise ValidationError(errors)
    row, _created = SchedulingPolicy.objects.update_or_create(singleton=True, defaults=changes)
    audit_record(
        actor=actor,
        action="meetings.scheduling_policy_changed",
        target=row,
        ip=ip,
        details={
            name: value.strftime("%H:%M") if isinstance(value, time) else value
            for name, value in changes.items()
        },
    )
    return row


# --- meetings -------------------------------------------------------------------------------


# A start a little in the past is a class starting now whose form took a while to fill in.
PAST_GRACE = timedelta(minutes=5)


def schedule_window() -> tuple[datetime, datetime]:
    """The earliest and latest start a class (each occurrence) may be given now."""
    now = timezone.now()
    return now - PAST_GRACE, now + timedelta(days=365 * settings.LIVEROLL_SCHEDULE_YEARS_AHEAD)


def _start_problem(start_time: datetime) -> str | None:
    earliest, latest = schedule_window()
    if start_time < earliest:
        return "That time has passed."
    if start_time > latest:
        years = settings.LIVEROLL_SCHEDULE_YEARS_AHEAD
        return f"A class can be scheduled at most {years} years ahead (until {latest.date()})."
    return None


def _validate_meeting_fields(
    *,
    title: str,
    start_time: datetime,
    duration_minutes: int,
    tz: str,
    description: str = "",
    check_start: bool = True,
) -> None:
    """`check_start`: the start is being set now, so it must fall in `schedule_window()`."""
    text_validate(Meeting, title=title, description=description, timezone=tz)
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Give the class a title."
    if timezone.is_naive(start_time):
        errors["start_time"] = "The start time needs a timezone."
    elif check_start and (problem := _start_problem(start_time)):
        errors["start_time"] = problem
    if not 1 <= duration_minutes <= 24 * 60:
        errors["duration_minutes"] = "A class lasts 1 minute to 24 hours."
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = f"Unknown timezone {tz!r}."
    if errors:
        raise ValidationError(errors)


def _occurrence_starts(
    recurrence: RecurrenceRule, start_time: datetime, timezone_name: str
) -> list[datetime]:
    """Every start of the series, all inside `schedule_window()`: an `until` or a count that
    reaches past it is refused (a monthly class every 10 months, 60 times, spans 50 years)."""
    _, latest = schedule_window()
    if recurrence.until is not None and recurrence.until > latest.date():
        raise ValidationError(
            {"recurrence": f"A series can end at most on {latest.date().isoformat()}."}
        )
    starts = recurrence.occurrences(start_time, timezone=timezone_name)
    if starts and starts[-1] > latest:
        raise ValidationError(
            {
                "recurrence": f"The last class of that series would be on {starts[-1].date()}; "
                f"classes can be scheduled until {latest.date().isoformat()}."
            }
        )
    return starts


def planned_starts(
    *, start_time: datetime, recurrence: RecurrenceRule | None, timezone_name: str
) -> list[datetime]:
    """The start of each occurrence of a planned class (the start itself for a single class),
    none later than `schedule_window()` allows: ValidationError otherwise. The rule scheduling
    applies, shared with the clash warnings asked for before scheduling."""
    if recurrence is not None:
        return _occurrence_starts(recurrence, start_time, timezone_name)
    _, latest = schedule_window()
    if start_time > latest:
        raise ValidationError({"start_time": _start_problem(start_time) or ""})
    return [start_time]


def _request_for(meetings: list[Meeting], series: MeetingSeries | None) -> MeetingRequest:
    first = meetings[0]
    rule = rule_from_json(series.recurrence) if series else None
    return MeetingRequest(
        topic=first.title,
        kind="recurring" if series else cast(MeetingKind, first.kind),  # a Meeting.Kind value
        start_time=first.start_time,
        duration_minutes=first.duration_minutes,
        timezone=first.timezone,
        agenda=first.description,
        recurrence=rule,
        registration=first.registration_enabled,
        settings=first.zoom_settings,
    )


def _attach_zoom(meetings: list[Meeting], created: ProviderMeeting, account: str) -> None:
    by_start = {o.start_time: o.occurrence_id for o in created.occurrences}
    for meeting in meetings:
        meeting.zoom_account = account
        meeting.zoom_meeting_id = created.id
        meeting.zoom_occurrence_id = by_start.get(meeting.start_time, "") if by_start else ""
        meeting.zoom_host_id = created.host_id
        meeting.join_url = created.join_url
        meeting.start_url = created.start_url
        if not meeting.series_id:
            meeting.zoom_uuid = created.uuid
        meeting.save()
    series = meetings[0].series
    if series is not None:
        series.zoom_meeting_id = created.id
        series.save(update_fields=["zoom_meeting_id"])


def _compensate(provider: MeetingProvider, zoom_meeting_id: str, why: BaseException) -> None:
    """Zoom has a meeting our database does not: delete it, or say loudly that it is left."""
    try:
        provider.delete_meeting(zoom_meeting_id)
        logger.warning("deleted Zoom meeting %s after a failure: %s", zoom_meeting_id, why)
    except MeetingProviderError as exc:
        logger.error(
            "Zoom meeting %s is orphaned (our save failed: %s; deleting it failed: %s)",
            zoom_meeting_id,
            why,
            exc,
        )
        audit_record(
            actor_label="system",
            action="zoom.meeting.orphaned",
            target_type="zoom.meeting",
            target_id=zoom_meeting_id,
            details={"error": str(why)[:300], "delete_error": str(exc)[:300]},
        )


def meeting_schedule(
    *,
    actor: User,
    school_class: SchoolClass | None,
    title: str,
    start_time: datetime,
    duration_minutes: int = 60,
    timezone_name: str = "UTC",
    recurrence: RecurrenceRule | None = None,
    registration_enabled: bool = True,
    description: str = "",
    target_audience: str = TargetAudience.CLASS,
    ip: str | None = None,
) -> Meeting:
    """Schedule a class (every occurrence, if recurring), with its calendar events, and create
    it on Zoom when a Zoom account can act for the host (else at "start class"). All or
    nothing: a Zoom failure leaves no rows, a database failure leaves no Zoom meeting."""
    access_class_for_manage(actor, school_class)
    access_audience(actor, target_audience)
    _validate_meeting_fields(
        title=title,
        description=description,
        start_time=start_time,
        duration_minutes=duration_minutes,
        tz=timezone_name,
    )
    host = actor
    if actor.role == Role.ADMIN and school_class is not None:
        host = school_class.teachers.order_by("pk").first() or actor
    starts = planned_starts(
        start_time=start_time, recurrence=recurrence, timezone_name=timezone_name
    )
    try:
        acting = acting_for_host(host)
    except ZoomNotConnected:
        acting = None

    created: ProviderMeeting | None = None
    try:
        with transaction.atomic():
            series = None
            if recurrence is not None:
                series = MeetingSeries.objects.create(
                    school_class=school_class,
                    host=host,
                    title=title.strip(),
                    timezone=timezone_name,
                    recurrence=_rule_to_json(recurrence),
                )
            meetings = [
                Meeting.objects.create(
                    school_class=school_class,
                    series=series,
                    host=host,
                    title=title.strip(),
                    description=description,
                    kind=Meeting.Kind.RECURRING if series else Meeting.Kind.SCHEDULED,
                    start_time=start,
                    duration_minutes=duration_minutes,
                    timezone=timezone_name,
                    target_audience=target_audience,
                    registration_enabled=registration_enabled,
                    created_by=actor,
                )
                for start in starts
            ]
            for meeting in meetings:
                _calendar_event_upsert(meeting)
            invitations_on_schedule(meetings=meetings)  # mailed after commit
            if acting is not None:
                created = meeting_create_as_host(acting, _request_for(meetings, series))
                _attach_zoom(meetings, created, acting.account)
            audit_record(
                actor=actor,
                action="meeting.scheduled",
                target=meetings[0],
                ip=ip,
                details={
                    "occurrences": len(meetings),
                    "zoom_meeting_id": created.id if created else "",
                    "recurrence": recurrence.describe() if recurrence else "",
                },
            )
    except BaseException as exc:
        if created is not None and acting is not None:  # created on Zoom: acting was there
            _compensate(acting.provider, created.id, exc)
        raise
    if created is not None and registration_enabled and school_class is not None:
        _enqueue_registration([m.pk for m in meetings])
    return meetings[0]


def _series(meeting: Meeting) -> MeetingSeries:
    """The series of an occurrence: `meeting.series`, typed for where `series_id` is set."""
    return cast(MeetingSeries, meeting.series)


def _rule_to_json(rule: RecurrenceRule) -> dict[str, Any]:
    return {
        "frequency": str(rule.frequency),
        "interval": rule.interval,
        "weekdays": list(rule.weekdays),
        "month_day": rule.month_day,
        "month_week": rule.month_week,
        "month_weekday": rule.month_weekday,
        "count": rule.count,
        "until": rule.until.isoformat() if rule.until else None,
    }


def rule_from_json(data: dict[str, Any]) -> RecurrenceRule:
    from datetime import date

    values = dict(data)
    values["weekdays"] = tuple(values.get("weekdays") or ())
    if values.get("until"):
        values["until"] = date.fromisoformat(values["until"])
    return RecurrenceRule(**values)


def meeting_ensure_on_zoom(*, meeting: Meeting) -> Meeting:
    """Create the meeting (the whole series, if it is an occurrence) on Zoom if it is not
    there yet, on the host's account."""
    if meeting.on_zoom:
        return meeting
    acting = acting_for_host(meeting.host)
    group = (
        list(
            _series(meeting)
            .meetings.exclude(status=Meeting.Status.CANCELLED)
            .order_by("start_time")
        )
        if meeting.series_id
        else [meeting]
    )
    created = None
    try:
        with transaction.atomic():
            created = meeting_create_as_host(acting, _request_for(group, meeting.series))
            _attach_zoom(group, created, acting.account)
    except BaseException as exc:
        if created is not None:
            _compensate(acting.provider, created.id, exc)
        raise
    meeting.refresh_from_db()
    if meeting.registration_enabled and meeting.school_class_id:
        _enqueue_registration([m.pk for m in group])
    return meeting


def meeting_start(*, actor: User, meeting: Meeting, ip: str | None = None) -> str:
    """ "Start class" (seed 004 FR-5): make sure the class is on Zoom and return the host's
    start URL. The status turns to started when Zoom reports it (webhook)."""
    access_meeting_for_manage(actor, meeting)
    if meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.ENDED):
        raise ValidationError(f"This class is {meeting.get_status_display().lower()}.")
    was_on_zoom = meeting.on_zoom
    meeting = meeting_ensure_on_zoom(meeting=meeting)
    if was_on_zoom or not meeting.start_url:
        # Zoom's start links carry a host token that lasts two hours: fetch a fresh one.
        try:
            fresh = provider_for_meeting(meeting).get_meeting(
                meeting.zoom_meeting_id, occurrence_id=meeting.zoom_occurrence_id
            )
        except MeetingProviderError as exc:
            if not meeting.start_url:
                raise
            logger.warning("fresh start link for meeting %s failed: %s", meeting.pk, exc)
        else:
            if fresh.start_url:
                meeting.start_url = fresh.start_url
                meeting.save(update_fields=["start_url", "updated_at"])
    if not meeting.start_url:
        raise ValidationError("Zoom gave no start link for this class; try again.")
    audit_record(
        actor=actor,
        action="meeting.start_requested",
        target=meeting,
        ip=ip,
        details={"zoom_meeting_id": meeting.zoom_meeting_id},
    )
    return meeting.start_url


# The changes invitees are told about (a new audience is not a change of the class itself).
INVITATION_FIELDS = frozenset({"title", "description", "start_time", "duration_minutes"})


def meeting_update(
    *,
    actor: User,
    meeting: Meeting,
    title: str | None = None,
    description: str | None = None,
    start_time: datetime | None = None,
    duration_minutes: int | None = None,
    target_audience: str | None = None,
    ip: str | None = None,
) -> Meeting:
    """Change one class session. For an occurrence of a series, only its time and length can
    change on its own (Zoom's rule); the title belongs to the series."""
    access_meeting_for_manage(actor, meeting)
    if meeting.status != Meeting.Status.SCHEDULED:
        raise ValidationError("Only a class that has not started can be changed.")
    if meeting.series_id and (title is not None or description is not None):
        raise ValidationError("Change the title of a recurring class on the whole series.")
    changed: dict[str, Any] = {}
    for name, value in (
        ("title", title),
        ("description", description),
        ("start_time", start_time),
        ("duration_minutes", duration_minutes),
        ("target_audience", target_audience),
    ):
        if value is not None and value != getattr(meeting, name):
            changed[name] = value
    if not changed:
        return meeting
    if "target_audience" in changed:
        access_audience(actor, changed["target_audience"])
    if "title" in changed:
        changed["title"] = changed["title"].strip()
    _validate_meeting_fields(
        title=changed.get("title", meeting.title),
        description=changed.get("description", ""),
        start_time=changed.get("start_time", meeting.start_time),
        duration_minutes=changed.get("duration_minutes", meeting.duration_minutes),
        tz=meeting.timezone,
        # A class that began late keeps its (past) start when only its title changes.
        check_start="start_time" in changed,
    )
    with transaction.atomic():
        for name, value in changed.items():
            setattr(meeting, name, value)
        # Our change is the newest: a Zoom change made before it and delivered late must not
        # undo it (meetings.services.zoom_changes).
        now_ms = int(timezone.now().timestamp() * 1000)
        meeting.zoom_changed_at = {**meeting.zoom_changed_at, **dict.fromkeys(changed, now_ms)}
        meeting.save()
        _calendar_event_upsert(meeting)
        if changed.keys() & INVITATION_FIELDS:
            invitations_on_change(meetings=[meeting], change="changed")  # mailed after commit
        if changed.keys() & {"start_time", "duration_minutes"}:
            guests_on_change(meetings=[meeting], change="changed")
        if meeting.on_zoom:
            # The whole request, as at creation; for an occurrence the provider sends only
            # the fields Zoom lets one occurrence change.
            provider_for_meeting(meeting).update_meeting(
                meeting.zoom_meeting_id,
                _request_for([meeting], meeting.series if meeting.series_id else None),
                occurrence_id=meeting.zoom_occurrence_id,
            )
        audit_record(
            actor=actor,
            action="meeting.updated",
            target=meeting,
            ip=ip,
            details={"changed": sorted(changed)},
        )
    return meeting


def meeting_cancel(
    *, actor: User, meeting: Meeting, whole_series: bool = False, ip: str | None = None
) -> list[Meeting]:
    """Cancel a class session (or, with `whole_series`, every session of its series still to
    come). Cancelled on Zoom first: if Zoom refuses, nothing changes here."""
    access_meeting_for_manage(actor, meeting)
    if meeting.status != Meeting.Status.SCHEDULED:
        raise ValidationError("Only a class that has not started can be cancelled.")
    if whole_series and meeting.series_id:
        targets = list(
            _series(meeting).meetings.filter(
                status=Meeting.Status.SCHEDULED, start_time__gte=meeting.start_time
            )
        )
    else:
        targets = [meeting]
    with transaction.atomic():
        for target in targets:
            target.status = Meeting.Status.CANCELLED
            target.save(update_fields=["status", "updated_at"])
            _calendar_event_upsert(target)
        invitations_on_change(meetings=targets, change="cancelled")  # mailed after commit
        guests_on_change(meetings=targets, change="cancelled")
        if meeting.on_zoom:
            provider = provider_for_meeting(meeting)
            series_goes_on = bool(
                meeting.series_id
                and _series(meeting).meetings.filter(status=Meeting.Status.SCHEDULED).exists()
            )
            # The registrants' Zoom links stop working first (a deleted meeting takes them
            # along at Zoom too, but a cancelled occurrence of a series going on does not).
            registrants_cancel_for_meetings(meetings=targets, whole=not series_goes_on)
            if series_goes_on:
                for target in targets:
                    provider.delete_meeting(
                        target.zoom_meeting_id, occurrence_id=target.zoom_occurrence_id
                    )
            else:
                provider.delete_meeting(meeting.zoom_meeting_id)
        audit_record(
            actor=actor,
            action="meeting.cancelled",
            target=meeting,
            ip=ip,
            details={"sessions": len(targets), "whole_series": whole_series},
        )
    return targets
