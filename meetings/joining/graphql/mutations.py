from __future__ import annotations

import strawberry
from strawberry.types import Info

from meetings.joining.graphql.types import JoinPolicy, join_policy_from
from meetings.joining.services import join_policy_set
from tenants.graphql.context import client_ip, require_admin
from tenants.graphql.errors import FieldError, typed_errors


@strawberry.type
class JoinPolicyPayload:
    policy: JoinPolicy | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class JoiningMutation:
    @strawberry.mutation(description="Change the school's join window (admins).")
    @typed_errors(JoinPolicyPayload)
    def set_join_policy(
        self, info: Info, opens_minutes_before: int, closes_minutes_after_end: int
    ) -> JoinPolicyPayload:
        admin = require_admin(info)
        row = join_policy_set(
            actor=admin,
            opens_minutes_before=opens_minutes_before,
            closes_minutes_after_end=closes_minutes_after_end,
            ip=client_ip(info),
        )
        return JoinPolicyPayload(policy=join_policy_from(row), errors=[])
