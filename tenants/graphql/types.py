"""People as GraphQL shows them, and the audit log. Plain strawberry types built from rows by
`*_from` functions, so that nothing is resolved lazily later (on a websocket, lazily means
outside the tenant's schema)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from tenants.accounts.models import ApiToken as ApiTokenRow
from tenants.accounts.models import Role as RoleCode
from tenants.accounts.models import User as UserRow
from tenants.audit.models import AuditEntry as AuditEntryRow
from tenants.audit.selectors import MEETING_TARGET
from tenants.selectors import (
    person_language,
    person_timezone,
    school_language,
    school_timezone,
)


@strawberry.enum
class Role(Enum):
    ADMIN = "admin"
    TEACHER = "teacher"
    STUDENT = "student"
    PARENT = "parent"


# Keyed by the stored value (an int; RoleCode's members are ints).
ROLE_FROM_CODE: dict[int, Role] = {
    RoleCode.ADMIN: Role.ADMIN,
    RoleCode.TEACHER: Role.TEACHER,
    RoleCode.STUDENT: Role.STUDENT,
    RoleCode.PARENT: Role.PARENT,
}


@strawberry.type
class User:
    id: strawberry.ID
    email: str
    name: str
    role: Role


def user_from(row: UserRow) -> User:
    return User(
        id=strawberry.ID(str(row.pk)),
        email=row.email,
        name=row.name or row.email,
        role=ROLE_FROM_CODE.get(row.role, Role.STUDENT),
    )


# Role (GraphQL) → the stored code.
ROLE_TO_CODE: dict[Role, int] = {role: code for code, role in ROLE_FROM_CODE.items()}


@strawberry.type(description="A page of people (the pickers).")
class PeoplePage:
    items: list[User]
    total_count: int


@strawberry.type(description="The viewer's own name, language and time zone.")
class Preferences:
    name: str = strawberry.field(description='Their name as others see it ("" if unset).')
    language: str = strawberry.field(
        description='Their own choice (en, bn), or "" if unset: pages then follow the browser, '
        "mails the school's default."
    )
    effective_language: str = strawberry.field(
        description="What this request was answered in: theirs, else the browser's, else the "
        "school's default."
    )
    school_language: str = strawberry.field(description="The school's default language.")
    timezone: str = strawberry.field(description='Their own IANA zone, or "" if unset.')
    effective_timezone: str = strawberry.field(
        description="The zone their times are shown in: theirs, else the school's default."
    )
    school_timezone: str = strawberry.field(description="The school's default zone.")


def preferences_from(row: UserRow, *, accept_language: str = "") -> Preferences:
    """`accept_language`: the browser's Accept-Language header, if asked over HTTP."""
    zone = school_timezone()
    return Preferences(
        name=row.name,
        language=row.language,
        effective_language=person_language(user=row, accept_language=accept_language),
        school_language=school_language(),
        timezone=row.timezone,
        effective_timezone=person_timezone(user=row, school_zone=zone),
        school_timezone=zone,
    )


@strawberry.type
class Person:
    """Someone as others see them: a name."""

    id: strawberry.ID
    name: str


def person_from(row: UserRow) -> Person:
    return Person(id=strawberry.ID(str(row.pk)), name=row.name or row.email)


@strawberry.type
class AuditEntry:
    id: strawberry.ID
    created_at: datetime
    actor: str
    actor_id: strawberry.ID | None = strawberry.field(
        description="The person who acted, while they exist (null: Zoom, the platform, a guest)."
    )
    action: str
    target_type: str
    target_id: str
    meeting_id: strawberry.ID | None = strawberry.field(
        description="The meeting the entry is about, if it is about one."
    )
    details: strawberry.scalars.JSON


def audit_entry_from(row: AuditEntryRow) -> AuditEntry:
    return AuditEntry(
        id=strawberry.ID(str(row.pk)),
        created_at=row.created_at,
        actor=row.actor_label,
        actor_id=strawberry.ID(str(row.actor_id)) if row.actor_id else None,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        meeting_id=strawberry.ID(row.target_id)
        if row.target_type == MEETING_TARGET and row.target_id.isdigit()
        else None,
        details=row.details,
    )


@strawberry.type
class AuditPage:
    items: list[AuditEntry]
    total_count: int


@strawberry.type(description="An API token, without its secret (shown once, when made).")
class ApiToken:
    id: strawberry.ID
    name: str
    prefix: str = strawberry.field(description="The token's first characters, to recognise it.")
    owner: Person
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool = strawberry.field(
        description="Neither revoked nor expired. A token also stops working when its owner's "
        "password changes."
    )


def api_token_from(row: ApiTokenRow, *, now: datetime) -> ApiToken:
    return ApiToken(
        id=strawberry.ID(str(row.pk)),
        name=row.name,
        prefix=row.prefix,
        owner=person_from(row.user),
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        active=not row.revoked and row.expires_at > now,
    )


@strawberry.type(
    description="Whether the school admin's email address is confirmed: until it is, the "
    "school cannot reach Zoom."
)
class EmailConfirmation:
    confirmed: bool
    confirmed_at: datetime | None
    can_resend: bool = strawberry.field(description="The viewer (an admin) may ask for a new link.")


@strawberry.type(description="How long the school keeps what it may purge.")
class RetentionPolicy:
    audit_days: int = strawberry.field(
        description="Days audit entries (and their IP hashes) are kept; the school's choice."
    )
    audit_days_min: int
    audit_days_max: int
    zoom_link_days: int = strawberry.field(
        description="Days after a meeting its stored Zoom links are kept (platform setting)."
    )
