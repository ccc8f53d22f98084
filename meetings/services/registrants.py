"""Registering enrolled students with Zoom, in rate-limited batches."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from meetings.models import Meeting, Registrant
from meetings.providers.base import (
    MeetingProviderError,
    ProviderUnavailableError,
    RateLimitError,
    RegistrantRef,
    RegistrantResult,
)
from meetings.zoom.factory import ZoomNotConnected, provider_for_meeting

if TYPE_CHECKING:
    from tenants.accounts.models import User
    from tenants.school.models import SchoolClass

logger = logging.getLogger(__name__)


def _enqueue_registration(meeting_ids: list[int]) -> None:
    from meetings.actors import registrants_sync_meetings

    transaction.on_commit(lambda: registrants_sync_meetings.send(meeting_ids))


def registrants_for_class_enqueue(*, school_class: SchoolClass) -> None:
    """After an enrolment: register the new students for the class's upcoming meetings."""
    ids = list(
        _upcoming_for_registration().filter(school_class=school_class).values_list("pk", flat=True)
    )
    if ids:
        _enqueue_registration(ids)


def registrants_for_student_cancel_enqueue(*, school_class_id: int, student_id: int) -> None:
    """After a student left a class: cancel their registrations for its upcoming meetings, in
    an actor after the commit (Zoom is called there, with retries)."""
    from meetings.actors import registrants_cancel_for_student

    transaction.on_commit(lambda: registrants_cancel_for_student.send(school_class_id, student_id))


# --- registrants ----------------------------------------------------------------------------


@dataclass
class RegistrationReport:
    registered: int = 0
    already: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    deferred: int = 0  # left for a later run (rate limit)

    def merge(self, other: RegistrationReport) -> None:
        self.registered += other.registered
        self.already += other.already
        self.failed.extend(other.failed)
        self.deferred += other.deferred


def _upcoming_for_registration(meeting_ids: list[int] | None = None) -> QuerySet[Meeting]:
    queryset = Meeting.objects.filter(
        status=Meeting.Status.SCHEDULED,
        registration_enabled=True,
        school_class__isnull=False,
        start_time__gt=timezone.now() - timedelta(hours=1),
    ).exclude(zoom_meeting_id="")
    if meeting_ids is not None:
        queryset = queryset.filter(pk__in=meeting_ids)
    return queryset.select_related("school_class", "host").order_by("zoom_meeting_id", "start_time")


def registrants_sync(
    *,
    meeting_ids: list[int] | None = None,
    progress: Callable[[str, RegistrationReport], object] | None = None,
) -> RegistrationReport:
    """Register every enrolled student for every upcoming class meeting with registration on.
    Idempotent (a registered student is skipped), carries on past one student's failure and
    reports it, and stops at a rate limit, leaving the rest for the next run."""
    report = RegistrationReport()
    groups: dict[str, list[Meeting]] = {}
    for meeting in _upcoming_for_registration(meeting_ids):
        groups.setdefault(meeting.zoom_meeting_id, []).append(meeting)
    for zoom_meeting_id, meetings in groups.items():
        part = _register_group(zoom_meeting_id, meetings)
        report.merge(part)
        if progress:
            progress(zoom_meeting_id, part)
        if part.deferred:
            break
    return report


def _register_group(zoom_meeting_id: str, meetings: list[Meeting]) -> RegistrationReport:
    report = RegistrationReport()
    # Never None: _upcoming_for_registration selects class meetings only.
    school_class = cast("SchoolClass", meetings[0].school_class)
    students = list(school_class.students.filter(is_active=True).order_by("pk"))
    done = set(
        Registrant.objects.filter(
            meeting__in=meetings, status=Registrant.Status.REGISTERED
        ).values_list("meeting_id", "user_id")
    )
    occurrence_total = (
        Meeting.objects.filter(zoom_meeting_id=zoom_meeting_id)
        .exclude(zoom_occurrence_id="")
        .exclude(status=Meeting.Status.CANCELLED)
        .count()
    )
    try:
        provider = provider_for_meeting(meetings[0])
    except ZoomNotConnected as exc:
        report.failed.extend((s.email, str(exc)) for s in students)
        return report
    for index, student in enumerate(students):
        missing = [m for m in meetings if (m.pk, student.pk) not in done]
        if not missing:
            report.already += 1
            continue
        first, _, last = (student.name or student.email.split("@")[0]).partition(" ")
        occurrence_ids = [m.zoom_occurrence_id for m in missing if m.zoom_occurrence_id]
        if len(occurrence_ids) == occurrence_total:
            occurrence_ids = []  # every occurrence: Zoom's default
        try:
            result = provider.add_registrant(
                zoom_meeting_id,
                email=student.email,
                first_name=first,
                last_name=last,
                occurrence_ids=occurrence_ids,
            )
        except RateLimitError as exc:
            report.deferred = len(students) - index
            logger.warning(
                "registration for Zoom meeting %s paused at a rate limit (%s left): %s",
                zoom_meeting_id,
                report.deferred,
                exc,
            )
            break
        except MeetingProviderError as exc:
            _record_registration(missing, student, error=str(exc))
            report.failed.append((student.email, exc.message))
            continue
        _record_registration(missing, student, result=result)
        report.registered += 1
    return report


