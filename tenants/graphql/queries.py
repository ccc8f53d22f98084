from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from django.utils import timezone
from strawberry.types import Info

from tenants.accounts.selectors import api_tokens_visible
from tenants.audit.models import AuditEntry
from tenants.confirmation import school_here
from tenants.graphql import types as t
from tenants.graphql.context import page_limit, require_admin, require_user, viewer
from tenants.graphql.retention import retention_policy_out


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if timezone.is_naive(moment) else moment


@strawberry.type
class TenantsQuery:
    @strawberry.field(description="The signed-in user.")
    def me(self, info: Info) -> t.User | None:
        user = viewer(info)
        if not (user.is_authenticated and user.is_active):
            return None
        return t.user_from(user)

    @strawberry.field(
        description="Whether the school admin's email is confirmed (signed-in people); until "
        "it is, the school cannot reach Zoom and the app shows a banner."
    )
    def email_confirmation(self, info: Info) -> t.EmailConfirmation:
        user = require_user(info)
        school = school_here()
        confirmed_at = school.admin_email_confirmed_at if school is not None else None
        return t.EmailConfirmation(
            confirmed=confirmed_at is not None,
            confirmed_at=confirmed_at,
            can_resend=confirmed_at is None and user.is_school_admin,
        )

    @strawberry.field(description="The audit log (admins).")
    def audit_log(
        self,
        info: Info,
        action: str | None = None,
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> t.AuditPage:
        require_admin(info)
        rows = AuditEntry.objects.all()
        if action:
            rows = rows.filter(action__startswith=action)
        if actor:
            rows = rows.filter(actor_label__icontains=actor)
        # A time without an offset is read as UTC, the log's own (found by the GraphQL fuzzer:
        # Django guessed, with a warning, for every such query).
        if since:
            rows = rows.filter(created_at__gte=_utc(since))
        if until:
            rows = rows.filter(created_at__lt=_utc(until))
        limit = page_limit(limit)
        total = rows.count()
        return t.AuditPage(
            items=[
                t.AuditEntry(
                    id=strawberry.ID(str(e.pk)),
                    created_at=e.created_at,
                    actor=e.actor_label,
                    action=e.action,
                    target_type=e.target_type,
                    target_id=e.target_id,
                    details=e.details,
                )
                for e in rows[max(offset, 0) : max(offset, 0) + limit]
            ],
            total_count=total,
        )

    @strawberry.field(
        description="Your API tokens, newest first; admins may ask for everyone's in the school."
    )
    def api_tokens(
        self,
        info: Info,
        everyone: bool = False,
        active_only: bool = True,
        limit: int = 50,
        offset: int = 0,
    ) -> list[t.ApiToken]:
        user = require_admin(info) if everyone else require_user(info)
        now = timezone.now()
        rows = api_tokens_visible(viewer=user, everyone=everyone, active_only=active_only)
        limit = page_limit(limit)
        start = max(offset, 0)
        return [t.api_token_from(row, now=now) for row in rows[start : start + limit]]

    @strawberry.field(description="The school's retention policy (admins).")
    def retention_policy(self, info: Info) -> t.RetentionPolicy:
        require_admin(info)
        return retention_policy_out()
