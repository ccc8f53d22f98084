from __future__ import annotations

import strawberry
from strawberry.types import Info

from attendance.graphql import types as t
from attendance.graphql.exports import export_from
from attendance.people import data_export_access
from attendance.policy import access_student, records_visible
from attendance.register import session_register
from attendance.selectors import live_counts, register_cells, unmatched_participants
from attendance.services import attendance_policy_row
from meetings.graphql.build import meeting_from, meetings_for
from meetings.models import Meeting
from meetings.policy import (
    access_class,
    access_meeting,
    can_manage_meeting,
    class_students_visible,
    meetings_visible,
)
from tenants.accounts.models import Role, User
from tenants.graphql.context import NotAllowed, require_user
from tenants.graphql.selection import selected
from tenants.graphql.types import person_from, user_from
from tenants.ids import pk_or_zero


def _history(viewer: User, student: User) -> list[t.StudentAttendance]:
    """`student`'s records that `viewer` may read, newest class first."""
    records = (
        records_visible(viewer)
        .filter(student=student)
        .select_related("meeting", "meeting__school_class")
        .order_by("-meeting__start_time", "-meeting_id")
    )
    return [
        t.StudentAttendance(
            meeting_id=strawberry.ID(str(r.meeting_id)),
            meeting_title=r.meeting.title,
            start_time=r.meeting.start_time,
            status=t.AttendanceStatus(r.status),
            attended_seconds=r.attended_seconds,
            is_final=r.is_final,
            class_id=(
                strawberry.ID(str(r.meeting.school_class_id)) if r.meeting.school_class_id else None
            ),
            class_name=r.meeting.school_class.name if r.meeting.school_class else None,
            overridden=bool(r.override_status),
            override_reason=r.override_reason,
        )
        for r in records
    ]


@strawberry.type
class AttendanceQuery:
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
                teacher=person_from(m.host),
                started_at=m.actual_start,
                participant_count=counts.get(m.pk, 0),
            )
            for m in managed
        ]

    @strawberry.field(description="A class's register: one row per student, one cell per meeting.")
    def class_attendance(self, info: Info, class_id: strawberry.ID) -> t.ClassAttendance:
        user = require_user(info)
        school_class = access_class(user, class_id, to="read")
        students = list(class_students_visible(user, school_class).order_by("name", "email"))
        fields = selected(info, "meetings")
        meetings = meetings_for(
            meetings_visible(user)
            .filter(school_class=school_class)
            .exclude(status=Meeting.Status.CANCELLED)
            .order_by("start_time"),
            fields,
            viewer=user,
        )
        records = (
            register_cells(
                meeting_ids=[m.pk for m in meetings], student_ids=[s.pk for s in students]
            )
            if "rows" in selected(info)
            else {}
        )
        return t.ClassAttendance(
            meetings=[meeting_from(m, user, fields) for m in meetings],
            rows=[
                t.AttendanceRow(
                    student=user_from(s),
                    cells=[
                        t.AttendanceCell(
                            meeting_id=strawberry.ID(str(m.pk)),
                            status=t.AttendanceStatus(rec.status) if rec else None,
                            attended_seconds=rec.attended_seconds if rec else 0,
                            is_final=rec.is_final if rec else False,
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
        target = access_student(user, student_id)
        return _history(user, target)

    @strawberry.field(
        description="A parent's children, each with their attendance (parents; empty for"
        " others), sorted by name."
    )
    def children_attendance(self, info: Info) -> list[t.ChildAttendance]:
        user = require_user(info)
        if user.role != Role.PARENT:
            return []
        children = User.objects.filter(
            parent_links__parent=user, is_active=True, deleted_at__isnull=True
        ).order_by("name", "email")
        return [
            t.ChildAttendance(student=user_from(child), attendance=_history(user, child))
            for child in children
        ]

    @strawberry.field(
        description="A session's attendance: the register of every expected student (a"
        " student sees their own row, a parent their children's), the guests (managers) and"
        " the join/leave timeline."
    )
    def session_attendance(self, info: Info, meeting_id: strawberry.ID) -> t.SessionAttendance:
        user = require_user(info)
        meeting = access_meeting(user, meeting_id, to="read")
        register = session_register(meeting=meeting, viewer=user)
        return t.SessionAttendance(
            meeting_id=strawberry.ID(str(meeting.pk)),
            can_manage=register.manages,
            window_start=register.window_start,
            window_end=register.window_end,
            final=register.final,
            rows=[
                t.RegisterRow(
                    student=user_from(r.student),
                    status=t.AttendanceStatus(r.status),
                    computed_status=t.AttendanceStatus(r.computed_status),
                    attended_seconds=r.attended_seconds,
                    share=r.share,
                    is_final=r.is_final,
                    recorded=r.recorded,
                    overridden=r.overridden,
                    override_reason=r.override_reason,
                    first_joined_at=r.first_joined_at,
                    last_left_at=r.last_left_at,
                )
                for r in register.rows
            ],
            guests=[
                t.GuestAttendanceRecord(
                    guest_id=strawberry.ID(str(g.guest_id)),
                    name=g.guest.name,
                    role=t.ParticipantRole.GUEST,
                    status=t.AttendanceStatus(g.status),
                    attended_seconds=g.attended_seconds,
                    is_final=g.is_final,
                )
                for g in register.guests
            ],
            timeline=[
                t.TimelineRow(
                    key=row.key,
                    name=row.name,
                    role=t.ParticipantRole(row.role),
                    student_id=strawberry.ID(str(row.student_id)) if row.student_id else None,
                    segments=[
                        t.TimelineSegment(
                            joined_at=seg.joined_at, left_at=seg.left_at, verified=seg.verified
                        )
                        for seg in row.segments
                    ],
                )
                for row in register.timeline
            ],
        )

    @strawberry.field(
        description="Participants to resolve (the meeting's teachers): those nobody could"
        " identify, and those matched only by a name or email typed into Zoom, with the evidence."
    )
    def unmatched_participants(
        self, info: Info, meeting_id: strawberry.ID
    ) -> list[t.UnmatchedParticipant]:
        user = require_user(info)
        meeting = access_meeting(user, meeting_id, to="manage")
        return [
            t.UnmatchedParticipant(
                key=row["key"],
                name=row["name"],
                email=row["email"],
                suggested=person_from(row["suggested"]) if row["suggested"] else None,
                matched_by=row["matched_by"],
                joined_at=row["joined_at"],
                left_at=row["left_at"],
            )
            for row in unmatched_participants(meeting=meeting)
        ]

    @strawberry.field
    def attendance_policy(self, info: Info) -> t.AttendancePolicy:
        require_user(info)
        row = attendance_policy_row()
        return t.AttendancePolicy(
            present_minutes=row.present_minutes,
            present_share=row.present_share,
            grace_minutes=row.grace_minutes,
            unverified_matches_count=row.unverified_matches_count,
        )

    @strawberry.field(description="A data export: its person's or, for admins, anyone's.")
    def export(self, info: Info, id: strawberry.ID) -> t.DataExport | None:
        user = require_user(info)
        export = data_export_access(export_id=pk_or_zero(id), user=user)
        return None if export is None else export_from(export)
