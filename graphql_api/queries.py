from __future__ import annotations

from datetime import datetime, timedelta

import strawberry
from django.db.models import Q
from django.utils import timezone
from strawberry.types import Info

from attendance.selectors import records_visible, unmatched_participants
from attendance.services import attendance_policy_row, live_counts
from graphql_api import types as t
from graphql_api.build import meeting_from, meeting_queryset
from graphql_api.context import NotAllowed, require_admin, require_user, viewer
from meetings.models import Meeting
from meetings.policy import (
    can_manage_class,
    can_manage_meeting,
    class_students_visible,
    classes_visible,
    meetings_visible,
)
from meetings.selectors import zoom_connection_for
from meetings.zoom.factory import zoom_settings
from tenants.accounts.models import Role, User
from tenants.audit.models import AuditEntry
from tenants.crypto import secret_hint

MAX_PAGE = 100


def _limit(value: int) -> int:
    if not 1 <= value <= MAX_PAGE:
        raise NotAllowed(f"limit must be from 1 to {MAX_PAGE}.")
    return value


def _visible_meeting(user, meeting_id) -> Meeting:
    meeting = meeting_queryset(meetings_visible(user)).filter(pk=meeting_id).first()
    if meeting is None:
        raise NotAllowed("No such meeting.")  # the same answer for "not yours"
    return meeting


