"""Writes for reminders: the school's rules, a person's choices, the sweep that sends the
reminders, and the parents' absence notice (called by attendance where it writes final
records)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from meetings.guests.selectors import guests_of_meeting
from meetings.joining.links import join_url_for, join_url_for_guest, school_origin
from meetings.models import Meeting, TargetAudience
from meetings.policy import access_admin
from meetings.reminders.events import MeetingReminder
from meetings.reminders.models import (
    MAX_OFFSET_MINUTES,
    MAX_OFFSETS,
    MIN_OFFSET_MINUTES,
    ReminderDelivery,
    ReminderPolicy,
    ReminderPreference,
)
from meetings.reminders.selectors import absence_notice_parents, reminder_policy
from realtime.events import publish
from tenants.accounts.models import Role, User
from tenants.audit.services import audit_record
from tenants.mail.services import mail_queue
from tenants.school.models import Enrolment, SchoolClass
from tenants.selectors import person_timezone, school_timezone

logger = logging.getLogger(__name__)

REMINDER_TEMPLATE = "reminders/reminder"
ABSENCE_TEMPLATE = "reminders/absence"
# Reminders claimed and queued per transaction: a sweep that dies loses at most one batch's
# work, which the next sweep (or the actor's retry) does again.
SWEEP_BATCH = 1000


# --- the school's rules and each person's choices --------------------------------------------


def _invalid(field: str, message: str, *, code: str) -> ValidationError:
    """A refusal of one input field with its own code (typed_errors shows both)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _offsets_clean(offsets: Sequence[int]) -> list[int]:
    if len(offsets) > MAX_OFFSETS:
        raise _invalid("offsets_minutes", f"At most {MAX_OFFSETS} reminder times.", code="too_many")
    for offset in offsets:
        if not MIN_OFFSET_MINUTES <= offset <= MAX_OFFSET_MINUTES:
            raise _invalid(
                "offsets_minutes",
                f"Each reminder time is from {MIN_OFFSET_MINUTES} to "
                f"{MAX_OFFSET_MINUTES} minutes before the start, not {offset}.",
                code="out_of_range",
            )
    if len(set(offsets)) != len(offsets):
        raise _invalid(
            "offsets_minutes", "The same reminder time is given twice.", code="duplicate"
        )
    return sorted(offsets, reverse=True)


def reminder_policy_set(
    *,
    actor: User,
    offsets_minutes: Sequence[int] | None = None,
    absence_notices_allowed: bool | None = None,
    ip: str | None = None,
) -> ReminderPolicy:
    """An admin sets when reminders go out (minutes before each start; none: no reminders) and
    whether parents may opt in to absence notices. Absent arguments keep their value."""
    access_admin(actor)
    changes: dict[str, object] = {}
    if offsets_minutes is not None:
        changes["offsets_minutes"] = _offsets_clean(offsets_minutes)
    if absence_notices_allowed is not None:
        changes["absence_notices_allowed"] = absence_notices_allowed
    with transaction.atomic():
        row, _ = ReminderPolicy.objects.select_for_update().get_or_create(singleton=True)
        for name, value in changes.items():
            setattr(row, name, value)
        row.save()
        audit_record(
            actor=actor,
            action="reminders.policy_changed",
            target=row,
            ip=ip,
            details={
                "offsets_minutes": row.offsets_minutes,
                "absence_notices_allowed": row.absence_notices_allowed,
            },
        )
    return row


def reminder_preference_set(
    *,
    user: User,
    reminders_enabled: bool | None = None,
    absence_notices_enabled: bool | None = None,
) -> ReminderPreference:
    """A person turns their reminders (and, for parents whose school sends them, absence
    notices) on or off. Absent arguments keep their value."""
    if absence_notices_enabled:
        if user.role != Role.PARENT:
            raise _invalid(
                "absence_notices_enabled", "Absence notices are for parents.", code="forbidden"
            )
        if not reminder_policy().absence_notices_allowed:
            raise _invalid(
                "absence_notices_enabled",
                "Your school does not send absence notices.",
                code="forbidden",
            )
    defaults: dict[str, bool] = {}
    if reminders_enabled is not None:
        defaults["reminders_enabled"] = reminders_enabled
    if absence_notices_enabled is not None:
        defaults["absence_notices_enabled"] = absence_notices_enabled
    row, _ = ReminderPreference.objects.update_or_create(user=user, defaults=defaults)
    return row


