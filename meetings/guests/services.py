"""Writes of the guests app: inviting and revoking guests, and their registration at Zoom (the
one writer of `Guest` and `GuestRegistrant`)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from meetings.guests.models import Guest, GuestRegistrant
from meetings.guests.selectors import guest_meetings, guest_upcoming_meetings
from meetings.joining.links import join_url_for_guest, school_origin
from meetings.joining.selectors import join_policy
from meetings.models import Meeting, MeetingSeries
from meetings.policy import access_meeting_for_manage, can_manage_guest, can_manage_series
from meetings.providers.base import (
    MeetingProviderError,
    NotFoundError,
    ProviderUnavailableError,
    RateLimitError,
    RegistrantRef,
    RegistrantResult,
)
from meetings.services.registrants import MeetingNotOnZoom, RegistrationCancelled
from meetings.zoom.factory import ZoomNotConnected, provider_for_meeting
from tenants.accounts.models import User
from tenants.audit.services import audit_record
from tenants.mail.services import mail_queue
from tenants.text import text_validate

logger = logging.getLogger(__name__)


def _enqueue(actor_name: str, guest_id: int) -> None:
    from meetings.guests import actors

    actor = getattr(actors, actor_name)
    transaction.on_commit(lambda: actor.send(guest_id))


def _clean(name: str, email: str) -> tuple[str, str]:
    name, email = name.strip(), email.strip()
    text_validate(Guest, name=name, email=email)
    errors: dict[str, ValidationError] = {}
    if not name:
        errors["name"] = ValidationError("Give the guest's name.", code="required")
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ValidationError("Enter a valid email address.", code="invalid")
    if errors:
        raise ValidationError(errors)
    # The domain is case-insensitive; the local part is kept as typed.
    local, _, domain = email.rpartition("@")
    return name, f"{local}@{domain.lower()}"


def guest_invite(
    *,
    meeting: Meeting | None = None,
    series: MeetingSeries | None = None,
    name: str,
    email: str,
    by: User,
    ip: str | None = None,
) -> Guest:
    """Invite a guest to one meeting, or to every session of a series. Only those who manage
    it (the class's teachers, the host, admins). After commit the guest is registered at Zoom;
    the invitation mail is queued in the same transaction."""
    if (meeting is None) == (series is None):
        raise ValueError("a guest is invited to a meeting or to a series")
    if meeting is not None:
        access_meeting_for_manage(by, meeting)
        ended = meeting.status in (Meeting.Status.ENDED, Meeting.Status.CANCELLED)
        if ended:
            raise ValidationError("Guests can be invited only to a class still to come.")
    elif series is not None:
        if not can_manage_series(by, series):
            raise PermissionDenied(
                "Only the host, the class's teachers and school admins can do that."
            )
        if not series.meetings.filter(status=Meeting.Status.SCHEDULED).exists():
            raise ValidationError("This series has no session still to come.")
    name, email = _clean(name, email)
    try:
        with transaction.atomic():
            guest = Guest.objects.create(
                meeting=meeting, series=series, name=name, email=email, invited_by=by
            )
            audit_record(
                actor=by,
                action="guest.invited",
                target=guest,
                ip=ip,
                details={
                    "meeting_id": meeting.pk if meeting else None,
                    "series_id": series.pk if series else None,
                    "name": name,
                    "email": email,
                },
            )
            _invitation_mail(guest)
            _enqueue("guest_register", guest.pk)
    except IntegrityError as exc:
        if "guest_unique_" not in str(exc):
            raise
        raise ValidationError(
            {"email": ValidationError("This guest is already invited.", code="already_invited")}
        ) from exc
    return guest


def _invitation_mail(guest: Guest) -> None:
    """Queue the guest's invitation: each of their sessions still to come with its personal
    platform link (never Zoom's), in the class's time zone."""
    sessions = list(guest_upcoming_meetings(guest))
    if not sessions:
        return
    origin = school_origin()
    first = sessions[0]
    mail_queue(
        key=f"guest.invited:{guest.pk}",
        to=guest.email,
        template="guest_invitation",
        context={
            "guest_name": guest.name,
            "inviter": (guest.invited_by.name or guest.invited_by.email)
            if guest.invited_by
            else "",
            "title": guest.series.title if guest.series is not None else first.title,
            "meeting_timezone": first.timezone or "UTC",
            "opens_minutes": join_policy().opens_minutes_before,
            "sessions": [
                {
                    "start": m.start_time,
                    "minutes": m.duration_minutes,
                    "join_url": join_url_for_guest(guest=guest, meeting=m, origin=origin),
                }
                for m in sessions
            ],
        },
    )


def guest_revoke(*, guest: Guest, by: User, ip: str | None = None) -> Guest:
    """Withdraw an invitation: the guest's link stops working at once, and their Zoom
    registrations are cancelled after commit. Revoking twice changes nothing."""
    if not can_manage_guest(by, guest):
        raise PermissionDenied("Only the host, the class's teachers and school admins can do that.")
    with transaction.atomic():
        updated = Guest.objects.filter(pk=guest.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=by
        )
        guest.refresh_from_db(fields=["revoked_at", "revoked_by"])
        if updated:
            audit_record(
                actor=by,
                action="guest.revoked",
                target=guest,
                ip=ip,
                details={
                    "meeting_id": guest.meeting_id,
                    "series_id": guest.series_id,
                    "email": guest.email,
                },
            )
            _enqueue("guest_registration_cancel", guest.pk)
            title = (guest.series or guest.meeting or Meeting(title="")).title
            mail_queue(
                key=f"guest.revoked:{guest.pk}",
                to=guest.email,
                template="guest_revoked",
                context={"guest_name": guest.name, "title": title},
            )
    return guest


# --- Zoom -----------------------------------------------------------------------------------


@dataclass
class GuestRegistration:
    registered: int = 0
    already: int = 0
    failed: list[str] = field(default_factory=list)
    deferred: bool = False  # a rate limit: try again later


def _upcoming(guest: Guest) -> list[Meeting]:
    return list(
        guest_meetings(guest)
        .filter(
            status=Meeting.Status.SCHEDULED,
            registration_enabled=True,
            start_time__gt=timezone.now() - timedelta(hours=1),
        )
        .exclude(zoom_meeting_id="")
        .select_related("school_class", "host")
        .order_by("zoom_meeting_id", "start_time")
    )


def guest_register(*, guest_id: int) -> GuestRegistration:
    """Register an invited guest at Zoom for each of their sessions still to come that is on
    Zoom, one call per Zoom meeting (every occurrence of a series at once). Idempotent; stops
    at a rate limit (`deferred`); a revoked guest is not registered."""
    report = GuestRegistration()
    guest = Guest.objects.filter(pk=guest_id, revoked_at__isnull=True).first()
    if guest is None:
        return report
    meetings = _upcoming(guest)
    done = set(
        GuestRegistrant.objects.filter(
            guest=guest, meeting__in=meetings, status=GuestRegistrant.Status.REGISTERED
        ).values_list("meeting_id", flat=True)
    )
    groups: dict[str, list[Meeting]] = {}
    for meeting in meetings:
        groups.setdefault(meeting.zoom_meeting_id, []).append(meeting)
    first, _, last = guest.name.partition(" ")
    for zoom_meeting_id, group in groups.items():
        missing = [m for m in group if m.pk not in done]
        if not missing:
            report.already += 1
            continue
        occurrence_total = (
            Meeting.objects.filter(zoom_meeting_id=zoom_meeting_id)
            .exclude(zoom_occurrence_id="")
            .exclude(status=Meeting.Status.CANCELLED)
            .count()
        )
        occurrence_ids = [m.zoom_occurrence_id for m in missing if m.zoom_occurrence_id]
        if len(occurrence_ids) == occurrence_total:
            occurrence_ids = []  # every occurrence: Zoom's default
        try:
            provider = provider_for_meeting(group[0])
            result = provider.add_registrant(
                zoom_meeting_id,
                email=guest.email,
                first_name=first,
                last_name=last,
                occurrence_ids=occurrence_ids,
            )
        except RateLimitError as exc:
            logger.warning(
                "guest %s: registration at Zoom meeting %s paused at a rate limit: %s",
                guest.pk,
                zoom_meeting_id,
                exc,
            )
            report.deferred = True
            break
        except (MeetingProviderError, ZoomNotConnected) as exc:
            message = getattr(exc, "message", None) or str(exc)
            logger.warning(
                "guest %s: registration at Zoom meeting %s failed: %s",
                guest.pk,
                zoom_meeting_id,
                message,
            )
            _record(guest, missing, error=message)
            report.failed.append(message)
            continue
        _record(guest, missing, result=result)
        report.registered += 1
    # Revoked while Zoom was being asked: take back what was just made.
    if report.registered and Guest.objects.filter(pk=guest.pk, revoked_at__isnull=False).exists():
        _enqueue("guest_registration_cancel", guest.pk)
    return report


def _record(
    guest: Guest,
    meetings: Sequence[Meeting],
    *,
    result: RegistrantResult | None = None,
    error: str = "",
) -> None:
    for meeting in meetings:
        row, _ = GuestRegistrant.objects.get_or_create(
            guest=guest, meeting=meeting, defaults={"status": GuestRegistrant.Status.FAILED}
        )
        row.attempts += 1
        if result is not None:
            row.status = GuestRegistrant.Status.REGISTERED
            row.zoom_registrant_id = result.registrant_id
            row.join_url = result.join_url
            row.last_error = ""
        else:
            row.status = GuestRegistrant.Status.FAILED
            row.last_error = error[:500]
        row.save()


def guest_registrant_join_url(*, guest: Guest, meeting: Meeting) -> str:
    """The guest's own Zoom link for `meeting` (for the join route's redirect only): their
    registration's, registering them now (rate-limited, as they wait) when the worker has not
    yet. A meeting without registration has one link for all. Raises RegistrationCancelled,
    MeetingNotOnZoom or the provider's errors. Whether the guest may join is the caller's
    question."""
    if not meeting.on_zoom:
        raise MeetingNotOnZoom("This class is not on Zoom yet.")
    if not meeting.registration_enabled:
        if not meeting.join_url:
            raise ProviderUnavailableError("Zoom gave no join link for this class.")
        return str(meeting.join_url)
    row = GuestRegistrant.objects.filter(guest=guest, meeting=meeting).first()
    if row is not None and row.status == GuestRegistrant.Status.CANCELLED:
        raise RegistrationCancelled
    if row is not None and row.status == GuestRegistrant.Status.REGISTERED and row.join_url:
        return str(row.join_url)
    first, _, last = guest.name.partition(" ")
    provider = provider_for_meeting(meeting, interactive=True)
    try:
        result = provider.add_registrant(
            meeting.zoom_meeting_id,
            email=guest.email,
            first_name=first,
            last_name=last,
            occurrence_ids=[meeting.zoom_occurrence_id] if meeting.zoom_occurrence_id else [],
        )
    except MeetingProviderError as exc:
        _record(guest, [meeting], error=str(exc))
        raise
    if not result.join_url:
        _record(guest, [meeting], error="Zoom gave no usable join link.")
        raise ProviderUnavailableError("Zoom gave no usable join link.")
    _record(guest, [meeting], result=result)
    logger.info("registered guest %s for meeting %s on joining", guest.pk, meeting.pk)
    return result.join_url


def guest_registration_cancel(*, guest_id: int) -> int:
    """Cancel a revoked guest's registrations at Zoom (`PUT .../registrants/status`, cancel)
    and forget their Zoom join links. Idempotent; a registration Zoom no longer knows counts
    as cancelled. Returns how many sessions were cancelled; a rate limit or a Zoom failure
    raises, for the actor to retry."""
    guest = (
        Guest.objects.filter(pk=guest_id, revoked_at__isnull=False).select_related("series").first()
    )
    if guest is None:
        return 0
    rows = list(
        GuestRegistrant.objects.filter(guest=guest, status=GuestRegistrant.Status.REGISTERED)
        .select_related("meeting__school_class", "meeting__host")
        .order_by("meeting__zoom_meeting_id", "meeting__start_time")
    )
    groups: dict[str, list[GuestRegistrant]] = {}
    for row in rows:
        groups.setdefault(row.meeting.zoom_meeting_id, []).append(row)
    cancelled = 0
    for zoom_meeting_id, group in groups.items():
        provider = provider_for_meeting(group[0].meeting)
        refs = {(r.zoom_registrant_id, guest.email) for r in group}
        # A guest of a whole series is cancelled from every occurrence at once; a guest of one
        # session from that occurrence only.
        occurrences = (
            [""] if guest.series_id else sorted({r.meeting.zoom_occurrence_id for r in group})
        )
        for occurrence_id in occurrences:
            # NotFound: the meeting or the registration is gone already.
            with contextlib.suppress(NotFoundError):
                provider.cancel_registrants(
                    zoom_meeting_id,
                    registrants=[RegistrantRef(registrant_id=i, email=e) for i, e in sorted(refs)],
                    occurrence_id=occurrence_id,
                )
        GuestRegistrant.objects.filter(pk__in=[r.pk for r in group]).update(
            status=GuestRegistrant.Status.CANCELLED, join_url="", updated_at=timezone.now()
        )
        cancelled += len(group)
    if cancelled:
        audit_record(
            actor_label="system",
            action="guest.registration_cancelled",
            target=guest,
            details={"sessions": cancelled},
        )
    return cancelled


def guests_pending_registration() -> list[int]:
    """Active guests with a session still to come, on Zoom with registration on, for which
    they are not registered (invited before the meeting reached Zoom, or a failure)."""
    upcoming = Meeting.objects.filter(
        status=Meeting.Status.SCHEDULED,
        registration_enabled=True,
        start_time__gt=timezone.now() - timedelta(hours=1),
    ).exclude(zoom_meeting_id="")
    unregistered = upcoming.filter(
        Q(pk=OuterRef("meeting_id")) | Q(series_id=OuterRef("series_id"), series__isnull=False)
    ).filter(
        ~Exists(
            GuestRegistrant.objects.filter(
                guest=OuterRef(OuterRef("pk")),
                meeting=OuterRef("pk"),
                status=GuestRegistrant.Status.REGISTERED,
            )
        )
    )
    pending = Guest.objects.filter(revoked_at__isnull=True).filter(Exists(unregistered))
    return list(pending.order_by("pk").values_list("pk", flat=True))
