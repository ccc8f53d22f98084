from __future__ import annotations

import strawberry
from django.db import transaction
from strawberry.types import Info

import meetings.graphql.errors  # noqa: F401 - the policy's NotFound as a typed error
from attendance import services as attendance_services
from attendance.graphql import types as t
from attendance.graphql.exports import export_from
from attendance.models import AttendanceRecord, ParticipantSession
from attendance.people import ExportRefused, data_export_request
from meetings.graphql.room import record_from
from meetings.policy import access_meeting, can_manage_meeting
from tenants.accounts.models import User
from tenants.graphql.context import client_ip, require_admin, require_user
from tenants.graphql.errors import (
    FieldError,
    OkPayload,
    error_code,
    not_found,
    ok,
    typed_errors,
)
from tenants.ids import pk_or_zero
from tenants.text import text_validate


@strawberry.type
class DataExportPayload:
    export: t.DataExport | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


error_code(ExportRefused, "forbidden")


@strawberry.type
class AttendancePayload:
    record: t.AttendanceRecord | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.input
class AttendancePolicyInput:
    present_minutes: int | None = None
    present_share: float | None = None
    grace_minutes: int | None = None
    unverified_matches_count: bool | None = None


@strawberry.type
class AttendanceMutation:
    @strawberry.mutation
    @typed_errors(OkPayload)
    def set_attendance_policy(self, info: Info, input: AttendancePolicyInput) -> OkPayload:
        admin = require_admin(info)
        attendance_services.attendance_policy_set(
            actor=admin,
            present_minutes=input.present_minutes,
            present_share=input.present_share,
            grace_minutes=input.grace_minutes,
            unverified_matches_count=input.unverified_matches_count,
            ip=client_ip(info),
        )
        return ok()

    @strawberry.mutation
    @typed_errors(AttendancePayload)
    def override_attendance(
        self,
        info: Info,
        meeting_id: strawberry.ID,
        student_id: strawberry.ID,
        status: t.AttendanceStatus,
        reason: str,
    ) -> AttendancePayload:
        user = require_user(info)
        text_validate(AttendanceRecord, override_reason=reason)
        meeting = access_meeting(user, meeting_id, to="read")
        records = AttendanceRecord.objects.select_related("student", "meeting").filter(
            meeting=meeting, student_id=pk_or_zero(student_id)
        )
        with transaction.atomic():  # a refused override leaves no record behind
            record = records.first()
            if record is None and can_manage_meeting(user, meeting):
                # An expected student not scored yet (the class is running and they have not
                # left, or never came): score them now, then correct that record.
                attendance_services.attendance_score_students(
                    meeting=meeting, student_ids=[pk_or_zero(student_id)]
                )
                record = records.first()
            if record is None:
                raise not_found("attendance record")
            record = attendance_services.attendance_override(
                actor=user, record=record, status=status.value, reason=reason, ip=client_ip(info)
            )
        return AttendancePayload(record=record_from(record), errors=[])

    @strawberry.mutation(
        description="Say who a participant is (the meeting's teachers): confirms a match by"
        " typed name or email when it is the suggested person. Audited."
    )
    @typed_errors(OkPayload)
    def resolve_participant(
        self,
        info: Info,
        meeting_id: strawberry.ID,
        participant_key: str,
        user_id: strawberry.ID,
    ) -> OkPayload:
        user = require_user(info)
        text_validate(ParticipantSession, participant_key=participant_key)
        meeting = access_meeting(user, meeting_id, to="read")
        person = User.objects.filter(pk=pk_or_zero(user_id), is_active=True).first()
        if person is None:
            raise not_found("person")
        attendance_services.participant_resolve(
            actor=user,
            meeting=meeting,
            participant_key=participant_key,
            user=person,
            ip=client_ip(info),
        )
        return ok()

    @strawberry.mutation(
        description="Say a participant matched by a name or email typed into Zoom is not that"
        " person (the meeting's teachers). Audited."
    )
    @typed_errors(OkPayload)
    def reject_participant(
        self, info: Info, meeting_id: strawberry.ID, participant_key: str
    ) -> OkPayload:
        user = require_user(info)
        meeting = access_meeting(user, meeting_id, to="read")
        attendance_services.participant_reject(
            actor=user, meeting=meeting, participant_key=participant_key, ip=client_ip(info)
        )
        return ok()

    @strawberry.mutation(description="Ask for everything the school holds about you (JSON).")
    @typed_errors(DataExportPayload)
    def request_my_export(self, info: Info) -> DataExportPayload:
        user = require_user(info)
        export = data_export_request(person_id=user.pk, by=user)
        return DataExportPayload(export=export_from(export))

    @strawberry.mutation(description="Ask for everything the school holds about a person (admins).")
    @typed_errors(DataExportPayload)
    def request_export_for(self, info: Info, person_id: strawberry.ID) -> DataExportPayload:
        admin = require_admin(info)
        pk = pk_or_zero(person_id)
        if not User.objects.filter(pk=pk, deleted_at__isnull=True).exists():
            raise not_found("person")
        export = data_export_request(person_id=pk, by=admin)
        return DataExportPayload(export=export_from(export))