# --- the sweep -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepReport:
    reminders: int  # reminders claimed in the ledger (one mail and one notification each)
    mails: int  # of them, mails the outbox took (a key already there queues nothing)
    meetings: int  # sessions reminded of


def _claim_sql() -> str:
    """One statement claims a batch of due reminders: the sessions (scheduled or running, not
    cancelled or ended) whose start minus an offset has come and is at most `late` minutes
    past, before their start; for each, every person who may join, active, with reminders on,
    not reminded of this start yet. "May join" is meetings.joining.selectors.may_join's rule in
    SQL (tests/meetings/reminders checks that the two agree): the class's enrolled students,
    the invitees of a personal meeting, every student / teacher / person of a school-wide
    audience; never its host, the class's teachers or admins, who start and manage it. The
    insert into the ledger's unique key is the claim: a concurrent sweep waits for this one's
    commit, then skips these rows."""
    meeting = Meeting._meta.db_table
    invitees = Meeting.invitees.through._meta.db_table
    enrolment = Enrolment._meta.db_table
    teachers = SchoolClass.teachers.through._meta.db_table
    user = User._meta.db_table
    preference = ReminderPreference._meta.db_table
    ledger = ReminderDelivery._meta.db_table
    # Table names are the models' own, not input; values travel as parameters.
    return f"""
    WITH due AS (
        SELECT m.id AS meeting_id, m.start_time, m.host_id, m.school_class_id,
               m.target_audience, o.offset_minutes
        FROM {meeting} m
        CROSS JOIN unnest(%(offsets)s::int[]) AS o(offset_minutes)
        WHERE m.status IN (%(scheduled)s, %(started)s)
          AND m.start_time > %(now)s
          AND m.start_time <= %(now)s + make_interval(mins => o.offset_minutes)
          AND m.start_time > %(now)s + make_interval(mins => o.offset_minutes - %(late)s)
    ),
    recipients AS (
        SELECT d.*, e.student_id AS user_id
        FROM due d JOIN {enrolment} e ON e.school_class_id = d.school_class_id
        WHERE d.target_audience = %(class)s
        UNION ALL
        SELECT d.*, i.user_id
        FROM due d JOIN {invitees} i ON i.meeting_id = d.meeting_id
        WHERE d.target_audience = %(personal)s
        UNION ALL
        SELECT d.*, u.id AS user_id
        FROM due d JOIN {user} u ON (
            d.target_audience = %(all)s
            OR (d.target_audience = %(students)s AND u.role = %(student_role)s)
            OR (d.target_audience = %(teachers)s AND u.role = %(teacher_role)s)
        )
        WHERE d.target_audience IN (%(all)s, %(students)s, %(teachers)s)
    )
    INSERT INTO {ledger} (meeting_id, user_id, offset_minutes, start_time, sent_at)
    SELECT r.meeting_id, r.user_id, r.offset_minutes, r.start_time, %(now)s
    FROM recipients r
    JOIN {user} u ON u.id = r.user_id AND u.is_active
    LEFT JOIN {preference} p ON p.user_id = r.user_id
    WHERE r.user_id <> r.host_id
      AND u.role <> %(admin_role)s
      AND (r.target_audience <> %(class)s OR u.role = %(student_role)s)
      AND COALESCE(p.reminders_enabled, TRUE)
      AND NOT EXISTS (
          SELECT 1 FROM {teachers} t
          WHERE t.schoolclass_id = r.school_class_id AND t.user_id = r.user_id
      )
      AND NOT EXISTS (
          SELECT 1 FROM {ledger} l
          WHERE l.meeting_id = r.meeting_id AND l.user_id = r.user_id
            AND l.offset_minutes = r.offset_minutes AND l.start_time = r.start_time
      )
    ORDER BY r.start_time, r.meeting_id, r.user_id, r.offset_minutes
    LIMIT %(limit)s
    ON CONFLICT DO NOTHING
    RETURNING meeting_id, user_id, offset_minutes, start_time
    """  # noqa: S608 - see above


