"""Reminder rules (admins) and each person's own choices. Every mutation answers with a
payload whose `errors` a client can show (`@typed_errors`)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from meetings.reminders import services
from meetings.reminders.graphql import types as t
from meetings.reminders.selectors import reminder_policy
from tenants.graphql.context import client_ip, require_admin, require_user
from tenants.graphql.errors import FieldError, typed_errors


@strawberry.type
class ReminderPolicyPayload:
    policy: t.ReminderPolicy | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class ReminderPreferencesPayload:
    preferences: t.ReminderPreferences | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class RemindersMutation:
    @strawberry.mutation(
        description="When reminders go out and whether parents may opt in to absence notices "
        "(admins). Absent arguments keep their value."
    )
    @typed_errors(ReminderPolicyPayload)
    def set_reminder_policy(
        self,
        info: Info,
        offsets_minutes: list[int] | None = None,
        absence_notices_allowed: bool | None = None,
    ) -> ReminderPolicyPayload:
        admin = require_admin(info)
        row = services.reminder_policy_set(
            actor=admin,
            offsets_minutes=offsets_minutes,
            absence_notices_allowed=absence_notices_allowed,
            ip=client_ip(info),
        )
        return ReminderPolicyPayload(policy=t.reminder_policy_from(row), errors=[])

    @strawberry.mutation(
        description="Turn the viewer's reminders, or (parents) absence notices, on or off. "
        "Absent arguments keep their value."
    )
    @typed_errors(ReminderPreferencesPayload)
    def set_my_reminder_preferences(
        self,
        info: Info,
        reminders_enabled: bool | None = None,
        absence_notices_enabled: bool | None = None,
    ) -> ReminderPreferencesPayload:
        user = require_user(info)
        row = services.reminder_preference_set(
            user=user,
            reminders_enabled=reminders_enabled,
            absence_notices_enabled=absence_notices_enabled,
        )
        return ReminderPreferencesPayload(
            preferences=t.reminder_preferences_from(row, user=user, policy=reminder_policy()),
            errors=[],
        )
