"""The dashboard's queries cost the same number of SQL queries for 10 meetings as for 200."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.models import AttendanceRecord, ParticipantSession
from meetings.models import Meeting, Registrant

pytestmark = pytest.mark.django_db

DASHBOARD = """{ meetings(limit: 100) { totalCount items { id title status startTime
  teacher { name } participants { name role joinedAt } attendance { student { email } status }
  registrants { user { email } } recordings { shareUrl } } } }"""


def _make_meetings(world, count: int) -> None:
    with schema_context(world.schema):
        start = timezone.now() + timedelta(days=1)
        meetings = Meeting.objects.bulk_create(
            Meeting(
                school_class=world.school_class,
                host=world.users["teacher"],
                title=f"m{i}",
                start_time=start + timedelta(hours=i),
            )
            for i in range(count)
        )
        student = world.users["student"]
        ParticipantSession.objects.bulk_create(
            ParticipantSession(
                meeting=m,
                participant_key=f"p{j}",
                role="guest",
                name=f"guest {j}",
                joined_at=m.start_time,
            )
            for m in meetings
            for j in range(3)
        )
        AttendanceRecord.objects.bulk_create(
            AttendanceRecord(meeting=m, student=student, computed_status="absent") for m in meetings
        )
        Registrant.objects.bulk_create(
            Registrant(meeting=m, user=student, status="registered") for m in meetings
        )


def _count(world, query: str) -> tuple[int, dict]:
    client = world.client("teacher")
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/graphql/", {"query": query}, content_type="application/json")
    body = response.json()
    assert "errors" not in body, body
    return len(captured), body["data"]


def test_dashboard_queries_do_not_grow_with_meetings(alpha):
    _make_meetings(alpha, 10)
    few, data = _count(alpha, DASHBOARD)
    assert data["meetings"]["totalCount"] == 10

    _make_meetings(alpha, 190)
    many, data = _count(alpha, DASHBOARD)
    assert data["meetings"]["totalCount"] == 200
    assert len(data["meetings"]["items"]) == 100
    assert len(data["meetings"]["items"][0]["participants"]) == 3

    assert many == few


def test_class_register_does_not_grow_with_meetings(alpha):
    query = f"{{ classAttendance(classId: {alpha.school_class.pk}) {{ rows {{ cells {{ status }} }} meetings {{ id }} }} }}"
    _make_meetings(alpha, 10)
    few, _ = _count(alpha, query)
    _make_meetings(alpha, 190)
    many, data = _count(alpha, query)
    assert len(data["classAttendance"]["meetings"]) == 200
    assert many == few


def test_live_classes_do_not_grow_with_running_classes(alpha):
    query = "{ liveClasses { id participantCount } }"

    def start_all():
        with schema_context(alpha.schema):
            Meeting.objects.update(status=Meeting.Status.STARTED, actual_start=timezone.now())

    _make_meetings(alpha, 3)
    start_all()
    few, data = _count(alpha, query)
    assert [c["participantCount"] for c in data["liveClasses"]] == [3, 3, 3]

    _make_meetings(alpha, 30)
    start_all()
    many, data = _count(alpha, query)
    assert len(data["liveClasses"]) == 33
    assert many == few
