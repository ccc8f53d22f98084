"""A session's register and timeline (`sessionAttendance`), a parent's children's attendance
(`childrenAttendance`) and the richer `studentAttendance`: every expected student is listed,
each role sees only what it may, and no tenant sees another's."""

from datetime import timedelta

import pytest
from django_tenants.utils import schema_context

from attendance.inbox import engine
from attendance.models import AttendanceRecord
from meetings.models import Meeting, Registrant
from tenants.accounts.models import Role
from tenants.accounts.services import user_create

from .conftest import CLASS_START, ended, joined, left, started, store

pytestmark = pytest.mark.django_db

REGISTER = """query($id: ID!) { sessionAttendance(meetingId: $id) {
  canManage final windowStart windowEnd
  rows { student { id name } status attendedSeconds share isFinal recorded }
  guests { name }
  timeline { key name role studentId segments { joinedAt leftAt verified } } } }"""


def process(bodies):
    for event_id in store(bodies):
        engine.webhook_event_process(event_id=event_id)


def ask(world, role, query, **variables):
    response = world.client(role).post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def running(live_class):
    """alpha's class running: the world's own student (a registrant) came for 20 minutes and
    left, Ann (a registrant) is still in, Bob and Cy never came, and someone unidentified is
    in the room."""
    world, meeting, people = live_class
    with schema_context(world.schema):
        Registrant.objects.create(
            meeting=meeting,
            user=world.users["student"],
            status="registered",
            zoom_registrant_id="reg-stu",
        )
        process(
            [
                started(),
                joined("alpha student", 1, registrant_id="reg-stu"),
                joined("Ann A", 2, registrant_id="reg-ann"),
                joined("Mystery", 3),
                left("alpha student", 21, registrant_id="reg-stu"),
            ]
        )
    return world, meeting, people


def _names(rows):
    return [r["student"]["name"] for r in rows]


def test_the_provisional_register_lists_every_enrolled_student_sorted_by_name(running):
    # given a running class where only one student has left
    world, meeting, _ = running
    with schema_context(world.schema):
        assert AttendanceRecord.objects.filter(meeting=meeting).count() == 1

    # when its teacher reads the register
    data = ask(world, "teacher", REGISTER, id=str(meeting.pk))["data"]["sessionAttendance"]

    # then every enrolled student is there, by name, provisional
    rows = {r["student"]["name"]: r for r in data["rows"]}
    assert _names(data["rows"]) == ["alpha student", "Ann A", "Bob B", "Cy C"]
    assert rows["alpha student"]["recorded"] and rows["alpha student"]["status"] == "PRESENT"
    assert rows["alpha student"]["attendedSeconds"] == 20 * 60
    assert rows["alpha student"]["share"] == pytest.approx(20 / 60)
    assert not rows["Ann A"]["recorded"] and rows["Ann A"]["attendedSeconds"] > 0
    assert rows["Bob B"]["status"] == "ABSENT" and rows["Cy C"]["status"] == "ABSENT"
    assert not data["final"] and data["canManage"]


def test_the_register_after_the_end_is_every_students_record(running):
    world, meeting, _ = running
    with schema_context(world.schema):
        process([left("Ann A", 50, registrant_id="reg-ann"), ended(60)])

    data = ask(world, "teacher", REGISTER, id=str(meeting.pk))["data"]["sessionAttendance"]

    assert [(r["student"]["name"], r["status"], r["recorded"]) for r in data["rows"]] == [
        ("alpha student", "PRESENT", True),
        ("Ann A", "PRESENT", True),
        ("Bob B", "ABSENT", True),
        ("Cy C", "ABSENT", True),
    ]
    assert data["windowStart"].startswith("2026-11-23T09:00")
    assert data["windowEnd"].startswith("2026-11-23T10:00")


def test_the_teachers_timeline_has_everyone_in_the_room_one_row_each(running):
    world, meeting, people = running
    with schema_context(world.schema):
        process([joined("alpha student", 30, registrant_id="reg-stu")])  # back again

    data = ask(world, "teacher", REGISTER, id=str(meeting.pk))["data"]["sessionAttendance"]

    rows = {r["name"]: r for r in data["timeline"]}
    assert list(rows) == ["alpha student", "Ann A", "Mystery"]
    student = rows["alpha student"]
    assert student["studentId"] == str(world.users["student"].pk)
    assert [
        (s["joinedAt"][11:16], s["leftAt"] and s["leftAt"][11:16]) for s in student["segments"]
    ] == [
        ("09:01", "09:21"),
        ("09:30", None),
    ]
    assert rows["Mystery"]["studentId"] is None
    assert rows["Mystery"]["segments"][0]["verified"] is False