def _record_registration(
    meetings: Sequence[Meeting],
    student: User,
    *,
    result: RegistrantResult | None = None,
    error: str = "",
) -> None:
    for meeting in meetings:
        registrant, _ = Registrant.objects.get_or_create(
            meeting=meeting,
            user=student,
            defaults={"status": Registrant.Status.FAILED},
        )
        registration_outcome_save(registrant, result=result, error=error)


def registration_outcome_save(
    row: Any, *, result: RegistrantResult | None = None, error: str = ""
) -> None:
    """One more attempt at Zoom on a registration row (a student's Registrant, a guest's
    GuestRegistrant: the same fields): registered with Zoom's answer, or failed with why."""
    row.attempts += 1
    if result is not None:
        row.status = "registered"
        row.zoom_registrant_id = result.registrant_id
        row.join_url = result.join_url
        row.last_error = ""
    else:
        row.status = "failed"
        row.last_error = error[:500]
    row.save()


def registrants_pending_meeting_ids() -> list[int]:
    """Upcoming class meetings with registration on where an active enrolled student is not
    registered (one query; counting would miss a newcomer who replaced a leaver)."""
    from tenants.school.models import Enrolment

    registered = Registrant.objects.filter(
        meeting=OuterRef(OuterRef("pk")),
        user=OuterRef("student"),
        status=Registrant.Status.REGISTERED,
    )
    unregistered = Enrolment.objects.filter(
        school_class=OuterRef("school_class"), student__is_active=True
    ).filter(~Exists(registered))
    return list(
        _upcoming_for_registration().filter(Exists(unregistered)).values_list("pk", flat=True)
    )


# --- one person, now (the join route) ---------------------------------------------------------


class RegistrationCancelled(Exception):
    """The person's registration for this meeting was cancelled at Zoom: no join link."""


class MeetingNotOnZoom(MeetingProviderError):
    """The meeting has no Zoom meeting yet (its creation failed or is pending)."""


def _name_parts(user: User) -> tuple[str, str]:
    first, _, last = (user.name or user.email.split("@")[0]).partition(" ")
    return first, last


def registrant_join_url(*, meeting: Meeting, user: User) -> str:
    """`user`'s own Zoom link for `meeting`: their registration's, registering them now (through
    the rate-limited provider, as a person waits) when the worker has not yet. A meeting
    without registration has one link for all. Raises RegistrationCancelled, MeetingNotOnZoom
    or the provider's errors. Whether `user` may join is the caller's question."""
    if not meeting.on_zoom:
        raise MeetingNotOnZoom("This class is not on Zoom yet.")
    if not meeting.registration_enabled:
        if not meeting.join_url:
            raise ProviderUnavailableError("Zoom gave no join link for this class.")
        return str(meeting.join_url)
    registrant = Registrant.objects.filter(meeting=meeting, user=user).first()
    if registrant is not None and registrant.status == Registrant.Status.CANCELLED:
        raise RegistrationCancelled
    if (
        registrant is not None
        and registrant.status == Registrant.Status.REGISTERED
        and registrant.join_url
    ):
        return str(registrant.join_url)
    first, last = _name_parts(user)
    provider = provider_for_meeting(meeting, interactive=True)
    try:
        result = provider.add_registrant(
            meeting.zoom_meeting_id,
            email=user.email,
            first_name=first,
            last_name=last,
            occurrence_ids=[meeting.zoom_occurrence_id] if meeting.zoom_occurrence_id else [],
        )
    except MeetingProviderError as exc:
        _record_registration([meeting], user, error=str(exc))
        raise
    if not result.join_url:
        # Dropped as not Zoom's (meetings.zoom.links), or Zoom sent none.
        _record_registration([meeting], user, error="Zoom gave no usable join link.")
        raise ProviderUnavailableError("Zoom gave no usable join link.")
    _record_registration([meeting], user, result=result)
    logger.info("registered user %s for meeting %s on joining", user.pk, meeting.pk)
    return result.join_url


# --- cancelling -------------------------------------------------------------------------------


def _refs(registrants: Sequence[Registrant]) -> list[RegistrantRef]:
    return [
        RegistrantRef(registrant_id=r.zoom_registrant_id, email=r.user.email) for r in registrants
    ]


