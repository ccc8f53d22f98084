"""Answering an invitation, and the school's invitation rules."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

import meetings.graphql.errors  # noqa: F401 - registers meetings' typed errors
from meetings.invitations import services
from meetings.invitations.graphql import types as t
from meetings.policy import access_meeting
from tenants.graphql.context import client_ip, require_admin, require_user
from tenants.graphql.errors import FieldError, typed_errors


@strawberry.type
class RsvpPayload:
    response: t.RsvpResponse | None = None
    whole_series: bool = False
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class InvitationPolicyPayload:
    policy: t.InvitationPolicy | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class InvitationsMutation:
    @strawberry.mutation(
        description="The viewer answers the invitation to a class they may join: this session, "
        "or with wholeSeries every session of its series still to come."
    )
    @typed_errors(RsvpPayload)
    def rsvp(
        self,
        info: Info,
        meeting_id: strawberry.ID,
        response: t.RsvpResponse,
        whole_series: bool = False,
    ) -> RsvpPayload:
        user = require_user(info)
        meeting = access_meeting(user, meeting_id, to="read")
        row = services.rsvp_record(
            user=user, meeting=meeting, response=response.value, whole_series=whole_series
        )
        return RsvpPayload(
            response=t.RsvpResponse(row.response), whole_series=row.series_id is not None
        )

    @strawberry.mutation(description="Whether parents get copies of invitations (admins).")
    @typed_errors(InvitationPolicyPayload)
    def set_invitation_policy(self, info: Info, parents_invited: bool) -> InvitationPolicyPayload:
        admin = require_admin(info)
        row = services.invitation_policy_set(
            actor=admin, parents_invited=parents_invited, ip=client_ip(info)
        )
        return InvitationPolicyPayload(policy=t.invitation_policy_from(row))
