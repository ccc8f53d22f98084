from __future__ import annotations

import strawberry
from strawberry.types import Info

from meetings.reminders.graphql import types as t
from meetings.reminders.selectors import reminder_policy, reminder_preference_for
from tenants.graphql.context import require_admin, require_user


@strawberry.type
class RemindersQuery:
    @strawberry.field(description="The school's reminder rules (admins).")
    def reminder_policy(self, info: Info) -> t.ReminderPolicy:
        require_admin(info)
        return t.reminder_policy_from(reminder_policy())

    @strawberry.field(description="The viewer's own reminder and absence-notice choices.")
    def my_reminder_preferences(self, info: Info) -> t.ReminderPreferences:
        user = require_user(info)
        return t.reminder_preferences_from(
            reminder_preference_for(user=user), user=user, policy=reminder_policy()
        )