def _claim(
    *, now: datetime, offsets: list[int], limit: int
) -> list[tuple[int, int, int, datetime]]:
    params: dict[str, Any] = {
        "offsets": offsets,
        "now": now,
        "late": max(int(settings.LIVEROLL_REMINDER_MAX_LATENESS_MINUTES), 1),
        "limit": limit,
        "scheduled": Meeting.Status.SCHEDULED.value,
        "started": Meeting.Status.STARTED.value,
        "class": TargetAudience.CLASS.value,
        "personal": TargetAudience.PERSONAL.value,
        "all": TargetAudience.ALL.value,
        "students": TargetAudience.STUDENTS.value,
        "teachers": TargetAudience.TEACHERS.value,
        "student_role": int(Role.STUDENT),
        "teacher_role": int(Role.TEACHER),
        "admin_role": int(Role.ADMIN),
    }
    with connection.cursor() as cursor:
        cursor.execute(_claim_sql(), params)
        return [(int(m), int(u), int(o), s) for m, u, o, s in cursor.fetchall()]


def reminder_key(
    *, meeting_id: int, user_id: int, offset_minutes: int, start_time: datetime
) -> str:
    """The outbox key of one reminder: a moved session (a new start) is a new reminder."""
    start = start_time.astimezone(UTC).isoformat()
    return f"reminder:{meeting_id}:{user_id}:{offset_minutes}:{start}"


def _queue_or_log(
    *, key: str, to: str, template: str, context: Mapping[str, Any], user: User | None = None
) -> bool:
    """mail_queue, except that an address the outbox refuses (a person stored with a malformed
    email) is logged and skipped: one bad address must not hold up everyone else's mail, again
    on every retry."""
    try:
        return mail_queue(key=key, to=to, template=template, context=context, user=user)
    except ValidationError:
        who = f"user {user.pk}" if user is not None else f"mail {key}"
        logger.warning("no %s mail for %s: the email address is not valid", template, who)
        return False


def _remind_batch(*, now: datetime, offsets: list[int], limit: int) -> tuple[int, int, set[int]]:
    """Claim and send one batch, in one transaction: the ledger rows, the outbox rows and the
    notifications (published on commit) stand or fall together."""
    with transaction.atomic():
        claimed = _claim(now=now, offsets=offsets, limit=limit)
        if not claimed:
            return 0, 0, set()
        meetings = Meeting.objects.select_related("school_class").in_bulk(
            {meeting_id for meeting_id, *_ in claimed}
        )
        users = User.objects.in_bulk({user_id for _, user_id, *_ in claimed})
        origin = school_origin()  # once, not once a link
        school_zone = school_timezone()  # likewise
        mails = 0
        for meeting_id, user_id, offset, start in claimed:
            meeting, user = meetings[meeting_id], users[user_id]
            join_url = join_url_for(meeting=meeting, user=user, origin=origin)
            school_class = meeting.school_class
            mails += _queue_or_log(
                key=reminder_key(
                    meeting_id=meeting_id, user_id=user_id, offset_minutes=offset, start_time=start
                ),
                to=user.email,
                template=REMINDER_TEMPLATE,
                context={
                    "title": meeting.title,
                    "class_name": school_class.name if school_class else "",
                    "start": start,
                    "zone": person_timezone(user=user, school_zone=school_zone),
                    "minutes_before": offset,
                    "join_url": join_url,
                },
                user=user,
            )
            publish(
                MeetingReminder(
                    user_id=user_id,
                    meeting_id=meeting_id,
                    title=meeting.title,
                    start_time=start.isoformat(),
                    minutes_before=offset,
                    join_url=join_url,
                )
            )
    return len(claimed), mails, set(meetings)


