"""Invitations, updates and cancellations, and RSVPs.

Scheduling (`meetings.services.scheduling`, the one writer of meetings) calls
`invitations_on_schedule` / `invitations_on_change` inside its transaction; they fix the change's
calendar SEQUENCE and, on commit, hand the sending to an actor (`invitations_deliver`), so a
class of 30 is mailed outside the request. The actor mails each invitee (and, where the school
enables it, their parents) through the outbox with a per-person iCalendar attachment, under a
key per meeting or series, person and sequence: a retried actor or a second worker sends
nothing twice, and a message overtaken by a newer change sends nothing at all.

RSVPs come from the GraphQL `rsvp` mutation or from the signed links in the mail (no sign-in):
each link is bound to the school, the person, the session or series and the answer, and
expires when the class is over."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any, Literal, cast

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.calendars import CalendarItem, Method, Override, Person, calendar_build
from meetings.ics import meeting_item
from meetings.invitations.models import InvitationPolicy, Rsvp, SeriesEvent
from meetings.invitations.selectors import (
    invitation_invitees,
    invitation_parents,
    rsvp_may_respond,
)
from meetings.invitations.wording import recurrence_wording_lazy
from meetings.joining.links import join_urls_for, school_origin
from meetings.models import Meeting, MeetingSeries
from meetings.policy import access_admin
from meetings.recurrence import RecurrenceRule, wall_clocks_at
from tenants.accounts.models import User
from tenants.audit.services import audit_record
from tenants.connection import tenant_connection
from tenants.mail.services import MailAttachment, mail_queue
from tenants.selectors import person_timezone, school_timezone

logger = logging.getLogger(__name__)

Change = Literal["scheduled", "changed", "cancelled"]
Kind = Literal["meeting", "series"]
CHANGES: tuple[Change, ...] = ("scheduled", "changed", "cancelled")
RSVP_SALT = "meetings.invitations.rsvp"
MAIL_TEMPLATE = "meeting_invitation"


# --- the school's rules ---------------------------------------------------------------------


def invitation_policy_set(
    *, actor: User, parents_invited: bool, ip: str | None = None
) -> InvitationPolicy:
    """An admin decides whether parents get copies of their children's invitations."""
    access_admin(actor)
    row, _ = InvitationPolicy.objects.update_or_create(
        singleton=True, defaults={"parents_invited": parents_invited}
    )
    audit_record(
        actor=actor,
        action="invitations.policy_changed",
        target=row,
        ip=ip,
        details={"parents_invited": parents_invited},
    )
    return row


# --- what scheduling calls ------------------------------------------------------------------


def _enqueue(kind: Kind, object_id: int, sequence: int, change: Change) -> None:
    from meetings.invitations.actors import invitations_deliver

    transaction.on_commit(lambda: invitations_deliver.send(kind, object_id, sequence, change))


def _invites_anyone(meeting: Meeting) -> bool:
    return invitation_invitees(meeting=meeting).exists()


def invitations_on_schedule(*, meetings: list[Meeting]) -> None:
    """A class (one session, or every session of a series) was just scheduled."""
    first = meetings[0]
    series = first.series
    if series is not None:
        event = SeriesEvent.objects.create(
            series=series,
            uid=f"series-{series.pk}-{secrets.token_hex(6)}@{tenant_connection().schema_name}"
            ".liveroll",
            first_start=first.start_time,
        )
        if _invites_anyone(first):
            _enqueue("series", series.pk, event.sequence, "scheduled")
        return
    if _invites_anyone(first):
        _enqueue("meeting", first.pk, first.calendar_event.sequence, "scheduled")


def invitations_on_change(*, meetings: list[Meeting], change: Change) -> None:
    """Sessions were changed (time, length, title, description) or cancelled; their calendar
    events already carry the new SEQUENCE. A series is re-sent whole, with a new SEQUENCE."""
    series_ids = sorted({m.series_id for m in meetings if m.series_id})
    for meeting in meetings:
        if not meeting.series_id and _invites_anyone(meeting):
            meeting.calendar_event.refresh_from_db(fields=["sequence"])
            _enqueue("meeting", meeting.pk, meeting.calendar_event.sequence, change)
    for series_id in series_ids:
        updated = SeriesEvent.objects.filter(series_id=series_id).update(
            sequence=F("sequence") + 1, updated_at=timezone.now()
        )
        if not updated:  # scheduled before invitations existed: nothing was sent
            continue
        event = SeriesEvent.objects.get(series_id=series_id)
        sample = next(m for m in meetings if m.series_id == series_id)
        if _invites_anyone(sample):
            _enqueue("series", series_id, event.sequence, change)


