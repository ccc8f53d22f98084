"""Reads for invitations and RSVPs: who is invited to a class, who may answer, the answers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from meetings.invitations.models import InvitationPolicy, Rsvp, SeriesEvent
from meetings.joining.selectors import may_join
from meetings.models import Meeting, MeetingSeries, TargetAudience
from tenants.accounts.models import Role, User

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
    """Someone who may join the class (`may_join`), while it is still to come or under way."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if meeting.status not in (Meeting.Status.SCHEDULED, Meeting.Status.STARTED):
        return False
    if meeting.end_time <= timezone.now():
        return False
    return may_join(user=user, meeting=meeting)


def _answers(meeting: Meeting, user_ids: list[int] | None = None) -> dict[int, str]:
    """Each person's answer for `meeting`: its own, else its series'."""
    scope = Q(meeting=meeting)
    if meeting.series_id:
        scope |= Q(series_id=meeting.series_id)
    rows = Rsvp.objects.filter(scope)
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    answers: dict[int, str] = {}
    # Series answers first, so that a session's own answer overwrites them.
    for row in sorted(
        rows.values("user_id", "meeting_id", "response"), key=lambda r: bool(r["meeting_id"])
    ):
        answers[row["user_id"]] = row["response"]
    return answers


def rsvp_of(*, user: User, meeting: Meeting) -> str | None:
    """The viewer's own answer for `meeting` (None: pending)."""
    if not (user and user.is_authenticated):
        return None
    return _answers(meeting, [user.pk]).get(user.pk)


@dataclass(frozen=True)
class RsvpSummary:
    accepted: int
    declined: int
    tentative: int
    pending: int
    people: list[tuple[User, str | None]]


def rsvp_summary(*, meeting: Meeting) -> RsvpSummary:
    """The invitees' answers, for those who manage the meeting (the caller checks)."""
    invitees = list(invitation_invitees(meeting=meeting))
    answers = _answers(meeting, [u.pk for u in invitees])
    people = [(u, answers.get(u.pk)) for u in invitees]
    values = [a for _, a in people]
    return RsvpSummary(
        accepted=values.count(Rsvp.Response.ACCEPTED),
        declined=values.count(Rsvp.Response.DECLINED),
        tentative=values.count(Rsvp.Response.TENTATIVE),
        pending=values.count(None),
        people=people,
    )
