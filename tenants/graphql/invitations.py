"""Inviting people (admins): `invitePerson`, `resendInvitation`, `revokeInvitation` and
`pendingInvitations`. The behaviour is tenants.accounts.invitations'."""

from __future__ import annotations

from datetime import datetime

import strawberry
from django.utils import timezone
from strawberry.types import Info

from tenants.accounts.invitations import (
    AlreadyMember,
    InvitationNotFound,
    invitation_resend,
    invitation_revoke,
    person_invite,
)
from tenants.accounts.models import Invitation as InvitationRow
from tenants.accounts.models import Role as RoleCode
from tenants.accounts.selectors import invitations_pending
from tenants.graphql import types as t
from tenants.graphql.context import client_ip, page_limit, require_admin
from tenants.graphql.errors import FieldError, error_code, typed_errors
from tenants.ids import pk_or_zero

error_code(AlreadyMember, "already_member")
error_code(InvitationNotFound, "not_found")

CODE_FROM_ROLE: dict[t.Role, RoleCode] = {
    role: RoleCode(code) for code, role in t.ROLE_FROM_CODE.items()
}


@strawberry.type(description="An invitation not yet accepted nor revoked.")
class PersonInvitation:
    id: strawberry.ID
    person: t.User
    role: t.Role
    invited_by: t.Person | None
    created_at: datetime
    expires_at: datetime
    expired: bool
    sent_count: int = strawberry.field(description="Mails sent for it (0: none yet).")
    last_sent_at: datetime | None


def invitation_from(row: InvitationRow, *, now: datetime) -> PersonInvitation:
    return PersonInvitation(
        id=strawberry.ID(str(row.pk)),
        person=t.user_from(row.user),
        role=t.ROLE_FROM_CODE.get(row.role, t.Role.STUDENT),
        invited_by=t.person_from(row.invited_by) if row.invited_by is not None else None,
        created_at=row.created_at,
        expires_at=row.expires_at,
        expired=row.expires_at <= now,
        sent_count=row.sent_count,
        last_sent_at=row.last_sent_at,
    )


@strawberry.type
class PersonInvitationPage:
    items: list[PersonInvitation]
    total_count: int


@strawberry.type
class PersonInvitationPayload:
    invitation: PersonInvitation | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class PeopleInvitationsQuery:
    @strawberry.field(
        description="Invitations not yet accepted nor revoked, newest first (admins)."
    )
    def pending_invitations(
        self, info: Info, limit: int = 50, offset: int = 0
    ) -> PersonInvitationPage:
        require_admin(info)
        limit = page_limit(limit)
        start = max(offset, 0)
        rows = invitations_pending()
        now = timezone.now()
        return PersonInvitationPage(
            items=[invitation_from(row, now=now) for row in rows[start : start + limit]],
            total_count=rows.count(),
        )


@strawberry.type
class PeopleInvitationsMutation:
    @strawberry.mutation(
        description="Invite a teacher, student (with `classIds`) or parent (with `childIds`) by "
        "email (admins): they get a single-use link to choose their password. Inviting someone "
        "whose invitation is pending sends a new link."
    )
    @typed_errors(PersonInvitationPayload)
    def invite_person(
        self,
        info: Info,
        email: str,
        name: str,
        role: t.Role,
        class_ids: list[strawberry.ID] | None = None,
        child_ids: list[strawberry.ID] | None = None,
    ) -> PersonInvitationPayload:
        admin = require_admin(info)
        row = person_invite(
            email=email,
            name=name,
            role=CODE_FROM_ROLE[role],
            by=admin,
            class_ids=[pk_or_zero(i) for i in class_ids or ()],
            child_ids=[pk_or_zero(i) for i in child_ids or ()],
            ip=client_ip(info),
        )
        return PersonInvitationPayload(invitation=invitation_from(row, now=timezone.now()))

    @strawberry.mutation(description="Mail a pending invitation again; the old link dies.")
    @typed_errors(PersonInvitationPayload)
    def resend_invitation(self, info: Info, id: strawberry.ID) -> PersonInvitationPayload:
        admin = require_admin(info)
        row = invitation_resend(invitation_id=pk_or_zero(id), actor=admin, ip=client_ip(info))
        return PersonInvitationPayload(invitation=invitation_from(row, now=timezone.now()))

    @strawberry.mutation(description="Revoke a pending invitation: its link stops working.")
    @typed_errors(PersonInvitationPayload)
    def revoke_invitation(self, info: Info, id: strawberry.ID) -> PersonInvitationPayload:
        admin = require_admin(info)
        row = invitation_revoke(invitation_id=pk_or_zero(id), actor=admin, ip=client_ip(info))
        return PersonInvitationPayload(invitation=invitation_from(row, now=timezone.now()))