def test_a_student_sees_only_their_own_row_and_segments(running):
    world, meeting, _ = running

    data = ask(world, "student", REGISTER, id=str(meeting.pk))["data"]["sessionAttendance"]

    assert _names(data["rows"]) == ["alpha student"]
    assert [r["name"] for r in data["timeline"]] == ["alpha student"]
    assert data["guests"] == [] and not data["canManage"]


def test_a_parent_sees_only_their_childs_row(running):
    world, meeting, _ = running

    data = ask(world, "parent", REGISTER, id=str(meeting.pk))["data"]["sessionAttendance"]

    assert _names(data["rows"]) == ["alpha student"]
    assert [r["name"] for r in data["timeline"]] == ["alpha student"]


def test_another_teacher_and_another_school_get_nothing(running, beta):
    world, meeting, _ = running
    with schema_context(world.schema):
        other = user_create(
            email="t2@alpha.test", password=None, role=Role.TEACHER, name="Other teacher"
        )
    client = world.client()
    with schema_context(world.schema):
        client.force_login(other)
    response = client.post(
        "/graphql/",
        {"query": REGISTER, "variables": {"id": str(meeting.pk)}},
        content_type="application/json",
    ).json()
    assert response["data"] is None and "No such meeting" in response["errors"][0]["message"]

    for role in ("admin", "teacher", "student", "parent"):
        body = ask(beta, role, REGISTER, id=str(meeting.pk))
        assert body["data"] is None, role
        assert "No such meeting" in body["errors"][0]["message"]


def test_anonymous_is_refused(running):
    world, meeting, _ = running
    body = ask(world, None, REGISTER, id=str(meeting.pk))
    assert body["data"] is None


CHILDREN = """{ childrenAttendance { student { name } attendance {
  meetingTitle status isFinal className } } }"""


def test_a_parent_sees_each_child_with_their_attendance_and_absences(running, beta):
    # given a second, ended class the child missed, scored for good
    world, meeting, _ = running
    with schema_context(world.schema):
        process([ended(60)])
        missed = Meeting.objects.create(
            school_class=world.school_class,
            host=world.users["teacher"],
            title="Missed maths",
            start_time=CLASS_START + timedelta(days=1),
            status=Meeting.Status.ENDED,
        )
        from attendance.services import attendance_score_meeting

        attendance_score_meeting(meeting=missed, final=True)

    # when the parent asks
    data = ask(world, "parent", CHILDREN)["data"]["childrenAttendance"]

    # then one child, newest class first, the absence final
    assert [c["student"]["name"] for c in data] == ["alpha student"]
    assert data[0]["attendance"] == [
        {
            "meetingTitle": "Missed maths",
            "status": "ABSENT",
            "isFinal": True,
            "className": "Alpha School maths",
        },
        {
            "meetingTitle": "Maths",
            "status": "PRESENT",
            "isFinal": False,
            "className": "Alpha School maths",
        },
    ]
    # and nobody else gets children; another school's parent has none of these
    assert ask(world, "student", CHILDREN)["data"]["childrenAttendance"] == []
    assert ask(world, "teacher", CHILDREN)["data"]["childrenAttendance"] == []
    assert ask(beta, "parent", CHILDREN)["data"]["childrenAttendance"] == [
        {"student": {"name": "beta student"}, "attendance": []}
    ]


GRID = """query($id: ID!) { classAttendance(classId: $id) {
  meetings { id title }
  rows { student { name } cells { meetingId status attendedSeconds isFinal } } } }"""


def test_the_class_grid_is_scoped_to_who_asks(running, beta):
    # given the class ended and scored
    world, meeting, _ = running
    with schema_context(world.schema):
        process([ended(60)])
    class_id = str(world.school_class.pk)

    def rows(w, role):
        body = ask(w, role, GRID, id=class_id)
        if body["data"] is None:
            return None
        return {
            r["student"]["name"]: r["cells"][0]["status"]
            for r in body["data"]["classAttendance"]["rows"]
        }

    # the class's teacher and the admin see every student; a student themself; a parent their child
    everyone = {"alpha student": "PRESENT", "Ann A": "PRESENT", "Bob B": "ABSENT", "Cy C": "ABSENT"}
    assert rows(world, "teacher") == everyone
    assert rows(world, "admin") == everyone
    assert rows(world, "student") == {"alpha student": "PRESENT"}
    assert rows(world, "parent") == {"alpha student": "PRESENT"}
    # another school's people reach nothing of alpha's by its id (ids are per school: the
    # same number may name beta's own class, never alpha's)
    for role in ("admin", "teacher", "student", "parent"):
        body = ask(beta, role, GRID, id=class_id)
        grid = (body["data"] or {}).get("classAttendance") or {"meetings": [], "rows": []}
        assert "Maths" not in {m["title"] for m in grid["meetings"]}, role
        assert not {r["student"]["name"] for r in grid["rows"]} & set(everyone), role


