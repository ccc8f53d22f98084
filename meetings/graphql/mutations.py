"""Scheduling and running classes, Zoom, enrolment. Every mutation answers with a payload whose
`errors` a client can show (`@typed_errors`)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import cast

import strawberry
from django.utils import timezone
from strawberry.types import Info

import meetings.graphql.errors  # noqa: F401 - registers meetings' typed errors
from meetings import services as meeting_services
from meetings.graphql import types as t
from meetings.graphql.availability import Clash, Scheduled, clashes_of_scheduled
from meetings.graphql.build import meeting_from, meetings_for
from meetings.graphql.recurrence import RecurrenceInput, rule_from_input
from meetings.invitations.services import invitations_for_class_enqueue
from meetings.models import Meeting, ZoomConnection
from meetings.policy import access_class, access_meeting
from meetings.selectors import zoom_connection_for
from meetings.services.connections import ZOOM_APP_RETURN_KEY
from meetings.services.people import person_delete
from tenants.accounts.models import User
from tenants.graphql.context import client_ip, http_request, require_admin, require_user
from tenants.graphql.errors import FieldError, OkPayload, fail, not_found, ok, typed_errors
from tenants.graphql.selection import selected
from tenants.ids import pk_or_zero
from tenants.school.models import SchoolClass
from tenants.school.services import class_enrol, class_unenrol
from tenants.selectors import school_timezone

MAX_LIST_INPUT = 200
# A path of the app (no scheme, host, query or `..`): where Zoom's consent screen returns to.
APP_PATH = re.compile(r"/app(/[A-Za-z0-9_-]+)*/?")


def _meeting_out(meeting: Meeting, user: User, info: Info) -> t.Meeting:
    """The meeting as it is now, with what the payload's `meeting { ... }` selected."""
    fields = selected(info, "meeting")
    (fresh,) = meetings_for(Meeting.objects.filter(pk=meeting.pk), fields)
    return meeting_from(fresh, user, fields)


@strawberry.type
class MeetingPayload:
    meeting: t.Meeting | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)
    scheduled: strawberry.Private[Scheduled | None] = None

    @strawberry.field(
        description="What the class's time clashes with, as schedulingClashes says it: for"
        " scheduleMeeting every session scheduled, for updateMeeting the session as it is now;"
        " empty for the other mutations. The class is scheduled anyway: this is information."
    )
    def clashes(self) -> list[Clash]:
        return clashes_of_scheduled(self.scheduled) if self.scheduled is not None else []


@strawberry.type
class StartClassPayload:
    meeting: t.Meeting | None = None
    start_url: str | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class ConnectZoomPayload:
    authorize_url: str | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class ZoomTestPayload:
    result: t.ZoomTest | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


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
    target_audience: t.TargetAudience | None = None


@strawberry.type
class SchedulingPolicyPayload:
    policy: t.SchedulingPolicy | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.input
class ZoomSettingsInput:
    client_id: str
    client_secret: str | None = None  # empty or absent: keep the stored one
    account_id: str = ""
    account_host_user: str = "me"
    webhook_secret_token: str | None = None
    # Zoom's, or a stand-in this environment allows (the sandbox); absent keeps the stored one.
    api_base_url: str | None = None
    oauth_base_url: str | None = None


