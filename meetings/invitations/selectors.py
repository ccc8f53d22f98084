"""Reads for invitations and RSVPs: who is invited to a class, who may answer, the answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from meetings.invitations.models import InvitationPolicy, Rsvp, SeriesEvent
from meetings.joining.selectors import may_join
from meetings.models import Meeting, MeetingSeries, TargetAudience
from tenants.accounts.models import Role, User
from tenants.mail.models import OutboundMail
from tenants.school.models import Enrolment

# Audiences whose invitations go to the class's enrolled students.
_CLASS_AUDIENCES = (TargetAudience.CLASS, TargetAudience.ALL, TargetAudience.STUDENTS)


def invitation_policy() -> InvitationPolicy:
    """The school's invitation rules (the defaults when none are stored)."""
    return InvitationPolicy.objects.filter(singleton=True).first() or InvitationPolicy()


def invitation_invitees(*, meeting: Meeting) -> QuerySet[User]:
    """Who is invited to `meeting` and may answer: the class's enrolled students (class,
    school-wide and all-students audiences: the invitation goes to the class, never to the
    whole school), or the meeting's invitees ("invited people only")."""
    people = User.objects.filter(is_active=True)
    if meeting.target_audience == TargetAudience.PERSONAL:
        return people.filter(meeting_invitations=meeting).order_by("pk")
    if meeting.target_audience in _CLASS_AUDIENCES and meeting.school_class_id:
        return people.filter(role=Role.STUDENT, classes_enrolled=meeting.school_class_id).order_by(
            "pk"
        )
    return people.none()


def invitation_parents(*, meeting: Meeting, students: QuerySet[User]) -> QuerySet[User]:
    """The parents who get a copy, for their information: only where the school enables it
    (`InvitationPolicy.parents_invited`) and the class is one parents may see."""
    if not invitation_policy().parents_invited or meeting.target_audience not in (
        TargetAudience.CLASS,
        TargetAudience.ALL,
    ):
        return User.objects.none()
    return (
        User.objects.filter(is_active=True, role=Role.PARENT, child_links__student__in=students)
        .distinct()
        .order_by("pk")
    )


def series_event(*, series: MeetingSeries) -> SeriesEvent | None:
    return SeriesEvent.objects.filter(series=series).first()


def rsvp_may_respond(*, user: User, meeting: Meeting) -> bool:
    """Someone the class is for and who was invited to it (`may_join` and
    `invitation_invitees`: a school-wide class is mailed to its class only), while it is still
    to come or under way."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if meeting.status not in (Meeting.Status.SCHEDULED, Meeting.Status.STARTED):
        return False
    if meeting.end_time <= timezone.now():
        return False
    return (
        may_join(user=user, meeting=meeting)
        and invitation_invitees(meeting=meeting).filter(pk=user.pk).exists()
    )


def rsvp_of(*, user: User, meeting: Meeting) -> str | None:
    """The viewer's own answer for `meeting` (None: pending)."""
    return rsvps_of(user=user, meetings=[meeting]).get(meeting.pk)


def rsvps_of(*, user: User, meetings: Sequence[Meeting]) -> dict[int, str]:
    """The viewer's own answer for each of `meetings` that has one: one query for a list."""
    if not (user and user.is_authenticated) or not meetings:
        return {}
    series_ids = {m.series_id for m in meetings if m.series_id}
    rows = Rsvp.objects.filter(
        Q(meeting__in=[m.pk for m in meetings]) | Q(series_id__in=series_ids), user=user
    ).values_list("meeting_id", "series_id", "response")
    by_meeting = {m: r for m, _, r in rows if m}
    by_series = {s: r for _, s, r in rows if s}
    answers: dict[int, str] = {}
    for meeting in meetings:
        answer = by_meeting.get(meeting.pk) or by_series.get(meeting.series_id or 0)
        if answer:
            answers[meeting.pk] = answer
    return answers


@dataclass(frozen=True)
class RsvpSummary:
    accepted: int
    declined: int
    tentative: int
    pending: int
    people: list[tuple[User, str | None]]


def rsvp_summary(*, meeting: Meeting) -> RsvpSummary:
    """The invitees' answers, for those who manage the meeting (the caller checks)."""
    return rsvp_summaries(meetings=[meeting])[meeting.pk]