OVERRIDE = """mutation($m: ID!, $s: ID!, $reason: String!) {
  overrideAttendance(meetingId: $m, studentId: $s, status: EXCUSED, reason: $reason) {
    record { student { name } status overridden overrideReason }
    errors { field message code } } }"""


def test_a_teacher_overrides_an_expected_student_not_scored_yet(running):
    # given Cy, enrolled, who has no record while the class runs
    world, meeting, people = running
    cy = str(people["cy"].pk)

    # when the teacher excuses Cy, with a reason
    data = ask(world, "teacher", OVERRIDE, m=str(meeting.pk), s=cy, reason="Ill, mother called")

    # then the record exists, overridden, and the register shows it
    assert data["data"]["overrideAttendance"] == {
        "record": {
            "student": {"name": "Cy C"},
            "status": "EXCUSED",
            "overridden": True,
            "overrideReason": "Ill, mother called",
        },
        "errors": [],
    }
    rows = ask(world, "teacher", REGISTER, id=str(meeting.pk))["data"]["sessionAttendance"]["rows"]
    assert {r["student"]["name"]: r["status"] for r in rows}["Cy C"] == "EXCUSED"


@pytest.mark.parametrize("role", ["student", "parent"])
def test_students_and_parents_cannot_override_nor_create_records(running, role):
    world, meeting, people = running
    student = str(world.users["student"].pk)
    with schema_context(world.schema):
        before = AttendanceRecord.objects.filter(meeting=meeting).count()

    for who in (student, str(people["cy"].pk)):
        data = ask(world, role, OVERRIDE, m=str(meeting.pk), s=who, reason="because")
        payload = data["data"]["overrideAttendance"]
        assert payload["record"] is None and payload["errors"], (role, who)

    with schema_context(world.schema):
        assert AttendanceRecord.objects.filter(meeting=meeting).count() == before
        assert not AttendanceRecord.objects.exclude(override_status="").exists()


def test_the_reason_is_required(running):
    world, meeting, people = running
    data = ask(world, "teacher", OVERRIDE, m=str(meeting.pk), s=str(people["cy"].pk), reason=" ")
    errors = data["data"]["overrideAttendance"]["errors"]
    assert [e["field"] for e in errors] == ["reason"]
    with schema_context(world.schema):
        assert not AttendanceRecord.objects.filter(student=people["cy"]).exists()


def test_a_batch_read_before_the_end_publishes_the_status_it_ends_with(live_class, monkeypatch):
    """The worker's batch re-reads the meeting's status before it publishes (a teacher may
    have ended the class while the batch ran): its event says ENDED and counts nobody."""
    from attendance import services
    from attendance.events import ParticipantsChanged
    from attendance.inbox import engine

    world, meeting, _ = live_class
    with schema_context(world.schema):
        process([started(), joined("Ann A", 2, registrant_id="reg-ann")])
        stale = Meeting.objects.get(pk=meeting.pk)  # read while the class runs
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.ENDED)  # "End class"
        monkeypatch.setattr(engine, "meeting_session_for_zoom_object", lambda **_: stale)
        sent = []
        monkeypatch.setattr(services, "publish", sent.append)

        process([joined("Bob B", 3, email="bob@alpha.test")])

    changed = [e for e in sent if isinstance(e, ParticipantsChanged)]
    assert [(e.status, e.count) for e in changed] == [("ended", 0)]


def test_a_teacher_who_only_sees_a_school_wide_class_gets_no_ones_attendance(running):
    # given a class published to the whole school, and a teacher who does not teach it
    world, meeting, _ = running
    with schema_context(world.schema):
        Meeting.objects.filter(pk=meeting.pk).update(target_audience="all")
        other = user_create(
            email="t3@alpha.test", password=None, role=Role.TEACHER, name="Other teacher"
        )
    client = world.client()
    with schema_context(world.schema):
        client.force_login(other)

    # when they read its register
    data = client.post(
        "/graphql/",
        {"query": REGISTER, "variables": {"id": str(meeting.pk)}},
        content_type="application/json",
    ).json()["data"]["sessionAttendance"]

    # then they see the session, but no student's row and nobody's segments
    assert data["rows"] == [] and data["timeline"] == [] and data["guests"] == []
    assert not data["canManage"]
