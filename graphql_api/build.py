"""Model rows → GraphQL types, with every nested list cut to what the viewer may see.

List resolvers prefetch what these builders read (`meeting_queryset`), so the number of SQL
queries does not grow with the number of meetings."""

from __future__ import annotations

import strawberry
from django.db.models import Prefetch

from attendance.models import AttendanceRecord, ParticipantSession
from graphql_api import types as t
from meetings.models import Meeting, Registrant
from meetings.policy import can_manage_meeting
from tenants.accounts.models import Role


def meeting_queryset(queryset):
    return queryset.select_related("school_class", "host").prefetch_related(
        "school_class__teachers",
        Prefetch(
            "participant_sessions",
            queryset=ParticipantSession.objects.order_by("joined_at", "id"),
        ),
        Prefetch(
            "attendance_records",
            queryset=AttendanceRecord.objects.select_related("student").prefetch_related(
                "student__parent_links"
            ),
        ),
        Prefetch("registrants", queryset=Registrant.objects.select_related("user")),
        "recordings",
    )


def _record_visible(viewer, record: AttendanceRecord, manages: bool) -> bool:
    if manages:
        return True
    if record.student_id == viewer.pk:
        return True
    if viewer.role == Role.PARENT:
        return any(link.parent_id == viewer.pk for link in record.student.parent_links.all())
    return False


def participant_from(session) -> t.Participant:
    return t.Participant(
        key=session.participant_key,
        name=session.name or session.email or "Participant",
        role=t.ParticipantRole(session.role),
        joined_at=session.joined_at,
        left_at=session.left_at,
    )


def record_from(record: AttendanceRecord) -> t.AttendanceRecord:
    return t.AttendanceRecord(
        student=t.user_from(record.student),
        status=t.AttendanceStatus(record.status),
        attended_seconds=record.attended_seconds,
        is_final=record.is_final,
        overridden=bool(record.override_status),
        override_reason=record.override_reason,
    )


def meeting_from(meeting: Meeting, viewer) -> t.Meeting:
    """The meeting as `viewer` may see it: the room, the register and the registrants for
    those who manage it; a student their own record, a parent their children's."""
    manages = can_manage_meeting(viewer, meeting)
    records = [r for r in meeting.attendance_records.all() if _record_visible(viewer, r, manages)]
    registrants = [r for r in meeting.registrants.all() if manages or r.user_id == viewer.pk]
    return t.Meeting(
        id=strawberry.ID(str(meeting.pk)),
        title=meeting.title,
        description=meeting.description,
        status=t.MeetingStatus(meeting.status),
        start_time=meeting.start_time,
        duration_minutes=meeting.duration_minutes,
        timezone=meeting.timezone,
        zoom_meeting_id=meeting.zoom_meeting_id or None,
        target_audience=t.TargetAudience(meeting.target_audience),
        registration_enabled=meeting.registration_enabled,
        class_id=strawberry.ID(str(meeting.school_class_id)) if meeting.school_class_id else None,
        class_name=meeting.school_class.name if meeting.school_class_id else None,
        teacher=t.person_from(meeting.host),
        started_at=meeting.actual_start,
        ended_at=meeting.actual_end,
        can_manage=manages,
        participants=[participant_from(s) for s in meeting.participant_sessions.all()]
        if manages
        else [],
        attendance=[record_from(r) for r in records],
        registrants=[
            t.Registrant(
                user=t.user_from(r.user),
                status=r.status,
                zoom_registrant_id=r.zoom_registrant_id,
                last_error=r.last_error if manages else "",
            )
            for r in registrants
        ],
        recordings=[
            t.Recording(
                share_url=rec.share_url,
                files=[
                    t.RecordingFile(
                        file_type=f.get("file_type", ""), play_url=f.get("play_url", "")
                    )
                    for f in rec.files
                ],
            )
            for rec in meeting.recordings.all()
        ],
    )
