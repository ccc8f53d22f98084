"""Opening a personal join link: the one decision behind `/join/<token>/`.

In order: the throttles (per client address and per token), the token (this school's,
unaltered), the meeting, the subject (its kind's resolver), who is signed in (the owner always
gets in; anyone else signed in is refused), whether the subject may join, the join window, the
device (without a session, the first device that uses the link is the only one that may use it
again; any other is asked to sign in), and last the subject's Zoom registrant link, registering
it at Zoom on the fly if the worker has not yet. Refusals and successful joins are audited (who,
meeting, keyed IP hash, reason). The Zoom link is returned to the view for the redirect's
Location and goes nowhere else: not in the audit entry, not in a log line."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.crypto import salted_hmac

from meetings.joining.links import TOKEN_PATTERN, JoinToken, join_token_read
from meetings.joining.models import JoinDevice, JoinPolicy
from meetings.joining.selectors import join_policy, join_window
from meetings.joining.subjects import JoinSubject, subject_resolver
from meetings.models import Meeting
from meetings.providers.base import MeetingProviderError
from meetings.services.registrants import MeetingNotOnZoom, RegistrationCancelled
from tenants.accounts.models import User
from tenants.accounts.throttle import Limit, minutes, throttle
from tenants.audit.services import audit_record, ip_hash
from tenants.connection import tenant_connection

logger = logging.getLogger(__name__)

DEVICE_COOKIE = "liveroll_join_device"
DEVICE_SALT = "liveroll.meetings.joining.device.v1"


class Outcome(StrEnum):
    REDIRECT = "redirect"  # to Zoom
    TOO_EARLY = "too_early"  # a countdown page
    ENDED = "ended"
    SIGN_IN = "sign_in"  # another device: the owner signs in
    DENIED = "denied"
    THROTTLED = "throttled"
    UNAVAILABLE = "unavailable"  # Zoom failed or the class is not on Zoom yet: try again


class Reason(StrEnum):
    """Why, as the audit log and the pages say it."""

    OK = "ok"
    BAD_TOKEN = "bad_token"  # garbage, altered, another school's
    NO_MEETING = "no_meeting"
    NO_SUBJECT = "no_subject"  # the person is gone or disabled (or a guest removed)
    OTHER_PERSON = "other_person"  # someone else is signed in
    CANCELLED = "cancelled"  # the meeting was cancelled
    NOT_ALLOWED = "not_allowed"  # not (or no longer) one of those the meeting is for
    REGISTRATION_CANCELLED = "registration_cancelled"
    GUEST_REVOKED = "guest_revoked"  # for the guests app's resolver
    OTHER_DEVICE = "other_device"
    TOO_EARLY = "too_early"
    ENDED = "ended"
    THROTTLED = "throttled"
    ZOOM_UNAVAILABLE = "zoom_unavailable"


# What each refusal answers: 404 when the link names nothing (so a guess learns nothing),
# 403 when it names something this person may not have.
STATUS: dict[Reason, int] = {
    Reason.BAD_TOKEN: 404,
    Reason.NO_MEETING: 404,
    Reason.NO_SUBJECT: 404,
    Reason.CANCELLED: 404,
    Reason.OTHER_PERSON: 403,
    Reason.NOT_ALLOWED: 403,
    Reason.REGISTRATION_CANCELLED: 403,
    Reason.GUEST_REVOKED: 403,
    Reason.OTHER_DEVICE: 403,
}


@dataclass(frozen=True)
class JoinDecision:
    outcome: Outcome
    reason: Reason
    meeting: Meeting | None = None
    subject: JoinSubject | None = None
    zoom_url: str = ""  # only for REDIRECT: the redirect's Location, nowhere else
    opens_at: datetime | None = None
    new_device_cookie: str = ""  # to set on the response (the device was just bound)
    retry_after: int = 0  # seconds, for THROTTLED and UNAVAILABLE
    can_sign_in: bool = False  # the subject has an account: offer "sign in"

    @property
    def status(self) -> int:
        if self.outcome == Outcome.REDIRECT:
            return 302
        if self.outcome == Outcome.THROTTLED:
            return 429
        if self.outcome == Outcome.UNAVAILABLE:
            return 503
        if self.outcome == Outcome.ENDED:
            return 410
        if self.outcome == Outcome.TOO_EARLY:
            return 200
        return STATUS.get(self.reason, 403)


# --- throttles ---------------------------------------------------------------------------------


def _window() -> int:
    return int(settings.LIVEROLL_JOIN_THROTTLE_MINUTES) * 60


def _token_limit() -> Limit:
    window = _window()
    return Limit("join.token", int(settings.LIVEROLL_JOIN_ATTEMPTS_PER_TOKEN), window, window)


def _ip_limit() -> Limit:
    window = _window()
    return Limit("join.ip", int(settings.LIVEROLL_JOIN_FAILURES_PER_IP), window, window)


def _token_key(token: str) -> str:
    digest = hashlib.sha256(token.encode()).hexdigest()[:32]
    return f"{tenant_connection().schema_name}:{digest}"


def _ip_key(ip: str | None) -> str | None:
    return f"{tenant_connection().schema_name}:{ip_hash(ip)}" if ip else None


# --- devices -------------------------------------------------------------------------------------


def device_hash(cookie: str) -> str:
    """A keyed hash of a device cookie: what is stored, never the cookie."""
    return salted_hmac(DEVICE_SALT, cookie, algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class DeviceCheck:
    allowed: bool
    first: bool  # this use bound the link to this device
    new_cookie: str  # the device had none: set this one


def _device_check(*, meeting: Meeting, subject: JoinSubject, cookie: str) -> DeviceCheck:
    """Whether this device may use the link without a session. The first device to get here
    binds it; of two racing first uses, one wins and the other is asked to sign in."""
    new_cookie = "" if cookie else secrets.token_urlsafe(32)
    mine = device_hash(cookie or new_cookie)
    key = {"meeting": meeting, "subject_kind": subject.kind, "subject_id": subject.pk}
    held = JoinDevice.objects.filter(**key).values_list("device_hash", flat=True).first()
    if held is None:
        if _device_bind(meeting=meeting, subject=subject, device_hash=mine):
            return DeviceCheck(allowed=True, first=True, new_cookie=new_cookie)
        # Another device bound it between the two statements.
        held = JoinDevice.objects.filter(**key).values_list("device_hash", flat=True).first()
    allowed = held is not None and hmac.compare_digest(held, mine)
    return DeviceCheck(allowed=allowed, first=False, new_cookie=new_cookie if allowed else "")


def _device_bind(*, meeting: Meeting, subject: JoinSubject, device_hash: str) -> bool:
    """Record the device unless one is recorded already: one statement (no transaction of its
    own, no read-then-write race). True when this call bound it."""
    table = connection.ops.quote_name(JoinDevice._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (meeting_id, subject_kind, subject_id, device_hash, created_at)"  # noqa: S608 - the table name is the model's
            " VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (meeting_id, subject_kind, subject_id) DO NOTHING RETURNING id",
            [meeting.pk, subject.kind, subject.pk, device_hash, timezone.now()],
        )
        return cursor.fetchone() is not None


# --- the decision --------------------------------------------------------------------------------


def _claimed(token: str) -> dict[str, Any]:
    """What a token that did not verify claims to name (never the token itself)."""
    match = TOKEN_PATTERN.match(token or "")
    if match is None:
        return {}
    return {"claimed_meeting": match[1], "claimed_subject": f"{match[2]}{match[3]}"}


def _audit(
    *,
    action: str,
    reason: Reason,
    viewer: User | None,
    ip: str | None,
    meeting: Meeting | None = None,
    meeting_id: int | str = "",
    subject: JoinSubject | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    details: dict[str, Any] = {"reason": str(reason)}
    if subject is not None:
        details["subject"] = f"{subject.kind}{subject.pk}"
    details.update(extra or {})
    signed_in = viewer if viewer is not None and viewer.is_authenticated else None
    audit_record(
        actor=signed_in,
        actor_label=(signed_in.email if signed_in else (subject.label if subject else "")),
        action=action,
        target=meeting,
        target_type="" if meeting is not None else ("meetings.meeting" if meeting_id else ""),
        target_id="" if meeting is not None else meeting_id,
        ip=ip,
        details=details,
    )


def join_attempt(
    *,
    token: str,
    viewer: User | None,
    device_cookie: str,
    ip: str | None,
    now: datetime | None = None,
) -> JoinDecision:
    """Decide what opening the join link `token` gets (see the module's docstring)."""
    now = now or timezone.now()
    limiter = throttle()
    ip_key = _ip_key(ip)
    locked = limiter.locked_for(_ip_limit(), ip_key) if ip_key else 0.0
    hit = limiter.hit(_token_limit(), _token_key(token))
    locked = max(locked, hit.locked_for)
    if locked > 0:
        if hit.newly_locked:
            _audit(
                action="join.throttled",
                reason=Reason.THROTTLED,
                viewer=viewer,
                ip=ip,
                extra={"by": "token", "attempts": hit.count, "minutes": minutes(locked)},
            )
        return JoinDecision(Outcome.THROTTLED, Reason.THROTTLED, retry_after=int(locked) + 1)

    def refuse(
        reason: Reason,
        *,
        meeting: Meeting | None = None,
        subject: JoinSubject | None = None,
        outcome: Outcome = Outcome.DENIED,
        extra: dict[str, Any] | None = None,
    ) -> JoinDecision:
        _audit(
            action="join.denied",
            reason=reason,
            viewer=viewer,
            ip=ip,
            meeting=meeting,
            meeting_id=(extra or {}).get("claimed_meeting", ""),
            subject=subject,
            extra=extra,
        )
        if ip_key:
            ip_hit = limiter.hit(_ip_limit(), ip_key)
            if ip_hit.newly_locked:
                _audit(
                    action="join.throttled",
                    reason=Reason.THROTTLED,
                    viewer=viewer,
                    ip=ip,
                    extra={"by": "address", "failures": ip_hit.count},
                )
        return JoinDecision(
            outcome,
            reason,
            meeting=meeting,
            subject=subject,
            can_sign_in=subject is not None and subject.user is not None,
        )

    read: JoinToken | None = join_token_read(token)
    if read is None:
        return refuse(Reason.BAD_TOKEN, extra=_claimed(token))
    meeting = Meeting.objects.filter(pk=read.meeting_id).first()
    if meeting is None:
        return refuse(Reason.NO_MEETING, extra={"claimed_meeting": str(read.meeting_id)})
    resolver = subject_resolver(read.kind)
    subject = resolver.load(pk=read.subject_id, meeting=meeting) if resolver else None
    if resolver is None or subject is None:
        return refuse(
            Reason.NO_SUBJECT, meeting=meeting, extra={"claimed_subject": read.subject_key}
        )
    signed_in = viewer is not None and viewer.is_authenticated
    owner_signed_in = signed_in and subject.user is not None and subject.user.pk == viewer.pk  # type: ignore[union-attr]
    if signed_in and not owner_signed_in:
        return refuse(Reason.OTHER_PERSON, meeting=meeting, subject=subject)
    if meeting.status == Meeting.Status.CANCELLED:
        return refuse(Reason.CANCELLED, meeting=meeting, subject=subject)
    refusal = resolver.refusal(subject=subject, meeting=meeting)
    if refusal is not None:
        reason = Reason(refusal) if refusal in list(Reason) else Reason.NOT_ALLOWED
        return refuse(reason, meeting=meeting, subject=subject)

    policy: JoinPolicy = join_policy()
    window = join_window(meeting=meeting, policy=policy)
    running = meeting.status == Meeting.Status.STARTED
    if now < window.opens_at and not running:
        return JoinDecision(
            Outcome.TOO_EARLY, Reason.TOO_EARLY, meeting, subject, opens_at=window.opens_at
        )
    if now > window.closes_at and not running:
        return JoinDecision(Outcome.ENDED, Reason.ENDED, meeting, subject)

    via = "session"
    new_cookie = ""
    if not owner_signed_in:
        device = _device_check(meeting=meeting, subject=subject, cookie=device_cookie)
        if not device.allowed:
            # The owner can prove who they are by signing in; a guest cannot.
            outcome = Outcome.SIGN_IN if subject.user is not None else Outcome.DENIED
            return refuse(Reason.OTHER_DEVICE, meeting=meeting, subject=subject, outcome=outcome)
        via = "first_device" if device.first else "same_device"
        new_cookie = device.new_cookie

    try:
        zoom_url = resolver.zoom_join_url(subject=subject, meeting=meeting)
    except RegistrationCancelled:
        return refuse(Reason.REGISTRATION_CANCELLED, meeting=meeting, subject=subject)
    except MeetingNotOnZoom:
        logger.warning("join: meeting %s is not on Zoom yet", meeting.pk)
        return _unavailable(meeting, subject, viewer, ip, new_cookie, "not_on_zoom")
    except MeetingProviderError as exc:
        logger.warning(
            "join: no Zoom link for %s%s in meeting %s: %s",
            subject.kind,
            subject.pk,
            meeting.pk,
            type(exc).__name__,
        )
        return _unavailable(meeting, subject, viewer, ip, new_cookie, type(exc).__name__)
    _audit(
        action="join.redirected",
        reason=Reason.OK,
        viewer=viewer,
        ip=ip,
        meeting=meeting,
        subject=subject,
        extra={"via": via},
    )
    return JoinDecision(
        Outcome.REDIRECT,
        Reason.OK,
        meeting,
        subject,
        zoom_url=zoom_url,
        new_device_cookie=new_cookie,
    )


def _unavailable(
    meeting: Meeting,
    subject: JoinSubject,
    viewer: User | None,
    ip: str | None,
    new_cookie: str,
    why: str,
) -> JoinDecision:
    _audit(
        action="join.failed",
        reason=Reason.ZOOM_UNAVAILABLE,
        viewer=viewer,
        ip=ip,
        meeting=meeting,
        subject=subject,
        extra={"error": why},
    )
    return JoinDecision(
        Outcome.UNAVAILABLE,
        Reason.ZOOM_UNAVAILABLE,
        meeting,
        subject,
        new_device_cookie=new_cookie,
        retry_after=10,
    )


def join_policy_set(
    *,
    actor: User,
    opens_minutes_before: int,
    closes_minutes_after_end: int,
    ip: str | None = None,
) -> JoinPolicy:
    """An admin changes the school's join window."""
    from django.core.exceptions import ValidationError

    from meetings.policy import access_admin

    access_admin(actor)
    for name, value in (
        ("opens_minutes_before", opens_minutes_before),
        ("closes_minutes_after_end", closes_minutes_after_end),
    ):
        if not 0 <= value <= 24 * 60:
            raise ValidationError({name: "Between 0 and 1440 minutes."})
    row, _ = JoinPolicy.objects.update_or_create(
        singleton=True,
        defaults={
            "opens_minutes_before": opens_minutes_before,
            "closes_minutes_after_end": closes_minutes_after_end,
        },
    )
    audit_record(
        actor=actor,
        action="joining.policy_changed",
        target=row,
        ip=ip,
        details={
            "opens_minutes_before": opens_minutes_before,
            "closes_minutes_after_end": closes_minutes_after_end,
        },
    )
    return row