@strawberry.type
class MeetingsMutation:
    @strawberry.mutation
    @typed_errors(MeetingPayload)
    def schedule_meeting(self, info: Info, input: ScheduleMeetingInput) -> MeetingPayload:
        user = require_user(info)
        meeting = meeting_services.meeting_schedule(
            actor=user,
            school_class=access_class(user, input.class_id, to="read"),
            title=input.title,
            description=input.description,
            start_time=input.start_time,
            duration_minutes=input.duration_minutes,
            timezone_name=input.timezone,
            recurrence=rule_from_input(input.recurrence),
            registration_enabled=input.registration_enabled,
            target_audience=input.target_audience.value,
            ip=client_ip(info),
        )
        return MeetingPayload(
            meeting=_meeting_out(meeting, user, info),
            errors=[],
            scheduled=Scheduled(viewer=user, meeting=meeting, whole_series=True),
        )

    @strawberry.mutation
    @typed_errors(MeetingPayload)
    def update_meeting(self, info: Info, input: UpdateMeetingInput) -> MeetingPayload:
        user = require_user(info)
        meeting = meeting_services.meeting_update(
            actor=user,
            meeting=access_meeting(user, input.meeting_id, to="read"),
            title=input.title,
            description=input.description,
            start_time=input.start_time,
            duration_minutes=input.duration_minutes,
            target_audience=input.target_audience.value if input.target_audience else None,
            ip=client_ip(info),
        )
        return MeetingPayload(
            meeting=_meeting_out(meeting, user, info),
            errors=[],
            scheduled=Scheduled(viewer=user, meeting=meeting, whole_series=False),
        )

    @strawberry.mutation(
        description="The school's scheduling rules (admins): who may publish classes to the"
        ' whole school, all students or all teachers; school hours ("HH:MM" in the school\'s'
        " timezone, the start before the end) and school days (Monday = 0 … Sunday = 6, at"
        " least one), where suggested times fall. What is not given stays as it is."
    )
    @typed_errors(SchedulingPolicyPayload)
    def set_scheduling_policy(
        self,
        info: Info,
        teachers_may_address_school: bool | None = None,
        day_start: str | None = None,
        day_end: str | None = None,
        school_days: list[int] | None = None,
    ) -> SchedulingPolicyPayload:
        admin = require_admin(info)
        row = meeting_services.scheduling_policy_set(
            actor=admin,
            teachers_may_address_school=teachers_may_address_school,
            day_start=day_start,
            day_end=day_end,
            school_days=school_days,
            ip=client_ip(info),
        )
        return SchedulingPolicyPayload(
            policy=t.scheduling_policy_from(row, timezone=school_timezone()), errors=[]
        )

    @strawberry.mutation
    @typed_errors(MeetingPayload)
    def cancel_meeting(
        self, info: Info, meeting_id: strawberry.ID, whole_series: bool = False
    ) -> MeetingPayload:
        user = require_user(info)
        meeting = access_meeting(user, meeting_id, to="read")
        meeting_services.meeting_cancel(
            actor=user, meeting=meeting, whole_series=whole_series, ip=client_ip(info)
        )
        return MeetingPayload(meeting=_meeting_out(meeting, user, info), errors=[])

    @strawberry.mutation(description='"Start class": returns the host\'s Zoom start URL.')
    @typed_errors(StartClassPayload)
    def start_class(self, info: Info, meeting_id: strawberry.ID) -> StartClassPayload:
        user = require_user(info)
        meeting = access_meeting(user, meeting_id, to="read")
        start_url = meeting_services.meeting_start(actor=user, meeting=meeting, ip=client_ip(info))
        return StartClassPayload(
            meeting=_meeting_out(meeting, user, info), start_url=start_url, errors=[]
        )

    @strawberry.mutation(description="End a running class for everyone.")
    @typed_errors(MeetingPayload)
    def end_class(self, info: Info, meeting_id: strawberry.ID) -> MeetingPayload:
        user = require_user(info)
        meeting = meeting_services.meeting_end(
            actor=user, meeting=access_meeting(user, meeting_id, to="read"), ip=client_ip(info)
        )
        return MeetingPayload(meeting=_meeting_out(meeting, user, info), errors=[])

    # --- Zoom -----------------------------------------------------------------------------

    @strawberry.mutation(
        description="Begin connecting the viewer's Zoom (teachers and admins): go to"
        " authorizeUrl. Zoom sends them back to `returnTo` (a path of the app, `/app/…`) with"
        " `?zoom=connected` (a refusal or failure shows the server's page with the reason);"
        " without it, to the Zoom page."
    )
    @typed_errors(ConnectZoomPayload)
    def connect_zoom(self, info: Info, return_to: str | None = None) -> ConnectZoomPayload:
        user = require_user(info)
        if return_to is not None and not APP_PATH.fullmatch(return_to):
            raise fail("Zoom can only send you back into the app.", field="returnTo")
        request = http_request(info)
        url = meeting_services.zoom_connect_start(
            user=user, session=request.session, tenant=request.tenant
        )
        if return_to is not None:
            request.session[ZOOM_APP_RETURN_KEY] = return_to
        else:  # an earlier connect's page is not this one's
            request.session.pop(ZOOM_APP_RETURN_KEY, None)
        return ConnectZoomPayload(authorize_url=url, errors=[])

    @strawberry.mutation
    @typed_errors(OkPayload)
    def disconnect_zoom(self, info: Info) -> OkPayload:
        user = require_user(info)
        connection = zoom_connection_for(user=user)
        if connection is None:
            raise not_found("Zoom connection")
        meeting_services.zoom_disconnect(connection=connection, actor=user, ip=client_ip(info))
        return ok()

    @strawberry.mutation(description="Revoke a teacher's Zoom connection (admins).")
    @typed_errors(OkPayload)
    def revoke_zoom_connection(self, info: Info, user_id: strawberry.ID) -> OkPayload:
        admin = require_admin(info)
        connection = ZoomConnection.objects.filter(user_id=pk_or_zero(user_id)).first()
        if connection is None:
            raise not_found("Zoom connection")
        meeting_services.zoom_disconnect(connection=connection, actor=admin, ip=client_ip(info))
        return ok()

    @strawberry.mutation
    @typed_errors(OkPayload)
    def save_zoom_settings(self, info: Info, input: ZoomSettingsInput) -> OkPayload:
        admin = require_admin(info)
        # ZoomSettingsInput's fields are all `str` or `str | None`.
        values = cast("dict[str, str | None]", strawberry.asdict(input))
        meeting_services.zoom_settings_save(actor=admin, ip=client_ip(info), **values)
        return ok()

    @strawberry.mutation
    @typed_errors(ZoomTestPayload)
    def test_zoom_connection(self, info: Info) -> ZoomTestPayload:
        admin = require_admin(info)
        result = meeting_services.zoom_settings_test(actor=admin, ip=client_ip(info))
        return ZoomTestPayload(
            result=t.ZoomTest(
                ok=result.ok,
                outcome=result.outcome,
                message=result.message,
                tested_at=timezone.now(),
                zoom_status=result.zoom_status,
                zoom_code=result.zoom_code,
            ),
            errors=[],
        )

    # --- classes --------------------------------------------------------------------------

    @strawberry.mutation
    @typed_errors(OkPayload)
    def enrol_students(
        self, info: Info, class_id: strawberry.ID, student_ids: list[strawberry.ID]
    ) -> OkPayload:
        # Here, not with the other people mutations in tenants: enrolling registers the
        # students for the class's meetings.
        admin = require_admin(info)
        if len(student_ids) > MAX_LIST_INPUT:
            raise fail(f"At most {MAX_LIST_INPUT} at a time.")
        school_class = SchoolClass.objects.filter(pk=pk_or_zero(class_id)).first()
        if school_class is None:
            raise not_found("class")
        pks = {pk_or_zero(s) for s in student_ids}
        students = list(User.objects.filter(pk__in=pks))
        if len(students) != len(pks):
            raise not_found("student")
        class_enrol(school_class=school_class, students=students, actor=admin, ip=client_ip(info))
        meeting_services.registrants_for_class_enqueue(school_class=school_class)
        invitations_for_class_enqueue(school_class_id=school_class.pk)
        return ok()

    @strawberry.mutation
    @typed_errors(OkPayload)
    def unenrol_student(
        self, info: Info, class_id: strawberry.ID, student_id: strawberry.ID
    ) -> OkPayload:
        # Here, like enrolStudents: leaving a class cancels the student's Zoom registrations
        # for its upcoming meetings (an actor, after the commit).
        admin = require_admin(info)
        class_pk, student_pk = pk_or_zero(class_id), pk_or_zero(student_id)
        removed = class_unenrol(
            school_class_id=class_pk, student_id=student_pk, actor=admin, ip=client_ip(info)
        )
        if not removed:
            raise not_found("enrolment")
        meeting_services.registrants_for_student_cancel_enqueue(
            school_class_id=class_pk, student_id=student_pk
        )
        return ok()

    @strawberry.mutation(
        description="Delete a person of the school (admins): their Zoom grant is revoked, their"
        " tokens, join devices and stored links deleted, their registrations cancelled; they"
        " are deactivated at once and anonymised within 24 hours. A teacher's classes and"
        " meetings go to `successorId` (another teacher) if given. Audited."
    )
    @typed_errors(OkPayload)
    def delete_person(
        self, info: Info, id: strawberry.ID, successor_id: strawberry.ID | None = None
    ) -> OkPayload:
        admin = require_admin(info)
        person_delete(
            person_id=pk_or_zero(id),
            by=admin,
            successor_id=None if successor_id is None else pk_or_zero(successor_id),
            ip=client_ip(info),
        )
        return ok()