def invitations_for_class_enqueue(*, school_class_id: int) -> int:
    """After an enrolment: send the class's upcoming sessions and series at their current
    sequence again. Those already invited have that key in the outbox and get nothing; the
    newcomers get their invitations. Returns how many deliveries were queued."""
    upcoming = Meeting.objects.filter(
        school_class_id=school_class_id,
        status=Meeting.Status.SCHEDULED,
        start_time__gt=timezone.now(),
    ).select_related("calendar_event")
    queued = 0
    for meeting in upcoming.filter(series__isnull=True):
        _enqueue("meeting", meeting.pk, meeting.calendar_event.sequence, "scheduled")
        queued += 1
    series_ids = set(upcoming.exclude(series__isnull=True).values_list("series_id", flat=True))
    for event in SeriesEvent.objects.filter(series_id__in=series_ids):
        _enqueue("series", event.series_id, event.sequence, "scheduled")
        queued += 1
    return queued


# --- building one person's invitation -------------------------------------------------------


def _rule(series: MeetingSeries) -> RecurrenceRule:
    from meetings.services.scheduling import rule_from_json  # scheduling imports this module

    return rule_from_json(series.recurrence)


def series_event_restart(*, series_id: int, first_start: datetime) -> None:
    """Zoom gave the series a new rule: its calendar event counts from `first_start` (the
    original start of the new rule's first occurrence) from now on. The next change sent (the
    caller's `invitations_on_change`) carries it with a new SEQUENCE."""
    SeriesEvent.objects.filter(series_id=series_id).update(
        first_start=first_start, updated_at=timezone.now()
    )


def _zoom_original(session: Meeting) -> datetime | None:
    """Where Zoom's rule put this session: its occurrence id is that start in epoch
    milliseconds, and it stays with the occurrence when the occurrence moves."""
    occurrence = session.zoom_occurrence_id
    if not occurrence.isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(occurrence) / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _paired(
    originals: list[datetime], sessions: list[Meeting]
) -> tuple[list[tuple[datetime, Meeting]], list[datetime]]:
    """Each occurrence of the rule with its session, and the occurrences without one. A series
    on Zoom pairs by occurrence id (a session made after a change of rule, or one the new rule
    no longer has, pairs right) when every session still on pairs so; otherwise (a series not
    on Zoom yet) in the order the sessions were made (one per occurrence, by
    `meeting_schedule`)."""
    wanted = set(originals)
    by_original: dict[datetime, Meeting] = {}
    stray = False
    for session in sorted(sessions, key=lambda m: m.pk):
        original = _zoom_original(session)
        if original is not None and original in wanted:
            by_original.setdefault(original, session)
        elif session.status != Meeting.Status.CANCELLED:
            stray = True
    if stray or not by_original:
        ordered = sorted(sessions, key=lambda m: m.pk)
        if len(ordered) != len(originals):
            logger.warning(
                "series: %d sessions for %d occurrences of its rule", len(ordered), len(originals)
            )
        return list(zip(originals, ordered, strict=False)), originals[len(ordered) :]
    pairs = [(o, by_original[o]) for o in originals if o in by_original]
    return pairs, [o for o in originals if o not in by_original]


def _series_wall_clock(
    rule: RecurrenceRule, first_start: datetime, tz: str, sessions: list[Meeting]
) -> list[datetime]:
    """The series' occurrences on its wall clock. Its first start is stored as an instant:
    when that instant is a wall-clock time that does not exist that day (a class at 02:30
    whose first day is the spring change, at 03:30 summer time), the rule's wall clock is
    the one its sessions keep."""
    candidates = [
        rule.wall_clock_starts(start, timezone=tz)
        for start in wall_clocks_at(first_start, timezone=tz)
    ]
    if len(candidates) == 1:
        return candidates[0]
    starts = {s.start_time for s in sessions} | {
        o for o in (_zoom_original(s) for s in sessions) if o is not None
    }

    def kept(walls: list[datetime]) -> int:
        return sum(1 for start in walls if start.astimezone(UTC) in starts)

    return max(candidates, key=kept)  # a tie: the local time as it reads (the first)


