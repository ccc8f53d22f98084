"""Seed 002's access policy as a table, checked for every role × audience × relationship ×
operation through the GraphQL API, in two tenants at once.

The expectations below are written from the policy table, not from the code under test:

    meeting visible to  admins: all · its host: all · the class's teachers: all
                        audience all: everyone · students: every student · teachers: every
                        teacher · class: enrolled students, the class's teachers, parents of
                        enrolled students · personal: invitees
    managing (cancel)   admins, the host, the class's teachers
    registrants         the owner, the meeting's host and class teachers, admins
    attendance          managers all; a student their own; a parent their child's
    guests              managers only: the list, their attendance, inviting and revoking
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.models import AttendanceRecord, GuestAttendance
from meetings.guests.models import Guest
from meetings.models import Meeting, Registrant
from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.school.services import class_create, class_enrol, parent_link

pytestmark = pytest.mark.django_db

AUDIENCES = ["all", "students", "teachers", "class", "personal"]
PEOPLE = {
    # name: (role, relationship)
    "admin": Role.ADMIN,
    "host": Role.TEACHER,  # hosts every meeting, teaches no class
    "class_teacher": Role.TEACHER,
    "other_teacher": Role.TEACHER,
    "enrolled": Role.STUDENT,
    "other_student": Role.STUDENT,
    "invitee": Role.STUDENT,  # invited to the personal meeting, not enrolled
    "parent": Role.PARENT,  # parent of `enrolled`
    "other_parent": Role.PARENT,
}


def can_see(person: str, audience: str) -> bool:
    if person in ("admin", "host", "class_teacher"):
        return True
    role = PEOPLE[person]
    return (
        audience == "all"
        or (audience == "students" and role == Role.STUDENT)
        or (audience == "teachers" and role == Role.TEACHER)
        or (audience == "class" and person in ("enrolled", "parent"))
        or (audience == "personal" and person == "invitee")
    )


def can_manage(person: str) -> bool:
    return person in ("admin", "host", "class_teacher")


def can_join(person: str, audience: str) -> bool:
    """Who gets a join link: those a meeting is for; its managers start it instead, parents
    follow their children's classes without joining them."""
    if can_manage(person):
        return False
    if audience == "class" and PEOPLE[person] == Role.PARENT:
        return False
    return can_see(person, audience)


REGISTERED = {"enrolled", "other_student"}  # registered, with a record, for every meeting
CHILD = {"parent": "enrolled", "other_parent": "other_student"}


def registrants_seen(person: str) -> set[str]:
    if can_manage(person):
        return REGISTERED
    return {person} & REGISTERED


def attendance_seen(person: str) -> set[str]:
    if can_manage(person):
        return REGISTERED
    return ({person} | {CHILD.get(person, "")}) & REGISTERED


def _build(slug: str) -> dict:
    users = {
        name: user_create(email=f"{name}@{slug}.m", password=None, role=role, name=name)
        for name, role in PEOPLE.items()
    }
    school_class = class_create(name=f"{slug} matrix", teachers=[users["class_teacher"]])
    class_enrol(school_class=school_class, students=[users["enrolled"]])
    parent_link(parent=users["parent"], student=users["enrolled"])
    parent_link(parent=users["other_parent"], student=users["other_student"])
    meetings = {}
    for audience in AUDIENCES:
        meeting = Meeting.objects.create(
            school_class=school_class,
            host=users["host"],
            title=f"{slug}-{audience}",
            target_audience=audience,
            start_time=timezone.now() + timedelta(days=2),
        )
        if audience == "personal":
            meeting.invitees.add(users["invitee"])
        for student in ("enrolled", "other_student"):
            Registrant.objects.create(meeting=meeting, user=users[student], status="registered")
            AttendanceRecord.objects.create(
                meeting=meeting, student=users[student], computed_status="absent"
            )
        guest = Guest.objects.create(meeting=meeting, name="guest", email=f"g@{slug}.example")
        GuestAttendance.objects.create(meeting=meeting, guest=guest, computed_status="present")
        meetings[audience] = meeting.pk
    return {"users": users, "meetings": meetings}


