"""Zoom is the source of truth: a meeting changed or deleted in Zoom's own app reaches our
sessions here, from its `meeting.updated` / `meeting.deleted` webhooks (attendance.handlers
parses them into a `ZoomChange`) or from the reconciliation job, which asks Zoom for each
Zoom meeting with sessions still to come and applies what a missed webhook left different.

Every change goes the way scheduling's own changes go (meetings.services.scheduling): the
session saved, its calendar event's SEQUENCE bumped (`_calendar_event_upsert`), invitees and
guests told after commit, registrations cancelled with a cancelled session (here only: Zoom
deleted them with its meeting), audited as done by "zoom". Reminders need nothing: their sweep
claims by each session's current start and status (meetings.reminders.services).

Safe to repeat and safe out of order: a value equal to ours changes nothing (so Zoom's echo of a
change liveroll made through the API sends no mail and bumps no SEQUENCE), and each field of a
session remembers when Zoom made the change applied to it (`Meeting.zoom_changed_at`, epoch
milliseconds), so an older change arriving after a newer one is skipped. Sessions that started,
ended or were cancelled are never changed (a cancelled session is not revived)."""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import F, Min
from django.utils import timezone

from meetings.guests.changes import guests_on_change
from meetings.invitations.services import invitations_on_change, series_event_restart
from meetings.models import Meeting, MeetingSeries, ZoomConnection
from meetings.providers.base import (
    MeetingProviderError,
    NotFoundError,
    ProviderMeeting,
    RateLimitError,
)
from meetings.recurrence import RecurrenceError, RecurrenceRule
from meetings.services.calendar_events import _calendar_event_upsert
from meetings.services.registrants import (
    _enqueue_registration,
    registrants_cancel_for_meetings,
)
from meetings.services.scheduling import (
    INVITATION_FIELDS,
    _rule_to_json,
    rule_from_json,
    schedule_window,
)
from meetings.zoom.factory import ZoomNotConnected, provider_for_meeting
from tenants.audit.services import audit_record

logger = logging.getLogger(__name__)

ACTOR = "zoom"
TITLE_MAX = Meeting._meta.get_field("title").max_length or 200
DESCRIPTION_MAX = Meeting._meta.get_field("description").max_length or 2000
# How many Zoom meetings one reconciliation run asks about (one GET each, a series once): the
# least recently checked first, so that every meeting comes round.
RECONCILE_BATCH = 50
TIME_FIELDS = frozenset({"start_time", "duration_minutes"})


# --- what Zoom says ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoomOccurrence:
    """One occurrence of a recurring Zoom meeting as Zoom now has it."""

    occurrence_id: str
    start_time: datetime
    duration_minutes: int | None = None


@dataclass(frozen=True)
class ZoomChange:
    """What Zoom now says of one of its meetings (only the fields it said), and when.

    `occurrence_ids`: the change is about these occurrences only (Zoom's scope "single"): their
    new times are in `occurrences`, or in `start_time` / `duration_minutes` for one occurrence.
    Otherwise `occurrences` with `all_occurrences` is Zoom's whole list of them (a recurrence
    change, or Zoom's answer to reconciliation), and `recurrence` the series' new rule: the
    series is expanded anew from it."""

    zoom_meeting_id: str
    changed_at_ms: int
    topic: str | None = None
    agenda: str | None = None
    start_time: datetime | None = None
    duration_minutes: int | None = None
    timezone: str | None = None
    occurrence_ids: tuple[str, ...] = ()
    occurrences: tuple[ZoomOccurrence, ...] = ()
    all_occurrences: bool = False
    recurrence: RecurrenceRule | None = None
    # Zoom's `recurrence` object as a webhook carries it (read in the series' timezone).
    zoom_recurrence: dict[str, Any] | None = None


