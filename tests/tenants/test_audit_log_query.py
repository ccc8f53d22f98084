"""auditLog's filters (action, person, meeting, time range) and paging, and auditActions: admins
of the school only, each school its own log."""

from datetime import UTC, datetime, timedelta

import pytest
from django_tenants.utils import schema_context

from meetings.models import Meeting
from tenants.audit.models import AuditEntry
from tenants.audit.services import audit_record

pytestmark = pytest.mark.django_db

LOG = """query($action: String, $actor: String, $personId: ID, $meetingId: ID,
  $since: DateTime, $until: DateTime, $limit: Int, $offset: Int) {
  auditLog(action: $action, actor: $actor, personId: $personId, meetingId: $meetingId,
    since: $since, until: $until, limit: $limit, offset: $offset) {
    totalCount items { action actor actorId targetType targetId meetingId details }
  }
}"""
ACTIONS = "{ auditActions }"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def gql(world, role, query, **variables):
    response = world.client(role).post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def log(world, **filters):
    return gql(world, "admin", LOG, **filters)["data"]["auditLog"]


@pytest.fixture
def entries(alpha):
    """alpha's log: a teacher's two joins of one meeting (one denied), a denied join of a link
    to no meeting, an admin's change about the student, a day apart each."""
    with schema_context(alpha.schema):
        AuditEntry.objects.all().delete()
        meeting = Meeting.objects.create(
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="Maths",
            start_time=T0,
        )
        other = Meeting.objects.create(
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="Other",
            start_time=T0,
        )
        student, admin = alpha.users["student"], alpha.users["admin"]
        rows = [
            audit_record(actor=student, action="join.redirected", target=meeting),
            audit_record(
                actor=student, action="join.denied", target=meeting, details={"reason": "early"}
            ),
            audit_record(action="join.denied", actor_label="guest", details={"reason": "bad"}),
            audit_record(actor=admin, action="class.enrolled", target=student),
            audit_record(actor=admin, action="meeting.updated", target=other),
        ]
        for n, row in enumerate(rows):
            AuditEntry.objects.filter(pk=row.pk).update(created_at=T0 + timedelta(days=n))
    return meeting, other


def test_filters_by_action_prefix(alpha, entries):
    denied = log(alpha, action="join.denied")
    joins = log(alpha, action="join.")

    assert denied["totalCount"] == 2 and {i["action"] for i in denied["items"]} == {"join.denied"}
    assert joins["totalCount"] == 3


def test_filters_by_person_what_they_did_and_what_was_done_to_them(alpha, entries):
    student = alpha.users["student"]

    page = log(alpha, personId=str(student.pk))

    assert [i["action"] for i in page["items"]] == [
        "class.enrolled",  # done to them (newest first)
        "join.denied",
        "join.redirected",
    ]
    assert page["items"][1]["actorId"] == str(student.pk)
    assert page["items"][0]["actorId"] == str(alpha.users["admin"].pk)


def test_filters_by_meeting(alpha, entries):
    meeting, other = entries

    page = log(alpha, meetingId=str(meeting.pk))
    denied_here = log(alpha, meetingId=str(meeting.pk), action="join.denied")

    assert [i["action"] for i in page["items"]] == ["join.denied", "join.redirected"]
    assert {i["meetingId"] for i in page["items"]} == {str(meeting.pk)}
    assert denied_here["totalCount"] == 1
    assert denied_here["items"][0]["details"] == {"reason": "early"}
    assert log(alpha, meetingId=str(other.pk))["items"][0]["action"] == "meeting.updated"


def test_filters_by_time_range_until_excluded(alpha, entries):
    page = log(
        alpha,
        since=(T0 + timedelta(days=1)).isoformat(),
        until=(T0 + timedelta(days=3)).isoformat(),
    )
    assert [i["action"] for i in page["items"]] == ["join.denied", "join.denied"]


def test_pages(alpha, entries):
    first = log(alpha, limit=2)
    second = log(alpha, limit=2, offset=2)
    last = log(alpha, limit=2, offset=4)

    assert first["totalCount"] == second["totalCount"] == last["totalCount"] == 5
    seen = [i["action"] for p in (first, second, last) for i in p["items"]]
    assert seen == [
        "meeting.updated",
        "class.enrolled",
        "join.denied",
        "join.denied",
        "join.redirected",
    ]
    assert gql(alpha, "admin", LOG, limit=0)["data"] is None


@pytest.mark.parametrize("bad", ["abc", "-1", "9" * 40, ""])
def test_an_id_that_names_nothing_finds_nothing(alpha, entries, bad):
    assert log(alpha, personId=bad)["totalCount"] == 0
    assert log(alpha, meetingId=bad)["totalCount"] == 0


def test_text_filters_are_plain_text(alpha, entries):
    body = gql(alpha, "admin", LOG, actor="a" * 201)
    assert body["data"] is None and "at most 200" in body["errors"][0]["message"]


def test_actions_lists_each_kind_once(alpha, entries):
    actions = gql(alpha, "admin", ACTIONS)["data"]["auditActions"]
    assert actions == ["class.enrolled", "join.denied", "join.redirected", "meeting.updated"]


def test_each_school_reads_only_its_own_log(alpha, beta, entries):
    meeting, _ = entries
    with schema_context(beta.schema):
        AuditEntry.objects.all().delete()
        audit_record(actor=beta.users["admin"], action="beta.only")

    theirs = log(beta)
    by_alphas_ids = log(beta, personId=str(alpha.users["student"].pk), meetingId=str(meeting.pk))

    assert [i["action"] for i in theirs["items"]] == ["beta.only"]
    assert by_alphas_ids["totalCount"] == 0
    assert gql(beta, "admin", ACTIONS)["data"]["auditActions"] == ["beta.only"]


@pytest.mark.parametrize("role", ["teacher", "student", "parent", None])
@pytest.mark.parametrize("query", [LOG, ACTIONS])
def test_only_admins_read_the_log(alpha, entries, role, query):
    body = gql(alpha, role, query)
    assert body["data"] is None
    assert body["errors"][0]["message"] in ("Only school admins can do that.", "Sign in first.")
