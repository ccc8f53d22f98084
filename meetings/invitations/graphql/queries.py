from __future__ import annotations

import strawberry
from strawberry.types import Info

from meetings.invitations.graphql import types as t
from meetings.invitations.selectors import invitation_policy
from tenants.graphql.context import require_admin


@strawberry.type
class InvitationsQuery:
    @strawberry.field(description="The school's invitation rules (admins).")
    def invitation_policy(self, info: Info) -> t.InvitationPolicy:
        require_admin(info)
        return t.invitation_policy_from(invitation_policy())
