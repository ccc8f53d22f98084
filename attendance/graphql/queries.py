from __future__ import annotations

import strawberry
from strawberry.types import Info

from attendance.graphql import types as t
from attendance.graphql.exports import export_from
from attendance.people import data_export_access
from attendance.policy import access_student, records_visible
from attendance.selectors import live_counts, unmatched_participants
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
from tenants.accounts.models import Role
from tenants.graphql.context import NotAllowed, require_user
from tenants.graphql.selection import selected
from tenants.graphql.types import person_from, user_from
from tenants.ids import pk_or_zero


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
        # The cells read the records prefetched with the meetings, asked for or not.
        fetch = fields | {"attendance"} if "rows" in selected(info) else fields
        meetings = meetings_for(
            meetings_visible(user)
            .filter(school_class=school_class)
            .exclude(status=Meeting.Status.CANCELLED)
            .order_by("start_time"),
            fetch,
            viewer=user,
        )
        records = {
            (r.meeting_id, r.student_id): r
            for m in meetings
            if "attendance" in fetch
            for r in m.attendance_records.all()
        }
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