@dataclass
class ZoomChangeResult:
    """The sessions a change touched, by id."""

    changed: list[int] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.changed or self.created or self.cancelled)

    def merge(self, other: ZoomChangeResult) -> None:
        self.changed += other.changed
        self.created += other.created
        self.cancelled += other.cancelled


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _original(item: ZoomOccurrence) -> datetime:
    """Where Zoom's rule put an occurrence (its id is that start in epoch milliseconds)."""
    if item.occurrence_id.isdigit():
        with contextlib.suppress(OverflowError, OSError, ValueError):
            return datetime.fromtimestamp(int(item.occurrence_id) / 1000, tz=UTC)
    return item.start_time


def occurrence_id_for(start: datetime) -> str:
    """Zoom's id of an occurrence: its start in epoch milliseconds."""
    return str(_ms(start))


# --- applying a change -------------------------------------------------------------------------


class _Work:
    """The sessions one change touches, gathered, then saved with their side effects."""

    def __init__(self, at_ms: int) -> None:
        self.at_ms = at_ms
        self.changed: dict[int, tuple[Meeting, set[str]]] = {}
        self.created: list[Meeting] = []
        self.cancelled: list[Meeting] = []

    def newer(self, meeting: Meeting | MeetingSeries, name: str) -> bool:
        """Whether this change is newer than the one last applied to `name` (or none was)."""
        stamps = meeting.zoom_changed_at if isinstance(meeting.zoom_changed_at, dict) else {}
        last = stamps.get(name)
        return not isinstance(last, int) or self.at_ms > last

    def set(self, meeting: Meeting, name: str, value: Any) -> None:
        """Set a field of a scheduled session, if this change is newer and the value differs;
        the time of the change is kept either way (the newest Zoom value is now ours)."""
        if meeting.status != Meeting.Status.SCHEDULED or not self.newer(meeting, name):
            return
        meeting.zoom_changed_at = {**(meeting.zoom_changed_at or {}), name: self.at_ms}
        entry = self.changed.setdefault(meeting.pk, (meeting, set()))
        if getattr(meeting, name) != value:
            setattr(meeting, name, value)
            entry[1].add(name)

    def cancel(self, meeting: Meeting) -> None:
        if meeting.status == Meeting.Status.SCHEDULED and meeting not in self.cancelled:
            meeting.status = Meeting.Status.CANCELLED
            meeting.zoom_changed_at = {**(meeting.zoom_changed_at or {}), "status": self.at_ms}
            self.cancelled.append(meeting)

    def save(self, *, zoom_meeting_id: str, what: str) -> ZoomChangeResult:
        result = ZoomChangeResult()
        cancelled_ids = {m.pk for m in self.cancelled}
        really: list[tuple[Meeting, set[str]]] = []
        for meeting, names in self.changed.values():
            if meeting.pk in cancelled_ids:
                continue
            # The stamps, even when no value differed; only what this change touches (a
            # batch's other events may hold the same session).
            meeting.save(
                update_fields=[*names, "zoom_changed_at", "zoom_occurrence_id", "updated_at"]
            )
            if names:
                _calendar_event_upsert(meeting)
                really.append((meeting, names))
                result.changed.append(meeting.pk)
        for meeting in self.cancelled:
            meeting.save(update_fields=["status", "zoom_changed_at", "updated_at"])
            _calendar_event_upsert(meeting)
            result.cancelled.append(meeting.pk)
        for meeting in self.created:
            _calendar_event_upsert(meeting)
            result.created.append(meeting.pk)
        told = [m for m, names in really if names & INVITATION_FIELDS] + self.created
        if told:
            invitations_on_change(meetings=told, change="changed")  # mailed after commit
        moved = [m for m, names in really if names & TIME_FIELDS]
        if moved:
            guests_on_change(meetings=moved, change="changed")
        if self.cancelled:
            invitations_on_change(meetings=self.cancelled, change="cancelled")
            guests_on_change(meetings=self.cancelled, change="cancelled")
            # Zoom deleted the registrations with its meeting or occurrence: here only.
            registrants_cancel_for_meetings(meetings=self.cancelled, at_zoom=False)
        registering = [m.pk for m in self.created if m.registration_enabled and m.school_class_id]
        if registering:
            _enqueue_registration(registering)
        if result:
            first = (self.created or self.cancelled or [m for m, _ in really])[0]
            audit_record(
                actor_label=ACTOR,
                action=what,
                target=first,
                details={
                    "zoom_meeting_id": zoom_meeting_id,
                    "changed": {str(m.pk): sorted(names) for m, names in really},
                    "created": result.created,
                    "cancelled": result.cancelled,
                    "zoom_changed_at": self.at_ms,
                },
            )
        return result