def series_item(
    *,
    series: MeetingSeries,
    event: SeriesEvent,
    sessions: list[Meeting],
    page_url: str,
    join_url: Callable[[Meeting], str] | None = None,
) -> CalendarItem:
    """The series as one event: the RRULE from the stored rule counted from the first start
    the rule gave, an EXDATE per cancelled session (and per occurrence without one) and an
    override per session that moved or has its own join link (`_paired`)."""
    rule = _rule(series)
    walls = _series_wall_clock(rule, event.first_start, series.timezone, sessions)
    originals = [start.astimezone(UTC) for start in walls]
    pairs, unpaired = _paired(originals, sessions)
    ordered = [session for _original, session in pairs] or sorted(sessions, key=lambda m: m.pk)
    first = ordered[0]
    length = timedelta(minutes=first.duration_minutes)
    exdates: list[datetime] = list(unpaired)
    overrides: list[Override] = []
    for original, session in pairs:
        if session.status == Meeting.Status.CANCELLED:
            exdates.append(original)
            continue
        link = join_url(session) if join_url else ""
        moved = session.start_time != original or session.duration_minutes != first.duration_minutes
        if moved or link:
            overrides.append(
                Override(
                    original=original,
                    start=session.start_time,
                    end=session.end_time,
                    join_url=link,
                )
            )
    return CalendarItem(
        uid=event.uid,
        sequence=event.sequence,
        title=series.title,
        description=first.description,
        # On the rule's wall clock, even where the first day has no such time: a calendar
        # expanding the RRULE from it gets our sessions' instants.
        start=walls[0],
        end=originals[0] + length,
        timezone=series.timezone,
        cancelled=all(s.status == Meeting.Status.CANCELLED for s in ordered),
        page_url=page_url,
        rule=rule,
        exdates=tuple(exdates),
        overrides=tuple(overrides),
    )


@dataclass(frozen=True)
class _Subject:
    """What one delivery is about, loaded once for every recipient."""

    kind: Kind
    object_id: int
    sequence: int
    title: str
    sessions: list[Meeting]  # the session, or every session of the series
    series: MeetingSeries | None
    event: SeriesEvent | None
    method: Method
    expires: datetime


def _subject(kind: Kind, object_id: int, sequence: int) -> _Subject | None:
    """The meeting or series if `sequence` is still its current one (None otherwise: a newer
    change is on its way, or the object is gone)."""
    if kind == "meeting":
        meeting = (
            Meeting.objects.select_related("calendar_event", "school_class")
            .filter(pk=object_id)
            .first()
        )
        if meeting is None or meeting.calendar_event.sequence != sequence:
            return None
        cancelled = meeting.status == Meeting.Status.CANCELLED
        return _Subject(
            kind=kind,
            object_id=object_id,
            sequence=sequence,
            title=meeting.title,
            sessions=[meeting],
            series=None,
            event=None,
            method="CANCEL" if cancelled else "REQUEST",
            expires=meeting.end_time,
        )
    event = SeriesEvent.objects.select_related("series").filter(series_id=object_id).first()
    if event is None or event.sequence != sequence:
        return None
    sessions = list(
        event.series.meetings.select_related("calendar_event", "school_class").order_by("pk")
    )
    if not sessions:
        return None
    cancelled = all(s.status == Meeting.Status.CANCELLED for s in sessions)
    return _Subject(
        kind=kind,
        object_id=object_id,
        sequence=sequence,
        title=event.series.title,
        sessions=sessions,
        series=event.series,
        event=event,
        method="CANCEL" if cancelled else "REQUEST",
        expires=max(s.end_time for s in sessions),
    )


def rsvp_token(*, user: User, kind: Kind, object_id: int, response: str, expires: datetime) -> str:
    """A signed RSVP answer: bound to this school, the person, the session or series and the
    answer; it expires when the class is over."""
    return signing.dumps(
        {
            "s": tenant_connection().schema_name,
            "u": user.pk,
            "k": kind,
            "o": object_id,
            "r": response,
            "e": int(expires.timestamp()),
        },
        salt=RSVP_SALT,
    )