@pytest.fixture(scope="module")
def matrix(worlds, django_db_blocker):
    """Both tenants, the same cast and meetings, committed once for the module."""
    built = {}
    with django_db_blocker.unblock():
        for key, world in worlds.items():
            with schema_context(world.schema):
                built[key] = _build(world.org.slug)
    yield built
    with django_db_blocker.unblock():
        for key, world in worlds.items():
            with schema_context(world.schema):
                Meeting.objects.filter(pk__in=built[key]["meetings"].values()).delete()
                for user in built[key]["users"].values():
                    user.delete()


def _client(world, user) -> Client:
    client = Client(HTTP_HOST=world.host)
    with schema_context(world.schema):
        client.force_login(user)
    return client


def _gql(client, query, **variables):
    response = client.post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    return response.json()


CASES = [(p, a) for p in PEOPLE for a in AUDIENCES]


@pytest.mark.parametrize(("person", "audience"), CASES)
def test_read_one_meeting(worlds, matrix, person, audience):
    for key, world in worlds.items():
        client = _client(world, matrix[key]["users"][person])
        meeting_id = matrix[key]["meetings"][audience]
        body = _gql(
            client,
            """query($id: ID!) { meeting(id: $id) {
                 title registrants { user { name } } attendance { student { name } }
                 guests { email } guestAttendance { name } } }""",
            id=meeting_id,
        )
        if can_see(person, audience):
            meeting = body["data"]["meeting"]
            assert meeting["title"] == f"{world.org.slug}-{audience}"
            assert {r["user"]["name"] for r in meeting["registrants"]} == registrants_seen(person)
            assert {a["student"]["name"] for a in meeting["attendance"]} == attendance_seen(person)
            guests = [f"g@{world.org.slug}.example"] if can_manage(person) else []
            assert [g["email"] for g in meeting["guests"]] == guests
            assert [g["name"] for g in meeting["guestAttendance"]] == ["guest"] * len(guests)
        else:
            assert body["errors"][0]["message"] == "No such meeting."


@pytest.mark.parametrize("person", list(PEOPLE))
def test_list_meetings(worlds, matrix, person):
    for key, world in worlds.items():
        client = _client(world, matrix[key]["users"][person])
        body = _gql(client, "{ meetings(limit: 100) { items { title } } }")
        titles = {m["title"] for m in body["data"]["meetings"]["items"]}
        expected = {f"{world.org.slug}-{a}" for a in AUDIENCES if can_see(person, a)}
        assert titles == expected  # and nothing of the other tenant's


@pytest.mark.parametrize("person", list(PEOPLE))
def test_join_url(worlds, matrix, person):
    for key, world in worlds.items():
        client = _client(world, matrix[key]["users"][person])
        body = _gql(client, "{ meetings(limit: 100) { items { title status joinUrl } } }")
        for item in body["data"]["meetings"]["items"]:
            audience = item["title"].split("-", 1)[1]
            # test_manage_meeting may have cancelled it already (any order): no link then
            expected = can_join(person, audience) and item["status"] != "CANCELLED"
            assert (item["joinUrl"] is not None) == expected, (person, audience)
            if expected:
                assert f"//{world.host}" in item["joinUrl"] and "/join/" in item["joinUrl"]


@pytest.mark.parametrize(("person", "audience"), CASES)
def test_manage_meeting(worlds, matrix, person, audience):
    world = worlds["a"]
    client = _client(world, matrix["a"]["users"][person])
    body = _gql(
        client,
        "mutation($id: ID!) { cancelMeeting(meetingId: $id) { meeting { status } errors { code } } }",
        id=matrix["a"]["meetings"][audience],
    )
    result = body["data"]["cancelMeeting"]
    if can_manage(person):
        assert result == {"meeting": {"status": "CANCELLED"}, "errors": []}
    elif can_see(person, audience):
        assert result["errors"] == [{"code": "forbidden"}]
    else:
        assert result["errors"] == [{"code": "not_found"}]