def rsvp_summaries(*, meetings: Sequence[Meeting]) -> dict[int, RsvpSummary]:
    """`rsvp_summary` of each meeting, in three queries however many meetings: the invitees
    (as `invitation_invitees` says, per class or per meeting) and every answer."""
    class_ids = {
        m.school_class_id
        for m in meetings
        if m.school_class_id and m.target_audience in _CLASS_AUDIENCES
    }
    students: dict[int, list[User]] = {}
    enrolments = Enrolment.objects.filter(
        school_class_id__in=class_ids, student__is_active=True, student__role=Role.STUDENT
    ).select_related("student")
    for enrolment in enrolments.order_by("student_id"):
        students.setdefault(enrolment.school_class_id, []).append(enrolment.student)
    personal = [m.pk for m in meetings if m.target_audience == TargetAudience.PERSONAL]
    invited: dict[int, list[User]] = {}
    through = Meeting.invitees.through.objects.filter(
        meeting_id__in=personal, user__is_active=True
    ).select_related("user")
    for link in through.order_by("user_id") if personal else []:
        invited.setdefault(link.meeting_id, []).append(link.user)
    series_ids = {m.series_id for m in meetings if m.series_id}
    rows = list(
        Rsvp.objects.filter(
            Q(meeting__in=[m.pk for m in meetings]) | Q(series_id__in=series_ids)
        ).values_list("user_id", "meeting_id", "series_id", "response")
    )
    summaries = {}
    for meeting in meetings:
        if meeting.target_audience == TargetAudience.PERSONAL:
            people = invited.get(meeting.pk, [])
        elif meeting.target_audience in _CLASS_AUDIENCES and meeting.school_class_id:
            people = students.get(meeting.school_class_id, [])
        else:
            people = []
        answers: dict[int, str] = {}
        # Series answers first, so that a session's own answer overwrites them.
        for user_id, meeting_id, series_id, response in sorted(rows, key=lambda r: bool(r[1])):
            if meeting_id == meeting.pk or (series_id and series_id == meeting.series_id):
                answers[user_id] = response
        pairs = [(u, answers.get(u.pk)) for u in people]
        values = [a for _, a in pairs]
        summaries[meeting.pk] = RsvpSummary(
            accepted=values.count(Rsvp.Response.ACCEPTED),
            declined=values.count(Rsvp.Response.DECLINED),
            tentative=values.count(Rsvp.Response.TENTATIVE),
            pending=values.count(None),
            people=pairs,
        )
    return summaries


def invitation_mail_statuses_many(*, meetings: Sequence[Meeting]) -> dict[int, dict[int, str]]:
    """Per meeting, per person: the state of the latest invitation mail about the meeting or
    its series (`OutboundMail.Status`; "sending" reads as queued). One query for the list. The
    keys are `invitation:<meeting|series>:<id>:<user id>:<sequence>`
    (services.invitations_deliver_now)."""
    if not meetings:
        return {}
    rule = Q()
    for meeting in meetings:
        rule |= Q(key__startswith=f"invitation:meeting:{meeting.pk}:")
    series_ids = {m.series_id for m in meetings if m.series_id}
    for series_id in series_ids:
        rule |= Q(key__startswith=f"invitation:series:{series_id}:")
    # (kind, id) -> person -> (position in time, state): the latest mail wins
    latest: dict[tuple[str, int], dict[int, tuple[int, str]]] = {}
    rows = OutboundMail.objects.filter(rule).order_by("queued_at", "pk")
    for position, (key, status) in enumerate(rows.values_list("key", "status")):
        parts = key.split(":")
        if len(parts) < 4 or not parts[2].isdigit() or not parts[3].isdigit():
            continue
        state = "queued" if status == OutboundMail.Status.SENDING else status
        latest.setdefault((parts[1], int(parts[2])), {})[int(parts[3])] = (position, state)
    result: dict[int, dict[int, str]] = {}
    for meeting in meetings:
        merged = dict(latest.get(("series", meeting.series_id or 0), {}))
        for user_id, fact in latest.get(("meeting", meeting.pk), {}).items():
            if user_id not in merged or merged[user_id][0] < fact[0]:
                merged[user_id] = fact
        result[meeting.pk] = {user_id: state for user_id, (_, state) in merged.items()}
    return result
