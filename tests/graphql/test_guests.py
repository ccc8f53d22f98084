"""inviteGuest, revokeGuest and Meeting.guests: who may, typed errors, tenant isolation."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.guests import services
from meetings.guests.models import Guest
from meetings.models import Meeting, MeetingSeries
from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.school.services import class_create

pytestmark = pytest.mark.django_db

START = timezone.now() + timedelta(days=2)

INVITE = """
mutation($m: ID!, $name: String!, $email: String!, $series: Boolean! = false) {
  inviteGuest(meetingId: $m, name: $name, email: $email, wholeSeries: $series) {
    guest { id name email wholeSeries revokedAt invitedBy { name } }
    errors { field message code }
  }
}"""
REVOKE = """
mutation($g: ID!) {
  revokeGuest(guestId: $g) { guest { id revokedAt } errors { field message code } }
}"""
GUESTS = "query($m: ID!) { meeting(id: $m) { guests { id name email wholeSeries revokedAt } } }"


def _meeting(world, series=None, **fields):
    with schema_context(world.schema):
        return Meeting.objects.create(
            school_class=world.school_class,
            host=world.users["teacher"],
            title="Maths",
            start_time=START,
            series=series,
            **fields,
        )


def _guest(world, meeting, email="ada@example.org"):
    with schema_context(world.schema):
        return services.guest_invite(
            meeting=meeting, name="Ada", email=email, by=world.users["admin"]
        )


@pytest.mark.parametrize("role", ["teacher", "admin"])
def test_managers_invite_and_see_the_guests(alpha, gql, role):
    meeting = _meeting(alpha)

    data = gql(alpha, role).ok(INVITE, m=str(meeting.pk), name="Ada", email="ada@example.org")

    invited = data["inviteGuest"]
    assert invited["errors"] == []
    assert invited["guest"]["name"] == "Ada" and invited["guest"]["wholeSeries"] is False
    listed = gql(alpha, role).ok(GUESTS, m=str(meeting.pk))["meeting"]["guests"]
    assert [(g["id"], g["email"]) for g in listed] == [(invited["guest"]["id"], "ada@example.org")]


@pytest.mark.parametrize("role", ["student", "parent"])
def test_students_and_parents_neither_invite_nor_see_guests(alpha, gql, role):
    meeting = _meeting(alpha)
    _guest(alpha, meeting)

    data = gql(alpha, role).ok(INVITE, m=str(meeting.pk), name="Eve", email="eve@example.org")

    assert data["inviteGuest"]["guest"] is None
    assert [e["code"] for e in data["inviteGuest"]["errors"]] == ["not_found"]
    # they see the meeting, but not its guests
    assert gql(alpha, role).ok(GUESTS, m=str(meeting.pk))["meeting"]["guests"] == []
    with schema_context(alpha.schema):
        assert Guest.objects.count() == 1


def test_a_teacher_of_another_class_can_do_nothing_with_its_guests(alpha, gql):
    meeting = _meeting(alpha)
    guest = _guest(alpha, meeting)
    with schema_context(alpha.schema):
        other = user_create(
            email="t2@alpha.test", password="correct-horse-battery", role=Role.TEACHER
        )
        class_create(name="History", teachers=[other])
    client = alpha.client()
    with schema_context(alpha.schema):
        client.force_login(other)
    from .conftest import GQL

    as_other = GQL(alpha, client=client)

    invite = as_other.ok(INVITE, m=str(meeting.pk), name="Eve", email="eve@example.org")
    revoke = as_other.ok(REVOKE, g=str(guest.pk))

    assert [e["code"] for e in invite["inviteGuest"]["errors"]] == ["not_found"]
    assert [e["code"] for e in revoke["revokeGuest"]["errors"]] == ["not_found"]
    with schema_context(alpha.schema):
        guest.refresh_from_db()
        assert guest.revoked_at is None


def test_another_schools_ids_are_not_found(alpha, beta, gql):
    meeting = _meeting(alpha)
    guest = _guest(alpha, meeting)

    invite = gql(beta, "admin").ok(INVITE, m=str(meeting.pk), name="Eve", email="e@example.org")
    revoke = gql(beta, "admin").ok(REVOKE, g=str(guest.pk))

    assert [e["code"] for e in invite["inviteGuest"]["errors"]] == ["not_found"]
    assert [e["code"] for e in revoke["revokeGuest"]["errors"]] == ["not_found"]
    with schema_context(alpha.schema):
        guest.refresh_from_db()
        assert guest.revoked_at is None
    with schema_context(beta.schema):
        assert not Guest.objects.exists()


@pytest.mark.parametrize("role", ["teacher", "admin"])
def test_managers_revoke(alpha, gql, role):
    guest = _guest(alpha, _meeting(alpha))

    data = gql(alpha, role).ok(REVOKE, g=str(guest.pk))

    assert data["revokeGuest"]["errors"] == []
    assert data["revokeGuest"]["guest"]["revokedAt"] is not None


@pytest.mark.parametrize("role", ["student", "parent"])
def test_students_and_parents_may_not_revoke(alpha, gql, role):
    guest = _guest(alpha, _meeting(alpha))

    data = gql(alpha, role).ok(REVOKE, g=str(guest.pk))

    assert [e["code"] for e in data["revokeGuest"]["errors"]] == ["not_found"]


@pytest.mark.parametrize("guest_id", ["abc", "-1", "99999999999999999999999", "0"])
def test_garbage_guest_ids_are_not_found(alpha, gql, guest_id):
    data = gql(alpha, "admin").ok(REVOKE, g=guest_id)
    assert [e["code"] for e in data["revokeGuest"]["errors"]] == ["not_found"]


@pytest.mark.parametrize(
    ("name", "email", "field", "code"),
    [
        ("Ada", "nope", "email", "invalid"),
        ("", "a@example.org", "name", "required"),
        ("A" * 201, "a@example.org", "name", "too_long"),
    ],
)
def test_bad_input_gets_typed_errors(alpha, gql, name, email, field, code):
    meeting = _meeting(alpha)

    data = gql(alpha, "teacher").ok(INVITE, m=str(meeting.pk), name=name, email=email)

    assert [(e["field"], e["code"]) for e in data["inviteGuest"]["errors"]] == [(field, code)]


def test_inviting_the_same_address_twice_is_a_typed_error(alpha, gql):
    meeting = _meeting(alpha)
    _guest(alpha, meeting)

    data = gql(alpha, "teacher").ok(INVITE, m=str(meeting.pk), name="Ada", email="ada@example.org")

    assert [(e["field"], e["code"]) for e in data["inviteGuest"]["errors"]] == [
        ("email", "already_invited")
    ]


def test_whole_series_invites_to_every_session(alpha, gql):
    with schema_context(alpha.schema):
        series = MeetingSeries.objects.create(
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="Weekly",
            recurrence={},
        )
    first, second = _meeting(alpha, series=series), _meeting(alpha, series=series)
    lone = _meeting(alpha)

    data = gql(alpha, "teacher").ok(
        INVITE, m=str(first.pk), name="Ada", email="ada@example.org", series=True
    )
    refused = gql(alpha, "teacher").ok(
        INVITE, m=str(lone.pk), name="Ada", email="ada@example.org", series=True
    )

    assert data["inviteGuest"]["guest"]["wholeSeries"] is True
    seen = gql(alpha, "teacher").ok(GUESTS, m=str(second.pk))["meeting"]["guests"]
    assert [g["email"] for g in seen] == ["ada@example.org"]
    assert gql(alpha, "teacher").ok(GUESTS, m=str(lone.pk))["meeting"]["guests"] == []
    assert [(e["field"], e["code"]) for e in refused["inviteGuest"]["errors"]] == [
        ("wholeSeries", "invalid")
    ]


def test_anonymous_is_refused(alpha, gql):
    meeting = _meeting(alpha)
    body = gql(alpha)(INVITE, m=str(meeting.pk), name="Ada", email="ada@example.org")
    assert body["data"] is None or body["data"]["inviteGuest"] is None
    assert body.get("errors")


def test_the_guests_of_a_list_of_meetings_cost_a_fixed_number_of_queries(alpha):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    query = "{ meetings(limit: 100) { items { id guests { name invitedBy { name } } } } }"

    def add(count):
        with schema_context(alpha.schema):
            series = MeetingSeries.objects.create(
                school_class=alpha.school_class,
                host=alpha.users["teacher"],
                title="S",
                recurrence={},
            )
        for i in range(count):
            meeting = _meeting(alpha, series=series if i % 2 else None)
            _guest(alpha, meeting, email=f"g{i}@example.org")

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = alpha.client("teacher").post(
                "/graphql/", {"query": query}, content_type="application/json"
            )
        assert "errors" not in response.json()
        return len(captured.captured_queries)

    add(3)
    few = count()
    add(30)
    assert count() == few
