from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import strawberry
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone
from strawberry.types import Info

from meetings.graphql import types as t
from meetings.graphql.build import meeting_from, meetings_for
from meetings.graphql.classes import school_class_from, students_counted
from meetings.models import Meeting
from meetings.policy import (
    access_meeting,
    can_manage_class,
    children_of,
    class_students_visible,
    classes_visible,
    meetings_visible,
)
from meetings.selectors import scheduling_policy, zoom_connection_for
from meetings.services.connections import zoom_callback_url, zoom_webhook_url
from meetings.zoom.app_guide import ZOOM_APP_SCOPES, ZOOM_EVENT_TYPES
from meetings.zoom.factory import zoom_settings
from tenants.accounts.models import Role
from tenants.accounts.models import User as UserRow
from tenants.connection import tenant_connection
from tenants.crypto import secret_hint
from tenants.graphql.context import NotAllowed, page_limit, require_admin, require_user
from tenants.graphql.selection import selected
from tenants.graphql.types import User, user_from
from tenants.ids import pk_or_none
from tenants.models import Organisation
from tenants.school.models import SchoolClass
from tenants.selectors import school_timezone


def _students_can_see(
    user: UserRow, school_class: SchoolClass, students: Iterable[UserRow]
) -> list[User]:
    allowed = set(class_students_visible(user, school_class).values_list("pk", flat=True))
    return [user_from(s) for s in students if s.pk in allowed]


def meetings_when(
    rows: QuerySet[Meeting], *, when: t.MeetingWhen | None, now: datetime
) -> QuerySet[Meeting]:
    """Upcoming: scheduled and not over by the clock (a class that never started and whose
    time has passed is past, never "coming up"); live: started; past: ended, or cancelled or
    never started and over by the clock."""
    over = Q(end_at__lte=now)
    rows = rows.annotate(
        end_at=ExpressionWrapper(
            F("start_time") + F("duration_minutes") * timedelta(minutes=1),
            output_field=DateTimeField(),
        )
    )
    if when == t.MeetingWhen.UPCOMING:
        return (
            rows.filter(status=Meeting.Status.SCHEDULED).exclude(over).order_by("start_time", "pk")
        )
    if when == t.MeetingWhen.LIVE:
        return rows.filter(status=Meeting.Status.STARTED).order_by("start_time", "pk")
    if when == t.MeetingWhen.PAST:
        return rows.filter(
            Q(status=Meeting.Status.ENDED)
            | (Q(status__in=(Meeting.Status.SCHEDULED, Meeting.Status.CANCELLED)) & over)
        ).order_by("-start_time", "-pk")
    return rows.order_by("start_time", "pk")