def _next_session(subject: _Subject) -> Meeting:
    now = timezone.now()
    live = [s for s in subject.sessions if s.status != Meeting.Status.CANCELLED]
    upcoming = [s for s in live if s.end_time > now]
    return (upcoming or live or subject.sessions)[0]


def _mail_for(
    subject: _Subject,
    change: Change,
    user: User,
    *,
    invitee: bool,
    origin: str,
    school_zone: str,
) -> tuple[dict[str, Any], bytes]:
    """The mail's context and the .ics for one person. Join links are the person's platform
    links (`join_urls_for`), for the sessions they may join; never Zoom's."""
    session = _next_session(subject)
    page_url = f"{origin}/app/meetings/{session.pk}"
    active = subject.method == "REQUEST"
    links = join_urls_for(user=user, meetings=subject.sessions) if active and invitee else {}

    def link(meeting: Meeting) -> str:
        return links.get(meeting.pk, "")

    if subject.series is not None and subject.event is not None:
        item = series_item(
            series=subject.series,
            event=subject.event,
            sessions=subject.sessions,
            page_url=page_url,
            join_url=link,
        )
        rule_text = recurrence_wording_lazy(_rule(subject.series))
    else:
        item = meeting_item(session, page_url=page_url, join_url=link(session))
        rule_text = ""
    attendee = Person(email=user.email, name=user.name, rsvp=invitee and active)
    organizer = Person(email=parseaddr(settings.DEFAULT_FROM_EMAIL)[1], name=session.host.name)
    body = calendar_build(
        method=subject.method, items=[item], organizer=organizer, attendees=[attendee]
    )
    rsvp_links = (
        {
            response: (
                origin
                + "/rsvp/"
                + rsvp_token(
                    user=user,
                    kind=subject.kind,
                    object_id=subject.object_id,
                    response=response,
                    expires=subject.expires,
                )
                + "/"
            )
            for response in Rsvp.Response.values
        }
        if invitee and active
        else {}
    )
    # A series that goes on after some sessions are cancelled is a change of the series.
    cancelled_sessions = [
        m.start_time
        for m in subject.sessions
        if m.status == Meeting.Status.CANCELLED and m.end_time > timezone.now()
    ]
    if not active:
        change = "cancelled"
    elif change == "cancelled":
        change = "changed"
    context = {
        "change": change,
        "cancelled_sessions": cancelled_sessions if subject.series is not None and active else [],
        "title": subject.title,
        "starts_at": session.start_time,
        "ends_at": session.end_time,
        # The person's zone, else the school's default (tenants.selectors.person_timezone).
        "time_zone": person_timezone(user=user, school_zone=school_zone),
        "recurrence": rule_text,
        "join_url": link(session),
        "page_url": page_url,
        "rsvp_accept_url": rsvp_links.get(Rsvp.Response.ACCEPTED, ""),
        "rsvp_decline_url": rsvp_links.get(Rsvp.Response.DECLINED, ""),
        "rsvp_tentative_url": rsvp_links.get(Rsvp.Response.TENTATIVE, ""),
        "for_parent": not invitee,
        "host_name": session.host.name or session.host.email,
    }
    return context, body


def _attachment(method: Method, body: bytes) -> MailAttachment:
    return MailAttachment(
        filename="invite.ics" if method == "REQUEST" else "cancel.ics",
        content_type=f"text/calendar; method={method}",  # the mail adds the charset
        content=body,
    )


def invitations_deliver_now(*, kind: str, object_id: int, sequence: int, change: str) -> int:
    """Queue the mails of one change (the actor's work); returns how many were queued now.
    Idempotent: each mail's key is the object, the person and the sequence."""
    if kind not in ("meeting", "series") or change not in CHANGES:
        raise ValueError(f"unknown invitation {kind!r} / {change!r}")
    subject = _subject(cast(Kind, kind), object_id, sequence)
    if subject is None:
        logger.info("invitations: %s %s at sequence %s is not current", kind, object_id, sequence)
        return 0
    origin = school_origin()
    school_zone = school_timezone()  # once, not once a person
    sample = _next_session(subject)
    invitees = invitation_invitees(meeting=sample)
    parents = invitation_parents(meeting=sample, students=invitees)
    recipients = [(u, True) for u in invitees] + [(u, False) for u in parents]
    queued = 0
    with transaction.atomic():
        for user, invitee in recipients:
            context, body = _mail_for(
                subject, change, user, invitee=invitee, origin=origin, school_zone=school_zone
            )
            if mail_queue(
                key=f"invitation:{kind}:{object_id}:{user.pk}:{sequence}",
                to=user.email,
                template=MAIL_TEMPLATE,
                context=context,
                user=user,
                attachments=[_attachment(subject.method, body)],
            ):
                queued += 1
    logger.info(
        "invitations: %s %s (%s, sequence %s): %d of %d queued",
        kind,
        object_id,
        change,
        sequence,
        queued,
        len(recipients),
    )
    return queued


