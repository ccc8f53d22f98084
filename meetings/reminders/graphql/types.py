from __future__ import annotations

import strawberry

from meetings.reminders.models import ReminderPolicy as ReminderPolicyRow
from meetings.reminders.models import ReminderPreference as ReminderPreferenceRow
from tenants.accounts.models import Role, User


@strawberry.type
class ReminderPolicy:
    """The school's reminder rules."""

    offsets_minutes: list[int] = strawberry.field(
        description="Minutes before each session's start at which reminders go out (none: no "
        "reminders)."
    )
    absence_notices_allowed: bool = strawberry.field(
        description="Parents may opt in to a notice when their child is marked absent."
    )


@strawberry.type
class ReminderPreferences:
    """The viewer's own choices."""

    reminders_enabled: bool = strawberry.field(
        description="A mail and a notification before each session the viewer may join."
    )
    absence_notices_enabled: bool = strawberry.field(
        description="A mail when the viewer's child is marked absent (parents)."
    )
    absence_notices_available: bool = strawberry.field(
        description="Whether the viewer can turn absence notices on: a parent whose school "
        "sends them."
    )


def reminder_policy_from(row: ReminderPolicyRow) -> ReminderPolicy:
    return ReminderPolicy(
        offsets_minutes=list(row.offsets_minutes),
        absence_notices_allowed=row.absence_notices_allowed,
    )


def reminder_preferences_from(
    row: ReminderPreferenceRow, *, user: User, policy: ReminderPolicyRow
) -> ReminderPreferences:
    return ReminderPreferences(
        reminders_enabled=row.reminders_enabled,
        absence_notices_enabled=row.absence_notices_enabled,
        absence_notices_available=user.role == Role.PARENT and policy.absence_notices_allowed,
    )
