"""From scheduling to registered students, against the local Zoom sandbox over real HTTP:
the teacher connects Zoom through the OAuth redirect dance (landing back in the app), schedules
a weekly class as the app does (GraphQL), registration runs, and "start class" gives the
teacher Zoom's start URL."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings import services
from meetings.models import Meeting, Registrant, ZoomConnection
from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.school.services import class_enrol

from ..graphql.conftest import GQL
from ..support import zoom_settings_set

pytestmark = pytest.mark.django_db


def test_connect_schedule_weekly_register_and_start_through_the_sandbox(alpha, sandbox):
    # given: alpha's Zoom app points at the sandbox, and the class has six students
    with schema_context(alpha.schema):
        zoom_settings_set(
            zoom_url=sandbox.url,
            client_id="demo-client-id",
            client_secret="demo-client-secret",
            webhook_secret_token="whs",
        )
        extra = [
            user_create(
                email=f"kid{i}@alpha.test", password=None, role=Role.STUDENT, name=f"Kid {i}"
            )
            for i in range(5)
        ]
        class_enrol(school_class=alpha.school_class, students=extra)
    teacher = alpha.client("teacher")

    # when: the teacher connects Zoom (browser: liveroll → sandbox → liveroll)
    to_zoom = teacher.post("/zoom/connect/")["Location"]
    back = requests.get(to_zoom, allow_redirects=False, timeout=5)
    assert back.status_code == 302
    callback = urlsplit(back.headers["Location"])
    assert callback.netloc == "alpha.localhost:8000"
    landed = teacher.get(f"{callback.path}?{callback.query}")
    assert landed["Location"] == "/app/my-zoom?zoom=connected"

    # and schedules a weekly class, Mondays and Wednesdays, four times (as the app does)
    start = (timezone.now() + timedelta(days=2)).replace(hour=16, minute=0, second=0, microsecond=0)
    scheduled = GQL(alpha, client=teacher).ok(
        """mutation($input: ScheduleMeetingInput!) {
            scheduleMeeting(input: $input) { meeting { id } errors { field message code } }
        }""",
        input={
            "classId": str(alpha.school_class.pk),
            "title": "Weekly physics",
            "startTime": start.isoformat(),
            "durationMinutes": 50,
            "timezone": "UTC",
            "recurrence": {"frequency": "WEEKLY", "interval": 1, "weekdays": [0, 2], "count": 4},
            "registrationEnabled": True,
        },
    )["scheduleMeeting"]
    assert scheduled["errors"] == [], scheduled

    # and registration runs (the actor's body)
    with schema_context(alpha.schema):
        report = services.registrants_sync()

    # then: the sandbox holds one recurring meeting with four occurrences
    with schema_context(alpha.schema):
        meetings = list(Meeting.objects.filter(title="Weekly physics").order_by("start_time"))
        conn = ZoomConnection.objects.get(user=alpha.users["teacher"])
        registrants = list(Registrant.objects.filter(meeting__in=meetings).select_related("user"))
    assert len(meetings) == 4
    zoom_meeting = sandbox.state.meetings[int(meetings[0].zoom_meeting_id)]
    assert zoom_meeting.type == 8
    assert [o.occurrence_id for o in zoom_meeting.live_occurrences()] == [
        m.zoom_occurrence_id for m in meetings
    ]
    # every enrolled student is registered for every session, with a personal join URL
    assert (report.registered, report.failed) == (6, [])
    assert len(registrants) == 24
    assert all(r.status == "registered" for r in registrants)
    urls = {r.user.email: r.join_url for r in registrants}
    assert len(set(urls.values())) == 6
    zoom_registrants = {r.email: r for r in sandbox.state.registrants[zoom_meeting.id]}
    assert set(zoom_registrants) == set(urls)
    assert all(urls[email].startswith(sandbox.url) for email in urls)
    assert conn.status == "active" and conn.zoom_email

    # when: the teacher starts the first session
    started = GQL(alpha, client=teacher).ok(
        "mutation($id: ID!) { startClass(meetingId: $id) { startUrl errors { code } } }",
        id=str(meetings[0].pk),
    )["startClass"]

    # then: off to the host's start URL on "Zoom"
    assert started["errors"] == []
    assert started["startUrl"].startswith(sandbox.url)
