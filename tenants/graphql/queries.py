from __future__ import annotations

from datetime import datetime

import strawberry
from django.utils import timezone
from strawberry.types import Info

from tenants.accounts.models import Role as RoleCode
from tenants.accounts.selectors import api_tokens_visible
from tenants.audit.selectors import audit_actions, audit_entries
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
from tenants.ids import pk_or_zero
from tenants.school.selectors import people_pickable
from tenants.selectors import school_language, school_timezone
from tenants.text import text_problem

SEARCH_MAX = 200


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

    @strawberry.field(
        description="The audit log (admins), newest first. `action` matches a prefix "
        '("join." finds every join entry; "join.denied" the refused joins); `actor` a part of '
        "the actor's email or label; `personId` what a person did or what was done to them; "
        "`meetingId` what concerns a meeting (joins, denied joins, changes); `since` / `until` "
        "a time range (until excluded)."
    )
    def audit_log(
        self,
        info: Info,
        action: str | None = None,
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
        person_id: strawberry.ID | None = None,
        meeting_id: strawberry.ID | None = None,
    ) -> t.AuditPage:
        require_admin(info)
        for name, value in (("action", action), ("actor", actor)):
            if value and text_problem(value, max_length=SEARCH_MAX):
                raise NotAllowed(f"{name} must be plain text of at most {SEARCH_MAX} characters.")
        # An id that names no row finds nothing (never every entry, never an error).
        rows = audit_entries(
            action=action,
            actor=actor,
            person_id=None if person_id is None else pk_or_zero(person_id),
            meeting_id=None if meeting_id is None else pk_or_zero(meeting_id),
            since=since,
            until=until,
        )
        limit = page_limit(limit)
        start = max(offset, 0)
        return t.AuditPage(
            items=[t.audit_entry_from(e) for e in rows[start : start + limit]],
            total_count=rows.count(),
        )

    @strawberry.field(description="Every kind of action in the school's audit log (admins).")
    def audit_actions(self, info: Info) -> list[str]:
        require_admin(info)
        return audit_actions()

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