def _sessions(zoom_meeting_id: str) -> list[Meeting]:
    """This school's sessions of a Zoom meeting, locked (a webhook and reconciliation at once
    must not both create an occurrence's session)."""
    return list(
        Meeting.objects.select_for_update()
        .filter(zoom_meeting_id=zoom_meeting_id)
        .order_by("start_time", "pk")
    )


def _valid_zone(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("Zoom gave an unknown timezone %.64r; ignored", name)
        return None
    return name


def _valid_duration(minutes: int | None) -> int | None:
    return minutes if isinstance(minutes, int) and 1 <= minutes <= 24 * 60 else None


def _valid_start(start: datetime | None) -> datetime | None:
    """A start Zoom could give: not beyond what scheduling allows (a signed body may say
    anything; such a time would break every calendar that shows it)."""
    if start is None:
        return None
    _, latest = schedule_window()
    if start > latest or start.year < 2000:
        logger.warning("Zoom gave a start time out of bounds (%s); ignored", start.isoformat())
        return None
    return start


def zoom_meeting_changed(*, change: ZoomChange) -> ZoomChangeResult:
    """Apply what Zoom says of one of its meetings to this school's sessions of it."""
    with transaction.atomic():
        sessions = _sessions(change.zoom_meeting_id)
        if not sessions:
            return ZoomChangeResult()
        work = _Work(change.changed_at_ms)
        series = next((m.series for m in sessions if m.series_id), None)
        topic = change.topic.strip()[:TITLE_MAX] if change.topic and change.topic.strip() else None
        agenda = change.agenda[:DESCRIPTION_MAX] if change.agenda is not None else None
        zone = _valid_zone(change.timezone)
        duration = _valid_duration(change.duration_minutes)
        start = _valid_start(change.start_time)
        if series is None:
            meeting = sessions[0]
            for name, value in (
                ("title", topic),
                ("description", agenda),
                ("start_time", start),
                ("duration_minutes", duration),
                ("timezone", zone),
            ):
                if value is not None:
                    work.set(meeting, name, value)
            return work.save(zoom_meeting_id=change.zoom_meeting_id, what="meeting.changed_at_zoom")
        series = MeetingSeries.objects.select_for_update().get(pk=series.pk)
        _series_fields(work, series, sessions, topic=topic, zone=zone)
        for meeting in sessions:
            if agenda is not None:
                work.set(meeting, "description", agenda)
        if change.occurrence_ids:
            _occurrences_moved(work, sessions, change, duration)
        else:
            if duration is not None:
                for meeting in sessions:
                    work.set(meeting, "duration_minutes", duration)
            rule_before = series.recurrence
            listed = (
                _listed_occurrences(series, sessions, change, zone, duration)
                if work.newer(series, "occurrences")
                else None
            )
            if listed is not None:
                moved = _expand(work, series, sessions, listed)
                if listed and (moved or series.recurrence != rule_before):
                    # A new rule, or the series moved whole: its calendar event counts from
                    # its (new) first occurrence.
                    series_event_restart(
                        series_id=series.pk,
                        first_start=min(_original(item) for item in listed),
                    )
                series.zoom_changed_at = {**series.zoom_changed_at, "occurrences": work.at_ms}
                series.save(update_fields=["zoom_changed_at"])
        return work.save(zoom_meeting_id=change.zoom_meeting_id, what="meeting.changed_at_zoom")


def _series_fields(
    work: _Work,
    series: MeetingSeries,
    sessions: list[Meeting],
    *,
    topic: str | None,
    zone: str | None,
) -> None:
    """The title and timezone belong to the series and to each of its sessions."""
    updates: list[str] = []
    for name, value in (("title", topic), ("timezone", zone)):
        if value is None:
            continue
        for meeting in sessions:
            work.set(meeting, name, value)
        if work.newer(series, name):
            series.zoom_changed_at = {**series.zoom_changed_at, name: work.at_ms}
            updates.append("zoom_changed_at")
            if getattr(series, name) != value:
                setattr(series, name, value)
                updates.append(name)
    if updates:
        series.save(update_fields=sorted(set(updates)))


def _occurrences_moved(
    work: _Work, sessions: list[Meeting], change: ZoomChange, duration: int | None
) -> None:
    """Scope "single": these occurrences moved or changed length, each on its own."""
    by_id = {m.zoom_occurrence_id: m for m in sessions if m.zoom_occurrence_id}
    told = {o.occurrence_id: o for o in change.occurrences}
    for occurrence_id in change.occurrence_ids:
        meeting = by_id.get(occurrence_id)
        if meeting is None:
            continue
        item = told.get(occurrence_id)
        start = _valid_start(item.start_time if item else change.start_time)
        minutes = _valid_duration(item.duration_minutes) if item else duration
        if start is not None:
            work.set(meeting, "start_time", start)
        if minutes is not None:
            work.set(meeting, "duration_minutes", minutes)


def _listed_occurrences(
    series: MeetingSeries,
    sessions: list[Meeting],
    change: ZoomChange,
    zone: str | None,
    duration: int | None,
) -> list[ZoomOccurrence] | None:
    """Every occurrence of the series as Zoom now has it: its list when it gave one, else its
    new rule (or new start) expanded as Zoom does; None when the change says neither."""
    tz = zone or series.timezone
    new_rule = change.recurrence
    if new_rule is None and change.zoom_recurrence is not None:
        try:
            new_rule = RecurrenceRule.from_zoom(change.zoom_recurrence, timezone=tz)
        except (AttributeError, KeyError, TypeError, ValueError, OverflowError) as exc:
            logger.warning("Zoom meeting %s: a recurrence we cannot hold: %s", series.pk, exc)
    if new_rule is not None and new_rule != rule_from_json(series.recurrence):
        series.recurrence = _rule_to_json(new_rule)
        series.save(update_fields=["recurrence"])
    if change.all_occurrences:
        return list(change.occurrences)
    start = _valid_start(change.start_time)
    if new_rule is None and start is None:
        return None
    rule = new_rule or rule_from_json(series.recurrence)
    first = start or min(m.start_time for m in sessions)
    try:
        starts = rule.occurrences(first, timezone=tz)
    except (RecurrenceError, OverflowError) as exc:
        logger.warning("Zoom meeting %s: its new rule gives no class: %s", series.pk, exc)
        return None
    return [ZoomOccurrence(occurrence_id_for(s), s, duration) for s in starts]


def _expand(
    work: _Work, series: MeetingSeries, sessions: list[Meeting], listed: list[ZoomOccurrence]
) -> bool:
    """Our sessions follow Zoom's occurrences: each is matched by occurrence id, else by start;
    a matched session moves with its occurrence, an occurrence still to come without one gets a
    new session, and a session still to come that Zoom no longer lists is cancelled. Zoom lists
    only occurrences still to come, so a past session is never taken for a vanished one.

    Zoom's occurrence id is where its rule puts the occurrence, so a series moved as a whole
    (a new time or weekday) gives every occurrence a new id: when no occurrence kept its id, the
    sessions still to come are paired with the occurrences left (`_moved_pairs`) and move, with
    their registrants, guests' links and calendar events; only what is left over on either side
    is created or cancelled. Returns whether the series moved so (its calendar event then counts
    from the new first occurrence)."""
    now = timezone.now()
    _, latest = schedule_window()
    by_id = {m.zoom_occurrence_id: m for m in sessions if m.zoom_occurrence_id}
    matched: set[int] = set()
    unmatched: list[ZoomOccurrence] = []
    for item in listed:
        meeting = by_id.get(item.occurrence_id)
        if meeting is None:
            unmatched.append(item)
            continue
        matched.add(meeting.pk)
        if _valid_start(item.start_time) is not None:
            work.set(meeting, "start_time", item.start_time)
        if (minutes := _valid_duration(item.duration_minutes)) is not None:
            work.set(meeting, "duration_minutes", minutes)
    kept_ids = bool(matched)
    free = {
        m.start_time: m
        for m in sessions
        if m.pk not in matched and m.status == Meeting.Status.SCHEDULED
    }
    renamed: set[int] = set()
    left: list[ZoomOccurrence] = []
    for item in unmatched:
        meeting = free.pop(item.start_time, None)
        if meeting is not None:  # the same class under a new occurrence id
            _follow(work, meeting, item)
            matched.add(meeting.pk)
            renamed.add(meeting.pk)
        elif now <= item.start_time <= latest:
            left.append(item)
    if not kept_ids:
        movable = [m for m in free.values() if m.start_time >= now and work.newer(m, "start_time")]
        for meeting, item in _moved_pairs(movable, left):
            _follow(work, meeting, item)
            matched.add(meeting.pk)
            renamed.add(meeting.pk)
            left.remove(item)
    template = _template(sessions)
    for item in left:
        work.created.append(_session_new(template, series, item, work.at_ms))
    for meeting in sessions:
        if (
            meeting.pk not in matched
            and meeting.status == Meeting.Status.SCHEDULED
            and meeting.start_time >= now
            and work.newer(meeting, "start_time")
        ):
            work.cancel(meeting)
    return (
        not kept_ids
        and bool(renamed)
        and all(m.pk in renamed or m.status == Meeting.Status.CANCELLED for m in sessions)
    )


def _follow(work: _Work, meeting: Meeting, item: ZoomOccurrence) -> None:
    """The session is Zoom's occurrence `item` from now on: its id, start and length."""
    meeting.zoom_occurrence_id = item.occurrence_id
    work.set(meeting, "start_time", item.start_time)
    if (minutes := _valid_duration(item.duration_minutes)) is not None:
        work.set(meeting, "duration_minutes", minutes)


def _session_original(meeting: Meeting) -> datetime:
    return _original(ZoomOccurrence(meeting.zoom_occurrence_id, meeting.start_time))


def _moved_pairs(
    meetings: list[Meeting], items: list[ZoomOccurrence]
) -> list[tuple[Meeting, ZoomOccurrence]]:
    """Sessions of a series Zoom moved as a whole, each with its occurrence: first by the shift
    most of them share (where Zoom's rule put the session then and the occurrence now: an hour
    later, a day later), so that an occurrence deleted at Zoom leaves its own session over;
    then the rest in order of time."""
    meetings = sorted(meetings, key=lambda m: (m.start_time, m.pk))
    items = sorted(items, key=lambda i: i.start_time)
    pairs: list[tuple[Meeting, ZoomOccurrence]] = []
    shifts = Counter(_original(i) - _session_original(m) for m in meetings for i in items)
    if shifts:
        shift, count = shifts.most_common(1)[0]
        if count > 1:
            by_original = {_original(i): i for i in items}
            for meeting in list(meetings):
                item = by_original.pop(_session_original(meeting) + shift, None)
                if item is not None:
                    pairs.append((meeting, item))
                    meetings.remove(meeting)
                    items.remove(item)
    pairs.extend(zip(meetings, items, strict=False))
    return pairs


def _template(sessions: Sequence[Meeting]) -> Meeting:
    """The session a new occurrence's session is made like: the latest scheduled one."""
    scheduled = [m for m in sessions if m.status == Meeting.Status.SCHEDULED]
    return (scheduled or list(sessions))[-1]


def _session_new(like: Meeting, series: MeetingSeries, item: ZoomOccurrence, at_ms: int) -> Meeting:
    meeting = Meeting.objects.create(
        school_class=like.school_class,
        series=series,
        host=like.host,
        title=series.title,
        description=like.description,
        kind=Meeting.Kind.RECURRING,
        start_time=item.start_time,
        duration_minutes=_valid_duration(item.duration_minutes) or like.duration_minutes,
        timezone=series.timezone,
        target_audience=like.target_audience,
        registration_enabled=like.registration_enabled,
        zoom_settings=like.zoom_settings,
        zoom_account=like.zoom_account,
        zoom_meeting_id=like.zoom_meeting_id,
        zoom_occurrence_id=item.occurrence_id,
        zoom_host_id=like.zoom_host_id,
        join_url=like.join_url,
        zoom_changed_at={"start_time": at_ms},
    )
    meeting.invitees.set(like.invitees.all())
    return meeting


def zoom_meeting_deleted(
    *, zoom_meeting_id: str, occurrence_ids: Iterable[str] = (), changed_at_ms: int
) -> ZoomChangeResult:
    """Zoom deleted the meeting (or, with `occurrence_ids`, those occurrences of it): our
    sessions of it that have not started are cancelled. Already cancelled: nothing happens."""
    wanted = {str(o) for o in occurrence_ids if o}
    with transaction.atomic():
        work = _Work(changed_at_ms)
        for meeting in _sessions(zoom_meeting_id):
            if not wanted or meeting.zoom_occurrence_id in wanted:
                work.cancel(meeting)
        return work.save(zoom_meeting_id=zoom_meeting_id, what="meeting.cancelled_at_zoom")


# --- reconciliation ----------------------------------------------------------------------------


@dataclass
class ReconcileReport:
    checked: int = 0
    gone: int = 0  # Zoom meetings Zoom no longer has
    # Zoom said "does not exist" to an account that may not hold the meeting: not cancelled.
    unsure: int = 0
    failed: int = 0
    deferred: bool = False  # rate-limited: the rest waits for the next run
    result: ZoomChangeResult = field(default_factory=ZoomChangeResult)


def change_from_provider(zoom: ProviderMeeting, *, at_ms: int, series: bool) -> ZoomChange:
    """Zoom's answer for a meeting as a change: all of it, its occurrences as the whole list."""
    if series:
        return ZoomChange(
            zoom_meeting_id=zoom.id,
            changed_at_ms=at_ms,
            topic=zoom.topic,
            agenda=zoom.agenda,
            timezone=zoom.timezone,
            occurrences=tuple(
                ZoomOccurrence(o.occurrence_id, o.start_time, o.duration_minutes or None)
                for o in zoom.occurrences
                if o.status != "deleted"
            ),
            all_occurrences=True,
            recurrence=zoom.recurrence,
        )
    return ZoomChange(
        zoom_meeting_id=zoom.id,
        changed_at_ms=at_ms,
        topic=zoom.topic,
        agenda=zoom.agenda,
        start_time=zoom.start_time,
        duration_minutes=zoom.duration_minutes or None,
        timezone=zoom.timezone,
    )


def _gone(exc: NotFoundError) -> bool:
    """Zoom says the meeting does not exist (code 3001; a bare 404 says as much)."""
    return str(exc.code) == "3001" or (exc.code is None and exc.status == 404)


def _asked_its_holder(zoom_meeting_id: str, sample: Meeting) -> bool:
    """Whether the account reconciliation asked about the meeting is the one that holds it, so
    that its "does not exist" can be believed. The school's account sees every meeting on it; a
    meeting on a host's own Zoom is seen only by the Zoom user that holds it, which is not the
    connection of whoever hosts it here now when a deleted teacher's classes went to a successor
    or the host connected another Zoom user since. A holder not known yet (a meeting made before
    it was kept, never read since): not believed."""
    if sample.zoom_account == Meeting.Account.ACCOUNT:
        return True
    holder = (
        Meeting.objects.filter(zoom_meeting_id=zoom_meeting_id)
        .exclude(zoom_host_id="")
        .values_list("zoom_host_id", flat=True)
        .first()
    )
    asked = (
        ZoomConnection.objects.filter(user_id=sample.host_id)
        .values_list("zoom_user_id", flat=True)
        .first()
    )
    return bool(holder) and asked == holder


def zoom_meetings_reconcile(*, limit: int = RECONCILE_BATCH) -> ReconcileReport:
    """Ask Zoom for the meetings of sessions still to come (the least recently checked first,
    at most `limit`, a series once with its occurrences) and apply what differs, as a webhook
    would have. A meeting Zoom no longer has is cancelled here, when the account that said so
    holds it (`_asked_its_holder`); otherwise it is logged and left. Calls go through the school's
    Zoom client and its shared rate limiter; a rate limit ends the run."""
    report = ReconcileReport()
    now = timezone.now()
    upcoming = Meeting.objects.filter(status=Meeting.Status.SCHEDULED, start_time__gte=now).exclude(
        zoom_meeting_id=""
    )
    due = list(
        upcoming.values("zoom_meeting_id")
        .annotate(checked=Min("zoom_checked_at"))
        .order_by(F("checked").asc(nulls_first=True), "zoom_meeting_id")
        .values_list("zoom_meeting_id", flat=True)[:limit]
    )
    for zoom_meeting_id in due:
        sample = upcoming.filter(zoom_meeting_id=zoom_meeting_id).first()
        if sample is None:
            continue
        at_ms = _ms(timezone.now())
        try:
            zoom = provider_for_meeting(sample).get_meeting(zoom_meeting_id)
        except RateLimitError:
            report.deferred = True
            logger.info("reconciliation rate-limited after %d meetings", report.checked)
            break
        except NotFoundError as exc:
            if not _gone(exc):
                report.failed += 1
                logger.warning("reconcile: Zoom meeting %s: %s", zoom_meeting_id, exc)
            elif not _asked_its_holder(zoom_meeting_id, sample):
                report.unsure += 1
                logger.warning(
                    "reconcile: Zoom meeting %s: 'does not exist' from %s's Zoom, which may not"
                    " hold it; nothing cancelled",
                    zoom_meeting_id,
                    sample.host,
                )
            else:
                report.gone += 1
                done = zoom_meeting_deleted(zoom_meeting_id=zoom_meeting_id, changed_at_ms=at_ms)
                report.result.merge(done)
                logger.info(
                    "reconcile: Zoom meeting %s is gone: %d session(s) cancelled",
                    zoom_meeting_id,
                    len(done.cancelled),
                )
        except (ZoomNotConnected, MeetingProviderError) as exc:
            report.failed += 1
            logger.warning("reconcile: Zoom meeting %s not checked: %s", zoom_meeting_id, exc)
        else:
            if zoom.host_id:  # who holds it, as Zoom says (kept for a later "does not exist")
                Meeting.objects.filter(zoom_meeting_id=zoom_meeting_id).exclude(
                    zoom_host_id=zoom.host_id
                ).update(zoom_host_id=zoom.host_id)
            change = change_from_provider(zoom, at_ms=at_ms, series=bool(sample.series_id))
            done = zoom_meeting_changed(change=change)
            report.result.merge(done)
            if done:
                logger.info(
                    "reconcile: Zoom meeting %s differed: %d changed, %d new, %d cancelled",
                    zoom_meeting_id,
                    len(done.changed),
                    len(done.created),
                    len(done.cancelled),
                )
        report.checked += 1
        Meeting.objects.filter(zoom_meeting_id=zoom_meeting_id).update(zoom_checked_at=now)
    return report