def _students_can_see(user, school_class, students) -> list[t.User]:
    allowed = set(class_students_visible(user, school_class).values_list("pk", flat=True))
    return [t.user_from(s) for s in students if s.pk in allowed]


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user.")
    def me(self, info: Info) -> t.User | None:
        user = viewer(info)
        if not (user.is_authenticated and user.is_active):
            return None
        return t.user_from(user)

    @strawberry.field(description="Classes the viewer teaches, attends, or follows as parent.")
    def classes(self, info: Info) -> list[t.SchoolClass]:
        user = require_user(info)
        rows = classes_visible(user).prefetch_related("teachers", "students").order_by("name")
        result = []
        for row in rows:
            students = list(row.students.all())
            if can_manage_class(user, row):
                shown = [t.user_from(s) for s in students]
            else:
                shown = _students_can_see(user, row, students)
            result.append(
                t.SchoolClass(
                    id=strawberry.ID(str(row.pk)),
                    name=row.name,
                    teachers=[t.person_from(p) for p in row.teachers.all()],
                    students=shown,
                )
            )
        return result

    @strawberry.field
    def meeting(self, info: Info, id: strawberry.ID) -> t.Meeting:
        user = require_user(info)
        return meeting_from(_visible_meeting(user, id), user)

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
        if when == t.MeetingWhen.UPCOMING:
            rows = rows.filter(
                status=Meeting.Status.SCHEDULED, start_time__gte=now - timedelta(hours=1)
            )
            rows = rows.order_by("start_time", "pk")
        elif when == t.MeetingWhen.LIVE:
            rows = rows.filter(status=Meeting.Status.STARTED).order_by("start_time", "pk")
        elif when == t.MeetingWhen.PAST:
            rows = rows.filter(
                Q(status=Meeting.Status.ENDED) | Q(start_time__lt=now - timedelta(days=1))
            ).order_by("-start_time", "-pk")
        else:
            rows = rows.order_by("start_time", "pk")
        if class_id is not None:
            rows = rows.filter(school_class_id=class_id)
        limit = _limit(limit)
        total = rows.count()
        page = list(meeting_queryset(rows)[max(offset, 0) : max(offset, 0) + limit])
        return t.MeetingPage(
            items=[meeting_from(m, user) for m in page],
            total_count=total,
            has_more=offset + limit < total,
        )

    @strawberry.field(description="Classes running now (admins: all; teachers: theirs).")
    def live_classes(self, info: Info) -> list[t.LiveClass]:
        user = require_user(info)
        if user.role not in (Role.ADMIN, Role.TEACHER):
            raise NotAllowed("Only teachers and admins see live classes.")
        rows = meetings_visible(user).filter(status=Meeting.Status.STARTED)
        rows = rows.select_related("host", "school_class").prefetch_related(
            "school_class__teachers"
        )
        managed = [m for m in rows.order_by("actual_start") if can_manage_meeting(user, m)]
        counts = live_counts(managed)
        return [
            t.LiveClass(
                id=strawberry.ID(str(m.pk)),
                title=m.title,
                teacher=t.person_from(m.host),
                started_at=m.actual_start,
                participant_count=counts.get(m.pk, 0),
            )
            for m in managed
        ]

    @strawberry.field(description="A class's register: one row per student, one cell per meeting.")
    def class_attendance(self, info: Info, class_id: strawberry.ID) -> t.ClassAttendance:
        user = require_user(info)
        school_class = classes_visible(user).filter(pk=class_id).first()
        if school_class is None:
            raise NotAllowed("No such class.")
        students = list(class_students_visible(user, school_class).order_by("name", "email"))
        meetings = list(
            meeting_queryset(
                meetings_visible(user)
                .filter(school_class=school_class)
                .exclude(status=Meeting.Status.CANCELLED)
            ).order_by("start_time")
        )
        records = {  # prefetched with the meetings
            (r.meeting_id, r.student_id): r for m in meetings for r in m.attendance_records.all()
        }
        return t.ClassAttendance(
            meetings=[meeting_from(m, user) for m in meetings],
            rows=[
                t.AttendanceRow(
                    student=t.user_from(s),
                    cells=[
                        t.AttendanceCell(
                            meeting_id=strawberry.ID(str(m.pk)),
                            status=t.AttendanceStatus(rec.status) if rec else None,
                            attended_seconds=rec.attended_seconds if rec else 0,
                        )
                        for m in meetings
                        for rec in [records.get((m.pk, s.pk))]
                    ],
                )
                for s in students
            ],
        )

    @strawberry.field(
        description="A student's attendance: their own, a parent's child's, or a "
        "student of the viewer's classes."
    )
    def student_attendance(
        self, info: Info, student_id: strawberry.ID | None = None
    ) -> list[t.StudentAttendance]:
        user = require_user(info)
        target = user if student_id is None else User.objects.filter(pk=student_id).first()
        allowed = target is not None and (
            target.pk == user.pk
            or user.role == Role.ADMIN
            or (user.role == Role.PARENT and target.parent_links.filter(parent=user).exists())
            or (
                user.role == Role.TEACHER and target.classes_enrolled.filter(teachers=user).exists()
            )
        )
        if not allowed:
            raise NotAllowed("No such student.")
        records = (
            records_visible(user)
            .filter(student=target)
            .select_related("meeting")
            .order_by("-meeting__start_time")
        )
        return [
            t.StudentAttendance(
                meeting_id=strawberry.ID(str(r.meeting_id)),
                meeting_title=r.meeting.title,
                start_time=r.meeting.start_time,
                status=t.AttendanceStatus(r.status),
                attended_seconds=r.attended_seconds,
            )
            for r in records
        ]

    @strawberry.field(description="Participants nobody could identify (the meeting's teachers).")
    def unmatched_participants(
        self, info: Info, meeting_id: strawberry.ID
    ) -> list[t.UnmatchedParticipant]:
        user = require_user(info)
        meeting = _visible_meeting(user, meeting_id)
        if not can_manage_meeting(user, meeting):
            raise NotAllowed("No such meeting.")
        return [t.UnmatchedParticipant(**row) for row in unmatched_participants(meeting=meeting)]

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
        if since:
            rows = rows.filter(created_at__gte=since)
        if until:
            rows = rows.filter(created_at__lt=until)
        limit = _limit(limit)
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

    @strawberry.field(description="The school's Zoom app (admins); secrets are never returned.")
    def zoom_settings(self, info: Info) -> t.ZoomSettings:
        require_admin(info)
        zoom = zoom_settings()
        return t.ZoomSettings(
            client_id=zoom.client_id,
            client_secret_hint=secret_hint(zoom.client_secret),
            account_id=zoom.account_id,
            account_host_user=zoom.account_host_user,
            redirect_url=zoom.redirect_url,
            webhook_secret_hint=secret_hint(zoom.webhook_secret_token),
            api_base_url=zoom.api_base_url,
            oauth_base_url=zoom.oauth_base_url,
            last_test=t.ZoomTest(
                ok=zoom.last_test_result == "ok",
                outcome=zoom.last_test_result,
                message=zoom.last_test_message,
                tested_at=zoom.last_test_at,
            )
            if zoom.last_test_at
            else None,
        )

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

    @strawberry.field
    def attendance_policy(self, info: Info) -> t.AttendancePolicy:
        require_user(info)
        row = attendance_policy_row()
        return t.AttendancePolicy(
            present_minutes=row.present_minutes,
            present_share=row.present_share,
            grace_minutes=row.grace_minutes,
        )
