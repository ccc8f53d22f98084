"""People as GraphQL shows them, and the audit log. Plain strawberry types built from rows by
`*_from` functions, so that nothing is resolved lazily later (on a websocket, lazily means
outside the tenant's schema)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from tenants.accounts.models import Role as RoleCode
from tenants.accounts.models import User as UserRow


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
    action: str
    target_type: str
    target_id: str
    details: strawberry.scalars.JSON


@strawberry.type
class AuditPage:
    items: list[AuditEntry]
    total_count: int
