from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from django.utils import timezone
from strawberry.types import Info

from tenants.accounts.models import Role as RoleCode
from tenants.accounts.selectors import api_tokens_visible
from tenants.audit.models import AuditEntry
from tenants.confirmation import school_here
from tenants.graphql import types as t
from tenants.graphql.context import (
    NotAllowed,
    accept_language,
    page_limit,
    require_admin,
    require_user,
    viewer,
)
from tenants.graphql.retention import retention_policy_out
from tenants.school.selectors import people_pickable
from tenants.selectors import school_language, school_timezone
from tenants.text import text_problem

SEARCH_MAX = 200


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

    @strawberry.field(
        description="People to pick, by name: admins get everyone in the school (of `role`, if "
        "given), teachers the students of their classes. `search` matches name or email."
    )
    def people(
        self,
        info: Info,
        role: t.Role | None = None,
        search: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> t.PeoplePage:
        user = require_user(info)
        if user.role not in (RoleCode.ADMIN, RoleCode.TEACHER):
            raise NotAllowed("Only admins and teachers can list people.")
        if search and text_problem(search, max_length=SEARCH_MAX):
            raise NotAllowed(f"search must be plain text of at most {SEARCH_MAX} characters.")
        limit = page_limit(limit)
        start = max(offset, 0)
        rows = people_pickable(
            viewer=user,
            role=t.ROLE_TO_CODE[role] if role is not None else None,
            search=search or "",
        )
        return t.PeoplePage(
            items=[t.user_from(row) for row in rows[start : start + limit]],
            total_count=rows.count(),
        )

    @strawberry.field(description="The viewer's own language and time zone.")
    def my_preferences(self, info: Info) -> t.Preferences:
        return t.preferences_from(require_user(info), accept_language=accept_language(info))

    @strawberry.field(description="The school's default time zone (admins).")
    def school_timezone(self, info: Info) -> str:
        require_admin(info)
        return school_timezone()

    @strawberry.field(description="The school's default language (admins).")
    def school_language(self, info: Info) -> str:
        require_admin(info)
        return school_language()

    @strawberry.field(description="The school's retention policy (admins).")
    def retention_policy(self, info: Info) -> t.RetentionPolicy:
        require_admin(info)
        return retention_policy_out()
