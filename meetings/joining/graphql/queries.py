from __future__ import annotations

import strawberry
from strawberry.types import Info

from meetings.joining.graphql.types import JoinPolicy, join_policy_from
from meetings.joining.selectors import join_policy
from tenants.graphql.context import require_user


@strawberry.type
class JoiningQuery:
    @strawberry.field(description="The school's join window for personal join links.")
    def join_policy(self, info: Info) -> JoinPolicy:
        require_user(info)
        return join_policy_from(join_policy())