# --- RSVPs ----------------------------------------------------------------------------------


def rsvp_record(*, user: User, meeting: Meeting, response: str, whole_series: bool = False) -> Rsvp:
    """`user` answers for one session or (`whole_series`) for its whole series; a series
    answer replaces the person's own answers to its sessions still to come."""
    if response not in Rsvp.Response.values:
        raise ValidationError({"response": "Answer accepted, declined or tentative."})
    if not rsvp_may_respond(user=user, meeting=meeting):
        raise PermissionDenied("Only people invited to this class can answer, until it ends.")
    now = timezone.now()
    target: dict[str, Any] = (
        {"series_id": meeting.series_id}
        if whole_series and meeting.series_id
        else {"meeting": meeting}
    )
    with transaction.atomic():
        if "series_id" in target:
            Rsvp.objects.filter(
                user=user,
                meeting__series_id=meeting.series_id,
                meeting__start_time__gte=meeting.start_time,
            ).delete()
        try:
            with transaction.atomic():
                row, _ = Rsvp.objects.update_or_create(
                    user=user, **target, defaults={"response": response, "responded_at": now}
                )
        except IntegrityError:  # the same person answering twice at once: the last one wins
            row = Rsvp.objects.get(user=user, **target)
            row.response, row.responded_at = response, now
            row.save(update_fields=["response", "responded_at"])
    return row


class RsvpLinkError(Exception):
    """An RSVP link that cannot be used; `reason` is for logs, `message` for the person."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class RsvpLink:
    user: User
    meeting: Meeting  # the session answered for, or the next session of the series
    whole_series: bool
    response: str


def rsvp_link_read(*, token: str) -> RsvpLink:
    """What a link says, checked: signature, school, expiry, person, class, that the person
    may still answer. Raises `RsvpLinkError`."""
    invalid = RsvpLinkError("invalid", _("This link is not valid."))
    try:
        data = signing.loads(token, salt=RSVP_SALT)
    except signing.BadSignature:
        raise invalid from None
    if not isinstance(data, dict) or data.get("s") != tenant_connection().schema_name:
        raise invalid  # another school's link, signed with the same key
    try:
        user_id, kind, object_id = int(data["u"]), data["k"], int(data["o"])
        response, expires = str(data["r"]), int(data["e"])
    except (KeyError, TypeError, ValueError):
        raise invalid from None
    if response not in Rsvp.Response.values or kind not in ("meeting", "series"):
        raise invalid
    if datetime.fromtimestamp(expires, UTC) <= timezone.now():
        raise RsvpLinkError("expired", _("This class is over: the link has expired."))
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise invalid
    if kind == "meeting":
        sessions = list(Meeting.objects.filter(pk=object_id).select_related("school_class"))
    else:
        sessions = list(
            Meeting.objects.filter(series_id=object_id, status=Meeting.Status.SCHEDULED)
            .select_related("school_class")
            .order_by("start_time")
        )
    meeting = next((m for m in sessions if rsvp_may_respond(user=user, meeting=m)), None)
    if meeting is None:
        raise RsvpLinkError("closed", _("This class cannot be answered any more."))
    return RsvpLink(user=user, meeting=meeting, whole_series=kind == "series", response=response)


def rsvp_by_link(*, token: str) -> tuple[RsvpLink, Rsvp]:
    """Record the answer a link carries (no sign-in: the signed link is the proof)."""
    link = rsvp_link_read(token=token)
    row = rsvp_record(
        user=link.user,
        meeting=link.meeting,
        response=link.response,
        whole_series=link.whole_series,
    )
    return link, row
