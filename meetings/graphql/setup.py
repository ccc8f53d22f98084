"""A school's setup as its admins see it: the getting-started checklist and the teachers' Zoom
connections. Admins of the school only."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from meetings.selectors import school_setup_steps, zoom_connections_of_teachers
from tenants.graphql.context import page_limit, require_admin
from tenants.graphql.types import User, user_from


@strawberry.enum(description="A step on a new school's way to its first class.")
class GettingStartedKey(Enum):
    EMAIL_CONFIRMED = "email_confirmed"
    ZOOM_CONFIGURED = "zoom_configured"
    ZOOM_TESTED = "zoom_tested"
    TEACHER_INVITED = "teacher_invited"
    TEACHER_CONNECTED = "teacher_connected"
    CLASS_CREATED = "class_created"
    CLASS_SCHEDULED = "class_scheduled"
    PEOPLE_IMPORTED = "people_imported"


@strawberry.type
class GettingStartedStep:
    key: GettingStartedKey
    done: bool
    count: int = strawberry.field(
        description="How many there are (teachers, connected teachers, classes, sessions, "
        "students and parents); 0 for the other steps."
    )


@strawberry.type(description="Where a school stands on the way to its first class.")
class GettingStarted:
    steps: list[GettingStartedStep]
    done_count: int
    complete: bool
    next_step: GettingStartedKey | None = strawberry.field(
        description="The first step not done, in order; null when all are."
    )


@strawberry.enum
class ZoomConnectionStatus(Enum):
    ACTIVE = "active"
    NEEDS_RECONNECT = "needs_reconnect"
    REVOKED = "revoked"
    NONE = "none"


@strawberry.type(description="A teacher and their own Zoom connection (admins).")
class TeacherZoomConnection:
    person: User
    active: bool = strawberry.field(
        description="The person has signed in (false: their invitation is pending)."
    )
    status: ZoomConnectionStatus
    zoom_email: str
    connected_at: datetime | None
    refreshed_at: datetime | None
    last_error: str
    scopes: list[str]


@strawberry.type
class TeacherZoomConnectionPage:
    items: list[TeacherZoomConnection]
    total_count: int


@strawberry.type
class SchoolSetupQuery:
    @strawberry.field(
        description="The admins' getting-started checklist, computed from the school's data."
    )
    def getting_started(self, info: Info) -> GettingStarted:
        require_admin(info)
        steps = [
            GettingStartedStep(key=GettingStartedKey(s.key), done=s.done, count=s.count)
            for s in school_setup_steps()
        ]
        todo = [s.key for s in steps if not s.done]
        return GettingStarted(
            steps=steps,
            done_count=len(steps) - len(todo),
            complete=not todo,
            next_step=todo[0] if todo else None,
        )

    @strawberry.field(
        description="The school's teachers with their Zoom connections, by name (admins); "
        "revoke one with revokeZoomConnection."
    )
    def zoom_connections(
        self, info: Info, limit: int = 50, offset: int = 0
    ) -> TeacherZoomConnectionPage:
        require_admin(info)
        rows = zoom_connections_of_teachers()
        limit = page_limit(limit)
        start = max(offset, 0)
        items = []
        for person in rows[start : start + limit]:
            conn = getattr(person, "zoom_connection", None)
            items.append(
                TeacherZoomConnection(
                    person=user_from(person),
                    active=person.is_active,
                    status=ZoomConnectionStatus(conn.status if conn else "none"),
                    zoom_email=conn.zoom_email if conn else "",
                    connected_at=conn.connected_at if conn else None,
                    refreshed_at=conn.refreshed_at if conn else None,
                    last_error=conn.last_error if conn else "",
                    scopes=conn.scopes.split() if conn else [],
                )
            )
        return TeacherZoomConnectionPage(items=items, total_count=rows.count())