@pytest.mark.parametrize(("person", "audience"), CASES)
def test_invite_and_revoke_guests(worlds, matrix, person, audience):
    world = worlds["a"]
    client = _client(world, matrix["a"]["users"][person])
    meeting_id = matrix["a"]["meetings"][audience]
    with schema_context(world.schema):
        guest_id = Guest.objects.get(meeting_id=meeting_id).pk
    invite = _gql(
        client,
        """mutation($id: ID!) { inviteGuest(meetingId: $id, name: "Eve", email: "eve@example.org") {
             guest { name } errors { code } } }""",
        id=meeting_id,
    )["data"]["inviteGuest"]
    revoke = _gql(
        client,
        "mutation($id: ID!) { revokeGuest(guestId: $id) { guest { name } errors { code } } }",
        id=guest_id,
    )["data"]["revokeGuest"]
    if can_manage(person):
        assert invite == {"guest": {"name": "Eve"}, "errors": []}
        assert revoke == {"guest": {"name": "guest"}, "errors": []}
    else:
        assert invite == {"guest": None, "errors": [{"code": "not_found"}]}
        assert revoke == {"guest": None, "errors": [{"code": "not_found"}]}


@pytest.mark.parametrize("person", list(PEOPLE))
def test_guessed_ids_from_another_tenant_reach_nothing(worlds, matrix, person):
    """Alpha's people asking for beta's meeting ids get alpha's rows or nothing, never beta's."""
    client = _client(worlds["a"], matrix["a"]["users"][person])
    for meeting_id in matrix["b"]["meetings"].values():
        body = _gql(client, "query($id: ID!) { meeting(id: $id) { title } }", id=meeting_id)
        title = (body.get("data") or {}).get("meeting") or {}
        assert not str(title.get("title", "")).startswith("beta-")


def test_no_role_sees_nothing(worlds, matrix):
    world = worlds["a"]
    user = matrix["a"]["users"]["enrolled"]
    with schema_context(world.schema):
        type(user).objects.filter(pk=user.pk).update(role=99)
    client = _client(world, matrix["a"]["users"]["admin"])  # any session; then swap the user
    with schema_context(world.schema):
        client.force_login(type(user).objects.get(pk=user.pk))
    body = _gql(client, "{ meetings { items { title } } }")
    assert body["errors"][0]["message"] == "Sign in first."
    with schema_context(world.schema):
        type(user).objects.filter(pk=user.pk).update(role=Role.STUDENT)


def test_a_students_attendance_shows_a_teacher_only_what_they_teach(worlds, matrix):
    """The class's teacher may ask about their student, and sees the records of meetings they
    manage, not the student's record in another class's meeting open to all (the rule of
    `meeting { attendance }`)."""
    world = worlds["a"]
    users = matrix["a"]["users"]
    with schema_context(world.schema):
        other_class = class_create(name="elsewhere", teachers=[users["other_teacher"]])
        class_enrol(school_class=other_class, students=[users["enrolled"]])
        elsewhere = Meeting.objects.create(
            school_class=other_class,
            host=users["other_teacher"],
            title="elsewhere-all",
            target_audience="all",
            start_time=timezone.now() + timedelta(days=3),
        )
        AttendanceRecord.objects.create(
            meeting=elsewhere, student=users["enrolled"], computed_status="present"
        )
    query = "query($id: ID) { studentAttendance(studentId: $id) { meetingTitle } }"
    seen = {}
    for person in ("class_teacher", "enrolled", "parent", "admin"):
        body = _gql(_client(world, users[person]), query, id=str(users["enrolled"].pk))
        seen[person] = {r["meetingTitle"] for r in body["data"]["studentAttendance"]}

    def visible(person):
        return {f"{world.org.slug}-{a}" for a in AUDIENCES if can_see(person, a)}

    assert seen["class_teacher"] == visible("class_teacher")  # not "elsewhere-all"
    for person in ("enrolled", "parent", "admin"):
        assert seen[person] == visible(person) | {"elsewhere-all"}
