"""Mutations return a payload with `errors: [FieldError]` that a client can show; an empty
list means it worked. Permission and validation failures are errors of that kind, not
exceptions, and unexpected failures are masked by the schema."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import PermissionDenied, ValidationError
from strawberry.types import Info

from attendance import services as attendance_services
from attendance.models import AttendanceRecord
from graphql_api import types as t
from graphql_api.build import meeting_from, meeting_queryset, record_from
from graphql_api.context import client_ip, http_request, require_admin, require_user, viewer
from meetings import services as meeting_services
from meetings.models import Meeting, ZoomConnection
from meetings.policy import classes_visible, meetings_visible
from meetings.providers.base import MeetingProviderError
from meetings.recurrence import RecurrenceError, RecurrenceRule
from meetings.selectors import zoom_connection_for
from tenants.accounts.models import User
from tenants.accounts.services import api_token_create
from tenants.audit.services import audit_record
from tenants.school.models import Enrolment, SchoolClass
from tenants.school.services import RoleMismatch, class_enrol, parent_link

MAX_LIST_INPUT = 200


class _Refused(Exception):
    def __init__(self, errors: list[t.FieldError]):
        self.errors = errors


def _errors_of(exc: Exception) -> list[t.FieldError]:
    if isinstance(exc, _Refused):
        return exc.errors
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return [
                t.FieldError(field=_camel(name), message=message, code="invalid")
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
        return [t.FieldError(field=None, message=m, code="invalid") for m in exc.messages]
    if isinstance(exc, PermissionDenied):
        return [t.FieldError(field=None, message=str(exc) or "Not allowed.", code="forbidden")]
    if isinstance(exc, MeetingProviderError):
        return [t.FieldError(field=None, message=f"Zoom: {exc.message}", code="zoom")]
    if isinstance(exc, (RecurrenceError, RoleMismatch)):
        return [t.FieldError(field=None, message=str(exc), code="invalid")]
    raise exc


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _fail(message: str, field: str | None = None, code: str = "invalid") -> _Refused:
    return _Refused([t.FieldError(field=field, message=message, code=code)])


def _not_found(what: str) -> _Refused:
    return _fail(f"No such {what}.", code="not_found")


def _meeting_for(user, meeting_id) -> Meeting:
    meeting = meetings_visible(user).filter(pk=meeting_id).first()
    if meeting is None:
        raise _not_found("meeting")
    return meeting


def _meeting_out(meeting: Meeting, user) -> t.Meeting:
    return meeting_from(meeting_queryset(Meeting.objects.filter(pk=meeting.pk)).get(), user)


@strawberry.type
class AuthPayload:
    user: t.User | None
    errors: list[t.FieldError]


@strawberry.type
class MeetingPayload:
    meeting: t.Meeting | None
    errors: list[t.FieldError]


@strawberry.type
class StartClassPayload:
    meeting: t.Meeting | None
    start_url: str | None
    errors: list[t.FieldError]


@strawberry.type
class OkPayload:
    ok: bool
    errors: list[t.FieldError]


@strawberry.type
class ConnectZoomPayload:
    authorize_url: str | None
    errors: list[t.FieldError]


@strawberry.type
class ZoomTestPayload:
    result: t.ZoomTest | None
    errors: list[t.FieldError]


@strawberry.type
class AttendancePayload:
    record: t.AttendanceRecord | None
    errors: list[t.FieldError]


@strawberry.type
class ApiTokenPayload:
    token: str | None
    errors: list[t.FieldError]


@strawberry.input
class RecurrenceInput:
    frequency: t.Frequency
    interval: int = 1
    weekdays: list[int] | None = None  # 0 = Monday … 6 = Sunday
    month_day: int | None = None
    count: int | None = None
    until: date | None = None


@strawberry.input
class ScheduleMeetingInput:
    class_id: strawberry.ID
    title: str
    start_time: datetime
    duration_minutes: int = 60
    timezone: str = "UTC"
    recurrence: RecurrenceInput | None = None
    registration_enabled: bool = True
    description: str = ""
    target_audience: t.TargetAudience = t.TargetAudience.CLASS


@strawberry.input
class UpdateMeetingInput:
    meeting_id: strawberry.ID
    title: str | None = None
    description: str | None = None
    start_time: datetime | None = None
    duration_minutes: int | None = None


@strawberry.input
class ZoomSettingsInput:
    client_id: str
    client_secret: str | None = None  # empty or absent: keep the stored one
    account_id: str = ""
    account_host_user: str = "me"
    redirect_url: str = ""
    webhook_secret_token: str | None = None
    api_base_url: str = "https://api.zoom.us/v2"
    oauth_base_url: str = "https://zoom.us"


@strawberry.input
class AttendancePolicyInput:
    present_minutes: int | None = None
    present_share: float | None = None
    grace_minutes: int | None = None


def _ok() -> OkPayload:
    return OkPayload(ok=True, errors=[])


@strawberry.type
class Mutation:
    @strawberry.mutation
    def login(self, info: Info, email: str, password: str) -> AuthPayload:
        request = http_request(info)
        user = authenticate(request, username=email.strip().lower(), password=password)
        if user is None:
            return AuthPayload(
                user=None,
                errors=[
                    t.FieldError(field=None, message="Wrong email or password.", code="invalid")
                ],
            )
        login(request, user)
        audit_record(actor=user, action="user.login", ip=client_ip(info), details={"via": "api"})
        return AuthPayload(user=t.user_from(user), errors=[])

    @strawberry.mutation
    def logout(self, info: Info) -> bool:
        request = http_request(info)
        was_signed_in = viewer(info).is_authenticated
        logout(request)
        return was_signed_in

    @strawberry.mutation(description="A bearer token for API clients, shown once.")
    def create_api_token(self, info: Info, name: str) -> ApiTokenPayload:
        user = require_user(info)
        _, token = api_token_create(user=user, name=name)
        audit_record(actor=user, action="api_token.created", ip=client_ip(info))
        return ApiTokenPayload(token=token, errors=[])

    # --- meetings -----------------------------------------------------------------------

    @strawberry.mutation
    def schedule_meeting(self, info: Info, input: ScheduleMeetingInput) -> MeetingPayload:
        user = require_user(info)
        try:
            school_class = classes_visible(user).filter(pk=input.class_id).first()
            if school_class is None:
                raise _not_found("class")
            rule = None
            if input.recurrence is not None:
                r = input.recurrence
                rule = RecurrenceRule(
                    frequency=r.frequency.value,
                    interval=r.interval,
                    weekdays=tuple(r.weekdays or ()),
                    month_day=r.month_day,
                    count=r.count,
                    until=r.until,
                )
            meeting = meeting_services.meeting_schedule(
                actor=user,
                school_class=school_class,
                title=input.title,
                description=input.description,
                start_time=input.start_time,
                duration_minutes=input.duration_minutes,
                timezone_name=input.timezone,
                recurrence=rule,
                registration_enabled=input.registration_enabled,
                target_audience=input.target_audience.value,
                ip=client_ip(info),
            )
        except Exception as exc:  # noqa: BLE001 - _errors_of re-raises what it does not know
            return MeetingPayload(meeting=None, errors=_errors_of(exc))
        return MeetingPayload(meeting=_meeting_out(meeting, user), errors=[])

    @strawberry.mutation
    def update_meeting(self, info: Info, input: UpdateMeetingInput) -> MeetingPayload:
        user = require_user(info)
        try:
            meeting = meeting_services.meeting_update(
                actor=user,
                meeting=_meeting_for(user, input.meeting_id),
                title=input.title,
                description=input.description,
                start_time=input.start_time,
                duration_minutes=input.duration_minutes,
                ip=client_ip(info),
            )
        except Exception as exc:  # noqa: BLE001
            return MeetingPayload(meeting=None, errors=_errors_of(exc))
        return MeetingPayload(meeting=_meeting_out(meeting, user), errors=[])

    @strawberry.mutation
    def cancel_meeting(
        self, info: Info, meeting_id: strawberry.ID, whole_series: bool = False
    ) -> MeetingPayload:
        user = require_user(info)
        try:
            meeting = _meeting_for(user, meeting_id)
            meeting_services.meeting_cancel(
                actor=user, meeting=meeting, whole_series=whole_series, ip=client_ip(info)
            )
        except Exception as exc:  # noqa: BLE001
            return MeetingPayload(meeting=None, errors=_errors_of(exc))
        return MeetingPayload(meeting=_meeting_out(meeting, user), errors=[])

    @strawberry.mutation(description='"Start class": returns the host\'s Zoom start URL.')
    def start_class(self, info: Info, meeting_id: strawberry.ID) -> StartClassPayload:
        user = require_user(info)
        try:
            meeting = _meeting_for(user, meeting_id)
            start_url = meeting_services.meeting_start(
                actor=user, meeting=meeting, ip=client_ip(info)
            )
        except Exception as exc:  # noqa: BLE001
            return StartClassPayload(meeting=None, start_url=None, errors=_errors_of(exc))
        return StartClassPayload(
            meeting=_meeting_out(meeting, user), start_url=start_url, errors=[]
        )

    @strawberry.mutation(description="End a running class for everyone.")
    def end_class(self, info: Info, meeting_id: strawberry.ID) -> MeetingPayload:
        user = require_user(info)
        try:
            meeting = meeting_services.meeting_end(
                actor=user, meeting=_meeting_for(user, meeting_id), ip=client_ip(info)
            )
        except Exception as exc:  # noqa: BLE001
            return MeetingPayload(meeting=None, errors=_errors_of(exc))
        return MeetingPayload(meeting=_meeting_out(meeting, user), errors=[])

    # --- Zoom -----------------------------------------------------------------------------

    @strawberry.mutation(description="Begin connecting the viewer's Zoom: go to authorizeUrl.")
    def connect_zoom(self, info: Info) -> ConnectZoomPayload:
        user = require_user(info)
        request = http_request(info)
        try:
            url = meeting_services.zoom_connect_start(
                user=user, session=request.session, tenant=request.tenant
            )
        except Exception as exc:  # noqa: BLE001
            return ConnectZoomPayload(authorize_url=None, errors=_errors_of(exc))
        return ConnectZoomPayload(authorize_url=url, errors=[])

    @strawberry.mutation
    def disconnect_zoom(self, info: Info) -> OkPayload:
        user = require_user(info)
        connection = zoom_connection_for(user=user)
        if connection is None:
            return OkPayload(ok=False, errors=_not_found("Zoom connection").errors)
        meeting_services.zoom_disconnect(connection=connection, actor=user, ip=client_ip(info))
        return _ok()

    @strawberry.mutation(description="Revoke a teacher's Zoom connection (admins).")
    def revoke_zoom_connection(self, info: Info, user_id: strawberry.ID) -> OkPayload:
        admin = require_admin(info)
        connection = ZoomConnection.objects.filter(user_id=user_id).first()
        if connection is None:
            return OkPayload(ok=False, errors=_not_found("Zoom connection").errors)
        meeting_services.zoom_disconnect(connection=connection, actor=admin, ip=client_ip(info))
        return _ok()

    @strawberry.mutation
    def save_zoom_settings(self, info: Info, input: ZoomSettingsInput) -> OkPayload:
        admin = require_admin(info)
        try:
            meeting_services.zoom_settings_save(
                actor=admin, ip=client_ip(info), **strawberry.asdict(input)
            )
        except Exception as exc:  # noqa: BLE001
            return OkPayload(ok=False, errors=_errors_of(exc))
        return _ok()

    @strawberry.mutation
    def test_zoom_connection(self, info: Info) -> ZoomTestPayload:
        admin = require_admin(info)
        result = meeting_services.zoom_settings_test(actor=admin, ip=client_ip(info))
        return ZoomTestPayload(
            result=t.ZoomTest(
                ok=result.ok, outcome=result.outcome, message=result.message, tested_at=None
            ),
            errors=[],
        )

    # --- people ---------------------------------------------------------------------------

    @strawberry.mutation
    def enrol_students(
        self, info: Info, class_id: strawberry.ID, student_ids: list[strawberry.ID]
    ) -> OkPayload:
        admin = require_admin(info)
        if len(student_ids) > MAX_LIST_INPUT:
            return OkPayload(ok=False, errors=_fail(f"At most {MAX_LIST_INPUT} at a time.").errors)
        school_class = SchoolClass.objects.filter(pk=class_id).first()
        if school_class is None:
            return OkPayload(ok=False, errors=_not_found("class").errors)
        students = list(User.objects.filter(pk__in=student_ids))
        if len(students) != len(set(student_ids)):
            return OkPayload(ok=False, errors=_not_found("student").errors)
        try:
            added = class_enrol(school_class=school_class, students=students)
        except Exception as exc:  # noqa: BLE001
            return OkPayload(ok=False, errors=_errors_of(exc))
        audit_record(
            actor=admin,
            action="class.enrolled",
            target=school_class,
            ip=client_ip(info),
            details={"students": [s.email for s in students], "new": added},
        )
        meeting_services.registrants_for_class_enqueue(school_class=school_class)
        return _ok()

    @strawberry.mutation
    def unenrol_student(
        self, info: Info, class_id: strawberry.ID, student_id: strawberry.ID
    ) -> OkPayload:
        admin = require_admin(info)
        deleted, _ = Enrolment.objects.filter(
            school_class_id=class_id, student_id=student_id
        ).delete()
        if not deleted:
            return OkPayload(ok=False, errors=_not_found("enrolment").errors)
        audit_record(
            actor=admin,
            action="class.unenrolled",
            target_type="school.schoolclass",
            target_id=class_id,
            ip=client_ip(info),
            details={"student": student_id},
        )
        return _ok()

    @strawberry.mutation
    def link_parent(
        self, info: Info, parent_id: strawberry.ID, student_id: strawberry.ID
    ) -> OkPayload:
        admin = require_admin(info)
        parent = User.objects.filter(pk=parent_id).first()
        student = User.objects.filter(pk=student_id).first()
        if parent is None or student is None:
            return OkPayload(ok=False, errors=_not_found("person").errors)
        try:
            parent_link(parent=parent, student=student)
        except Exception as exc:  # noqa: BLE001
            return OkPayload(ok=False, errors=_errors_of(exc))
        audit_record(
            actor=admin,
            action="parent.linked",
            target=student,
            ip=client_ip(info),
            details={"parent": parent.email},
        )
        return _ok()

    # --- attendance -----------------------------------------------------------------------

    @strawberry.mutation
    def set_attendance_policy(self, info: Info, input: AttendancePolicyInput) -> OkPayload:
        admin = require_admin(info)
        try:
            attendance_services.attendance_policy_set(
                actor=admin,
                present_minutes=input.present_minutes,
                present_share=input.present_share,
                grace_minutes=input.grace_minutes,
                ip=client_ip(info),
            )
        except Exception as exc:  # noqa: BLE001
            return OkPayload(ok=False, errors=_errors_of(exc))
        return _ok()

    @strawberry.mutation
    def override_attendance(
        self,
        info: Info,
        meeting_id: strawberry.ID,
        student_id: strawberry.ID,
        status: t.AttendanceStatus,
        reason: str,
    ) -> AttendancePayload:
        user = require_user(info)
        try:
            meeting = _meeting_for(user, meeting_id)
            record = (
                AttendanceRecord.objects.select_related("student", "meeting")
                .filter(meeting=meeting, student_id=student_id)
                .first()
            )
            if record is None:
                raise _not_found("attendance record")
            record = attendance_services.attendance_override(
                actor=user, record=record, status=status.value, reason=reason, ip=client_ip(info)
            )
        except Exception as exc:  # noqa: BLE001
            return AttendancePayload(record=None, errors=_errors_of(exc))
        return AttendancePayload(record=record_from(record), errors=[])

    @strawberry.mutation
    def resolve_participant(
        self,
        info: Info,
        meeting_id: strawberry.ID,
        participant_key: str,
        user_id: strawberry.ID,
    ) -> OkPayload:
        user = require_user(info)
        try:
            meeting = _meeting_for(user, meeting_id)
            person = User.objects.filter(pk=user_id, is_active=True).first()
            if person is None:
                raise _not_found("person")
            attendance_services.participant_resolve(
                actor=user,
                meeting=meeting,
                participant_key=participant_key,
                user=person,
                ip=client_ip(info),
            )
        except Exception as exc:  # noqa: BLE001
            return OkPayload(ok=False, errors=_errors_of(exc))
        return _ok()
