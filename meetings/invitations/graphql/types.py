"""RSVPs and the school's invitation rules as GraphQL shows them (plain types, built eagerly)."""

from __future__ import annotations

from enum import Enum

import strawberry

from meetings.invitations.models import InvitationPolicy as InvitationPolicyRow
from tenants.graphql.types import User


@strawberry.enum
class RsvpResponse(Enum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TENTATIVE = "tentative"


@strawberry.type
class RsvpCounts:
    """The invitees' answers; `pending` have not answered."""

    accepted: int
    declined: int
    tentative: int
    pending: int


@strawberry.type
class MeetingRsvp:
    """One invitee's answer; `response` null is pending."""

    user: User
    response: RsvpResponse | None


@strawberry.type
class InvitationPolicy:
    parents_invited: bool = strawberry.field(
        description="Parents of the class's students get copies of the invitations, updates "
        "and cancellations (without join or reply links)."
    )


def invitation_policy_from(row: InvitationPolicyRow) -> InvitationPolicy:
    return InvitationPolicy(parents_invited=row.parents_invited)