def reminders_sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> SweepReport:
    """Send the reminders that are due (the school's offsets before each session), each once:
    batches of `batch`, each claimed in the ledger in one statement and sent in its
    transaction, until none is left. Safe to run twice at once, again after a failure, or
    after a restart (a reminder more than LIVEROLL_REMINDER_MAX_LATENESS_MINUTES late is not
    sent)."""
    now = now or timezone.now()
    offsets = list(reminder_policy().offsets_minutes)
    reminders = mails = 0
    meetings: set[int] = set()
    if not offsets:
        return SweepReport(reminders=0, mails=0, meetings=0)
    while True:
        claimed, queued, reminded = _remind_batch(now=now, offsets=offsets, limit=batch)
        reminders, mails, meetings = reminders + claimed, mails + queued, meetings | reminded
        if claimed < batch:
            break
    guests = _remind_guests(now=now, offsets=offsets)
    reminders, mails = reminders + guests, mails + guests
    if reminders:
        logger.info(
            "reminders: %d for %d sessions (%d mails queued)", reminders, len(meetings), mails
        )
    return SweepReport(reminders=reminders, mails=mails, meetings=len(meetings))


def guest_reminder_key(
    *, meeting_id: int, guest_id: int, offset_minutes: int, start: datetime
) -> str:
    return (
        f"reminder:g:{meeting_id}:{guest_id}:{offset_minutes}:{start.astimezone(UTC).isoformat()}"
    )


def _remind_guests(*, now: datetime, offsets: list[int]) -> int:
    """Guests of the sessions that are due get the same reminder, with their own link. They
    have no account, so no notification and no preference; a few per session at most, so the
    outbox's key alone keeps each reminder to one (a moved session: a new key)."""
    late = max(int(settings.LIVEROLL_REMINDER_MAX_LATENESS_MINUTES), 1)
    origin = school_origin()
    queued = 0
    for offset in offsets:
        due = Meeting.objects.filter(
            status__in=[Meeting.Status.SCHEDULED, Meeting.Status.STARTED],
            start_time__gt=max(now, now + timedelta(minutes=offset - late)),
            start_time__lte=now + timedelta(minutes=offset),
        ).select_related("school_class")
        for meeting in due:
            for guest in guests_of_meeting(meeting).filter(revoked_at__isnull=True):
                with transaction.atomic():
                    queued += _queue_or_log(
                        key=guest_reminder_key(
                            meeting_id=meeting.pk,
                            guest_id=guest.pk,
                            offset_minutes=offset,
                            start=meeting.start_time,
                        ),
                        to=guest.email,
                        template=REMINDER_TEMPLATE,
                        context={
                            "title": meeting.title,
                            "class_name": "",
                            "start": meeting.start_time,
                            "zone": meeting.timezone or "UTC",
                            "minutes_before": offset,
                            "join_url": join_url_for_guest(
                                guest=guest, meeting=meeting, origin=origin
                            ),
                        },
                    )
    return queued


def reminders_ledger_purge(*, now: datetime | None = None) -> int:
    """Forget the reminders of sessions that started more than a day ago: no sweep can be due
    for a start in the past, so their rows decide nothing any more."""
    cutoff = (now or timezone.now()) - timedelta(days=1)
    deleted, _ = ReminderDelivery.objects.filter(start_time__lt=cutoff).delete()
    return deleted


# --- the parents' absence notice -------------------------------------------------------------


def absence_key(*, record_id: int, parent_id: int) -> str:
    return f"absence:{record_id}:{parent_id}"


def absence_notices_queue(*, meeting: Meeting, absences: Mapping[int, int]) -> int:
    """Mail "your child missed <class> on <date>" to the parents who opted in (where the school
    allows it), once per attendance record and parent. `absences` maps the ids of final
    records that came out ABSENT to their students. Called by attendance where it writes the
    records, inside its transaction; returns the mails queued."""
    parents = absence_notice_parents(student_ids=set(absences.values()))
    if not parents:
        return 0
    students = User.objects.in_bulk(list(parents))
    school_class = meeting.school_class
    queued = 0
    for record_id, student_id in sorted(absences.items()):
        child = students.get(student_id)
        for parent in parents.get(student_id, []):
            if child is None:
                continue
            queued += _queue_or_log(
                key=absence_key(record_id=record_id, parent_id=parent.pk),
                to=parent.email,
                template=ABSENCE_TEMPLATE,
                context={
                    "child_name": child.name or child.email,
                    "title": meeting.title,
                    "class_name": school_class.name if school_class else meeting.title,
                    "start": meeting.start_time,
                },
                user=parent,
            )
    if queued:
        logger.info("absence notices: %d for meeting %s", queued, meeting.pk)
    return queued
