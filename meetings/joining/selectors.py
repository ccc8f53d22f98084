"""Who may join a meeting through the platform, and when.

May join: the people the meeting is for — the class's enrolled students (audience "class"),
every student or every teacher (those audiences), everyone (audience "all"), the invitees
(audience "personal") — and only while it is not cancelled. Its host, the class's teachers and
the school's admins manage it instead: they Start the class (a fresh start link), so they get
no join link. Parents see their children's classes but do not join them. Fails closed: no user,
an inactive one or an unknown role may join nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from meetings.joining.models import JoinPolicy
from meetings.models import Meeting, TargetAudience
from tenants.accounts.models import Role, User
from tenants.school.models import Enrolment, SchoolClass


def join_policy() -> JoinPolicy:
    """The school's join window: its row, or the defaults (unsaved) when it has none."""
    return JoinPolicy.objects.filter(singleton=True).first() or JoinPolicy()


def _active(user: User | None) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.is_active and user.role in Role.values
    )


def meetings_joinable(*, user: User | None, meetings: Sequence[Meeting]) -> set[int]:
    """The ids among `meetings` that `user` may join: at most three queries, however many."""
    if not _active(user) or not meetings:
        return set()
    assert user is not None  # for mypy: _active says so
    if user.role == Role.ADMIN:
        return set()  # admins manage every meeting: they start, they do not join
    live = [m for m in meetings if m.status != Meeting.Status.CANCELLED and m.host_id != user.pk]
    class_ids = {m.school_class_id for m in live if m.school_class_id}
    taught: set[int] = set()
    if user.role == Role.TEACHER and class_ids:
        taught = set(
            SchoolClass.objects.filter(pk__in=class_ids, teachers=user).values_list("pk", flat=True)
        )
    enrolled: set[int] = set()
    if user.role == Role.STUDENT and any(m.target_audience == TargetAudience.CLASS for m in live):
        enrolled = set(
            Enrolment.objects.filter(student=user, school_class_id__in=class_ids).values_list(
                "school_class_id", flat=True
            )
        )
    invited: set[int] = set()
    personal = [m.pk for m in live if m.target_audience == TargetAudience.PERSONAL]
    if personal:
        invited = set(
            Meeting.invitees.through.objects.filter(
                meeting_id__in=personal, user_id=user.pk
            ).values_list("meeting_id", flat=True)
        )
    joinable = set()
    for meeting in live:
        if meeting.school_class_id in taught:
            continue  # the class's teachers manage it
        audience = meeting.target_audience
        if (
            audience == TargetAudience.ALL
            or (audience == TargetAudience.STUDENTS and user.role == Role.STUDENT)
            or (audience == TargetAudience.TEACHERS and user.role == Role.TEACHER)
            or (audience == TargetAudience.CLASS and meeting.school_class_id in enrolled)
            or (audience == TargetAudience.PERSONAL and meeting.pk in invited)
        ):
            joinable.add(meeting.pk)
    return joinable


def may_join(*, user: User | None, meeting: Meeting) -> bool:
    """Whether `user` may join `meeting` (see the module's docstring); the time is not asked
    here (`join_window`)."""
    return meeting.pk in meetings_joinable(user=user, meetings=[meeting])


@dataclass(frozen=True)
class JoinWindow:
    opens_at: datetime
    closes_at: datetime


def join_window(*, meeting: Meeting, policy: JoinPolicy | None = None) -> JoinWindow:
    """When the meeting's links work: from `opens_minutes_before` the start to
    `closes_minutes_after_end` after the end (the actual end when Zoom reported one)."""
    policy = policy or join_policy()
    end = meeting.actual_end or meeting.end_time
    return JoinWindow(
        opens_at=meeting.start_time - timedelta(minutes=policy.opens_minutes_before),
        closes_at=end + timedelta(minutes=policy.closes_minutes_after_end),
    )
