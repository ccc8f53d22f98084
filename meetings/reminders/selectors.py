"""Reads for reminders: the school's rules, a person's choices, and the set-based queries the
sweep and the absence notice run."""

from __future__ import annotations

from collections.abc import Collection

from meetings.reminders.models import ReminderPolicy, ReminderPreference
from tenants.accounts.models import Role, User
from tenants.school.models import ParentLink


def reminder_policy() -> ReminderPolicy:
    """The school's reminder rules: its row, or the defaults (unsaved) when it has none."""
    return ReminderPolicy.objects.filter(singleton=True).first() or ReminderPolicy()


def reminder_preference_for(*, user: User) -> ReminderPreference:
    """The person's choices: their row, or the defaults (unsaved) when they have none."""
    return ReminderPreference.objects.filter(user=user).first() or ReminderPreference(user=user)


def absence_notice_parents(*, student_ids: Collection[int]) -> dict[int, list[User]]:
    """For each of these students, their active parents who opted in to absence notices (empty
    when the school does not send them)."""
    if not student_ids or not reminder_policy().absence_notices_allowed:
        return {}
    links = ParentLink.objects.filter(
        student_id__in=list(student_ids),
        parent__is_active=True,
        parent__role=Role.PARENT,
        parent__reminder_preference__absence_notices_enabled=True,
    ).select_related("parent")
    parents: dict[int, list[User]] = {}
    for link in links.order_by("student_id", "parent_id"):
        parents.setdefault(link.student_id, []).append(link.parent)
    return parents
