"""Inviting and revoking guests (those who manage the meeting: its host, the class's teachers,
admins). Answers carry typed errors."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

import meetings.graphql.errors  # noqa: F401 - registers meetings' typed errors
from meetings.guests import services
from meetings.guests.graphql.types import Guest, guest_from
from meetings.policy import access_guest, access_meeting
from tenants.graphql.context import client_ip, require_user
from tenants.graphql.errors import FieldError, fail, typed_errors


@strawberry.type
class GuestPayload:
    guest: Guest | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class GuestsMutation:
    @strawberry.mutation(
        description="Invite a guest (name, email) to a class, or with wholeSeries to every "
        "session of its series; they get an email with their personal link."
    )
    @typed_errors(GuestPayload)
    def invite_guest(
        self,
        info: Info,
        meeting_id: strawberry.ID,
        name: str,
        email: str,
        whole_series: bool = False,
    ) -> GuestPayload:
        user = require_user(info)
        meeting = access_meeting(user, meeting_id, to="manage")
        if whole_series and meeting.series is None:
            raise fail("This class is not part of a series.", field="wholeSeries")
        guest = services.guest_invite(
            meeting=None if whole_series else meeting,
            series=meeting.series if whole_series else None,
            name=name,
            email=email,
            by=user,
            ip=client_ip(info),
        )
        return GuestPayload(guest=guest_from(guest), errors=[])

    @strawberry.mutation(description="Withdraw a guest's invitation: their link stops working.")
    @typed_errors(GuestPayload)
    def revoke_guest(self, info: Info, guest_id: strawberry.ID) -> GuestPayload:
        user = require_user(info)
        guest = services.guest_revoke(
            guest=access_guest(user, guest_id), by=user, ip=client_ip(info)
        )
        return GuestPayload(guest=guest_from(guest), errors=[])