@strawberry.type
class MeetingsQuery:
    @strawberry.field(description="Classes the viewer teaches, attends, or follows as parent.")
    def classes(self, info: Info) -> list[t.SchoolClass]:
        user = require_user(info)
        rows = classes_visible(user).prefetch_related("teachers", "students").order_by("name")
        result = []
        for row in rows:
            students = students_counted(list(row.students.all()))
            if can_manage_class(user, row):
                shown = [user_from(s) for s in students]
            else:
                shown = _students_can_see(user, row, students)
            result.append(school_class_from(row, shown))
        return result

    @strawberry.field
    def meeting(self, info: Info, id: strawberry.ID) -> t.Meeting:
        user = require_user(info)
        fields = selected(info)
        (meeting,) = meetings_for([access_meeting(user, id, to="read")], fields, viewer=user)
        return meeting_from(meeting, user, fields)

    @strawberry.field(description="Meetings the viewer may see, newest activity first.")
    def meetings(
        self,
        info: Info,
        when: t.MeetingWhen | None = None,
        class_id: strawberry.ID | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> t.MeetingPage:
        user = require_user(info)
        now = timezone.now()
        rows = meetings_visible(user)
        rows = meetings_when(rows, when=when, now=now)
        if class_id is not None:
            class_pk = pk_or_none(class_id)
            rows = rows.filter(school_class_id=class_pk) if class_pk else rows.none()
        limit = page_limit(limit)
        total = rows.count()
        fields = selected(info, "items")
        page = meetings_for(rows[max(offset, 0) : max(offset, 0) + limit], fields, viewer=user)
        return t.MeetingPage(
            items=[meeting_from(m, user, fields) for m in page],
            total_count=total,
            has_more=offset + limit < total,
        )

    @strawberry.field(
        description="A parent's children, by name, each with the classes still to come that"
        " the child is in (at most `limit` each; parents only)."
    )
    def children_sessions(self, info: Info, limit: int = 5) -> list[t.ChildSessions]:
        user = require_user(info)
        if user.role != Role.PARENT:
            raise NotAllowed("Only parents have children here.")
        limit = min(page_limit(limit), 20)
        fields = selected(info, "upcoming")
        result = []
        for child in children_of(user):
            rows = meetings_when(
                meetings_visible(user).filter(pk__in=meetings_visible(child).values("pk")),
                when=t.MeetingWhen.UPCOMING,
                now=timezone.now(),
            )
            page = meetings_for(rows[:limit], fields, viewer=user)
            result.append(
                t.ChildSessions(
                    child=user_from(child), upcoming=[meeting_from(m, user, fields) for m in page]
                )
            )
        return result

    @strawberry.field(description="The school's scheduling rules.")
    def scheduling_policy(self, info: Info) -> t.SchedulingPolicy:
        require_user(info)
        return t.scheduling_policy_from(scheduling_policy(), timezone=school_timezone())

    @strawberry.field(description="The school's Zoom app (admins); secrets are never returned.")
    def zoom_settings(self, info: Info) -> t.ZoomSettings:
        require_admin(info)
        zoom = zoom_settings()
        school = Organisation.objects.get(schema_name=tenant_connection().schema_name)
        return t.ZoomSettings(
            client_id=zoom.client_id,
            client_secret_hint=secret_hint(zoom.client_secret),
            account_id=zoom.account_id,
            account_host_user=zoom.account_host_user,
            redirect_url=zoom_callback_url(slug=school.slug),
            webhook_url=zoom_webhook_url(slug=school.slug),
            webhook_secret_hint=secret_hint(zoom.webhook_secret_token),
            configured=zoom.has_app_credentials and bool(zoom.webhook_secret_token),
            scopes=list(ZOOM_APP_SCOPES),
            event_types=list(ZOOM_EVENT_TYPES),
            api_base_url=zoom.api_base_url,
            oauth_base_url=zoom.oauth_base_url,
            last_test=t.ZoomTest(
                ok=zoom.last_test_result == "ok",
                outcome=zoom.last_test_result,
                message=zoom.last_test_message,
                tested_at=zoom.last_test_at,
                zoom_status=zoom.last_test_zoom_status,
                zoom_code=zoom.last_test_zoom_code,
            )
            if zoom.last_test_at
            else None,
        )

    @strawberry.field(
        description="Whether the school's Zoom app is set up, so that teachers can connect"
        " their own Zoom (teachers and admins; false for others)."
    )
    def zoom_connect_ready(self, info: Info) -> bool:
        user = require_user(info)
        if user.role not in (Role.TEACHER, Role.ADMIN):
            return False
        return zoom_settings().has_app_credentials

    @strawberry.field(description="The viewer's own Zoom connection.")
    def my_zoom_connection(self, info: Info) -> t.ZoomConnection | None:
        user = require_user(info)
        conn = zoom_connection_for(user=user)
        if conn is None:
            return None
        return t.ZoomConnection(
            status=conn.status,
            zoom_email=conn.zoom_email,
            expires_at=conn.expires_at,
            scopes=conn.scopes.split(),
            last_error=conn.last_error,
        )
