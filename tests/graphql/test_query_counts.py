"""The dashboard's queries cost the same number of SQL queries for 10 meetings as for 200, and
lists fetch only the related rows the query selected."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.models import AttendanceRecord, ParticipantSession, Recording, RecordingFile
from meetings.models import Meeting, Registrant

pytestmark = pytest.mark.django_db

DASHBOARD = """{ meetings(limit: 100) { totalCount items { id title status startTime
  teacher { name } participants { name role joinedAt } attendance { student { email } status }
  registrants { user { email } } } } }"""


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


def _capture(world, query: str) -> tuple[list[str], dict]:
    client = world.client("teacher")
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/graphql/", {"query": query}, content_type="application/json")
    body = response.json()
    assert "errors" not in body, body
    return [q["sql"] for q in captured.captured_queries], body["data"]


def _count(world, query: str) -> tuple[int, dict]:
    sql, data = _capture(world, query)
    return len(sql), data


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


@pytest.mark.parametrize("role", ["admin", "teacher", "student", "parent"])
def test_the_room_and_register_of_a_list_do_not_grow_with_meetings_for_any_role(alpha, role):
    # given: the dashboard's selection, asked by each role (a parent's view of the records
    # reads who the students' parents are; the others' does not)
    query = """{ meetings(limit: 100) { items { id participants { name role joinedAt }
      attendance { student { email } status } } } }"""
    _make_meetings(alpha, 10)
    client = alpha.client(role)

    def count() -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as captured:
            body = client.post("/graphql/", {"query": query}, content_type="application/json")
        assert "errors" not in body.json(), body.json()
        return len(captured.captured_queries), body.json()["data"]

    few, _ = count()

    # when
    _make_meetings(alpha, 90)
    many, data = count()

    # then: the same queries, and each role saw what its policy gives it
    items = data["meetings"]["items"]
    assert len(items) == 100
    records = {r["student"]["email"] for m in items for r in m["attendance"]}
    assert records == {alpha.users["student"].email}
    manages = role in ("admin", "teacher")
    assert all(len(m["participants"]) == (3 if manages else 0) for m in items)
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


def test_a_meetings_list_that_does_not_ask_for_participants_does_not_fetch_them(alpha):
    # given: meetings with participants, records and registrants
    _make_meetings(alpha, 5)
    related = {
        model._meta.db_table
        for model in (ParticipantSession, AttendanceRecord, Registrant, Recording)
    }

    # when: a list asks for the meetings themselves only
    plain, data = _capture(
        alpha, "{ meetings(limit: 100) { items { id title teacher { name } } } }"
    )
    # and: a list asks for the participants
    asked, asked_data = _capture(
        alpha, "{ meetings(limit: 100) { items { id participants { name } } } }"
    )

    # then: the first reads none of the related tables, the second reads the participants
    assert len(data["meetings"]["items"]) == 5
    assert not [q for q in plain if any(f'"{table}"' in q for table in related)]
    participants = f'"{ParticipantSession._meta.db_table}"'
    assert any(participants in q for q in asked)
    assert len(asked_data["meetings"]["items"][0]["participants"]) == 3
    assert len(plain) < len(asked)


def test_fields_asked_through_fragments_and_aliases_are_fetched(alpha):
    # given
    _make_meetings(alpha, 2)
    query = """
      query {
        bare: meetings { items { id } }
        full: meetings { items { ...Room ... on Meeting { attendance { status } } } }
      }
      fragment Room on Meeting { participants { name } registrants { status } }
    """

    # when
    _, data = _capture(alpha, query)

    # then: each alias got what it selected, through the fragments too
    assert set(data["bare"]["items"][0]) == {"id"}
    full = data["full"]["items"][0]
    assert len(full["participants"]) == 3
    assert len(full["registrants"]) == 1
    assert len(full["attendance"]) == 1


def test_the_roster_of_a_list_does_not_grow_with_meetings(alpha):
    query = "{ meetings(limit: 100) { items { roster { user { name } registration invitation rsvp } } } }"
    _make_meetings(alpha, 5)
    few, data = _count(alpha, query)
    assert data["meetings"]["items"][0]["roster"][0]["registration"] == "registered"

    _make_meetings(alpha, 45)
    many, data = _count(alpha, query)

    assert len(data["meetings"]["items"]) == 50
    assert many == few


def _record(world, meeting, count: int) -> None:
    with schema_context(world.schema):
        for i in range(count):
            recording = Recording.objects.create(
                meeting=meeting, zoom_uuid=f"uuid-{meeting.pk}-{Recording.objects.count()}"
            )
            RecordingFile.objects.bulk_create(
                RecordingFile(recording=recording, zoom_file_id=f"f{j}", file_type="MP4")
                for j in range(3 + i)
            )


def test_session_recordings_do_not_grow_with_recordings_and_files(alpha):
    # given: a session with one recording, then with eight more and more files each
    with schema_context(alpha.schema):
        meeting = Meeting.objects.create(
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="recorded",
            start_time=timezone.now() - timedelta(days=1),
        )
    query = f"{{ sessionRecordings(meetingId: {meeting.pk}) {{ id canDelete files {{ id playUrl downloadUrl }} }} }}"
    _record(alpha, meeting, 1)
    few, data = _count(alpha, query)
    assert len(data["sessionRecordings"]) == 1

    # when
    _record(alpha, meeting, 8)
    many, data = _count(alpha, query)

    # then
    assert len(data["sessionRecordings"]) == 9
    assert sum(len(r["files"]) for r in data["sessionRecordings"]) > 30
    assert many == few