def registrants_cancel_for_meetings(
    *, meetings: Sequence[Meeting], whole: bool = False, at_zoom: bool = True
) -> int:
    """Cancel at Zoom, then here, the live registrations of `meetings` (sessions of one Zoom
    meeting being cancelled): with `whole`, the Zoom meeting goes entirely, so each person's
    registration is cancelled once for all its occurrences; else per occurrence. Without
    `at_zoom`, here only: Zoom deleted the meeting or occurrence itself, and its registrations
    with it. Idempotent (cancelled rows are skipped); returns how many rows were cancelled.
    Provider errors propagate: the caller's transaction decides."""
    rows = list(
        Registrant.objects.filter(meeting__in=meetings)
        .exclude(status=Registrant.Status.CANCELLED)
        .select_related("user", "meeting")
    )
    live = [
        r
        for r in rows
        if at_zoom and r.status == Registrant.Status.REGISTERED and r.meeting.on_zoom
    ]
    if whole and live:
        once = {(r.zoom_registrant_id, r.user.email): r for r in live}
        provider_for_meeting(live[0].meeting).cancel_registrants(
            live[0].meeting.zoom_meeting_id, registrants=_refs(list(once.values()))
        )
    elif live:
        by_meeting: dict[int, list[Registrant]] = {}
        for row in live:
            by_meeting.setdefault(row.meeting_id, []).append(row)
        for group in by_meeting.values():
            meeting = group[0].meeting
            provider_for_meeting(meeting).cancel_registrants(
                meeting.zoom_meeting_id,
                registrants=_refs(group),
                occurrence_id=meeting.zoom_occurrence_id,
            )
    return Registrant.objects.filter(pk__in=[r.pk for r in rows]).update(
        status=Registrant.Status.CANCELLED, updated_at=timezone.now()
    )


def registrants_cancel_for_student(*, school_class_id: int, student_id: int) -> int:
    """A student left a class: cancel their registrations for its meetings still to come, at
    Zoom and here (one call per Zoom meeting: a series' registration covers every occurrence).
    Does nothing if they are enrolled again by now. Idempotent; returns how many rows were
    cancelled."""
    from tenants.school.models import Enrolment

    if Enrolment.objects.filter(school_class_id=school_class_id, student_id=student_id).exists():
        return 0
    return _cancel_persons_upcoming(user_id=student_id, meeting__school_class_id=school_class_id)


def _cancel_persons_upcoming(*, user_id: int, **where: Any) -> int:
    """Cancel one person's registrations for meetings still to come (narrowed by `where`), at
    Zoom and here: one call per Zoom meeting, whole, since a series' registration covers every
    occurrence and the person is leaving all of them."""
    rows = list(
        Registrant.objects.filter(
            user_id=user_id,
            meeting__status=Meeting.Status.SCHEDULED,
            meeting__start_time__gt=timezone.now() - timedelta(hours=1),
            **where,
        )
        .exclude(status=Registrant.Status.CANCELLED)
        .select_related("meeting", "user")
    )
    by_zoom: dict[str, list[Registrant]] = {}
    for row in rows:
        by_zoom.setdefault(row.meeting.zoom_meeting_id, []).append(row)
    for zoom_meeting_id, group in by_zoom.items():
        live = [r for r in group if r.status == Registrant.Status.REGISTERED]
        if zoom_meeting_id and live:
            provider_for_meeting(group[0].meeting).cancel_registrants(
                zoom_meeting_id, registrants=_refs(live[:1])
            )
    return Registrant.objects.filter(pk__in=[r.pk for r in rows]).update(
        status=Registrant.Status.CANCELLED, updated_at=timezone.now()
    )


def registrants_cancel_for_person(*, user_id: int) -> int:
    """A person was deleted: cancel their registrations for meetings still to come, at Zoom
    (one call per Zoom meeting) and here, and blank every join URL they still have.
    Idempotent; returns how many rows were cancelled."""
    cancelled = _cancel_persons_upcoming(user_id=user_id)
    Registrant.objects.filter(user_id=user_id).exclude(join_url="").update(join_url="")
    return cancelled


def registrants_orphaned() -> list[tuple[int, int]]:
    """(class id, student id) of live registrations for upcoming class meetings whose student
    is no longer enrolled (removed anywhere: the API, the admin): for the sweep to cancel."""
    from tenants.school.models import Enrolment

    enrolled = Enrolment.objects.filter(
        school_class_id=OuterRef("meeting__school_class_id"), student_id=OuterRef("user_id")
    )
    return sorted(
        set(
            Registrant.objects.filter(
                meeting__school_class__isnull=False,
                meeting__status=Meeting.Status.SCHEDULED,
                meeting__start_time__gt=timezone.now() - timedelta(hours=1),
            )
            .exclude(status=Registrant.Status.CANCELLED)
            .filter(~Exists(enrolled))
            .values_list("meeting__school_class_id", "user_id")
        )
    )
