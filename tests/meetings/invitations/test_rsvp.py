"""RSVPs: from the signed links in the mail (no sign-in) and through GraphQL, for those who may
join; counts and the list for those who manage the meeting. Tenant isolation and roles."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings import services
from meetings.invitations.models import Rsvp
from meetings.invitations.services import rsvp_token
from meetings.models import Meeting
from meetings.recurrence import RecurrenceRule
from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tests.graphql.conftest import GQL

from .conftest import schedule, soon

pytestmark = pytest.mark.django_db

RSVP = """mutation($id: ID!, $r: RsvpResponse!, $s: Boolean) {
  rsvp(meetingId: $id, response: $r, wholeSeries: $s) { response wholeSeries errors { code message } }
}"""
MINE = "query($id: ID!) { meeting(id: $id) { myRsvp } }"
COUNTS = """query($id: ID!) { meeting(id: $id) {
  rsvpCounts { accepted declined tentative pending } rsvps { user { email } response } } }"""


def _links(mail) -> dict[str, str]:
    """The three answer links of a mail, by answer: their paths on the school's host."""
    urls = re.findall(r"https?://[^\s\"<]+/rsvp/[^\s\"<]+/", mail.body)
    assert len(urls) == 3
    paths = [re.sub(r"^https?://[^/]+", "", u) for u in urls]
    return dict(zip(("accepted", "declined", "tentative"), paths, strict=True))


def _answers(world, meeting) -> dict[str, str]:
    with schema_context(world.schema):
        rows = Rsvp.objects.filter(meeting=meeting) | Rsvp.objects.filter(
            series_id=meeting.series_id
        )
        return {r.user.email: r.response for r in rows.select_related("user")}


@pytest.fixture
def invited(alpha, commit, outbox):
    """A scheduled class and the student's invitation mail."""
    meeting = schedule(alpha, commit)
    [mail] = outbox.run(alpha)
    return meeting, mail


# --- links ----------------------------------------------------------------------------------


def test_a_link_shows_the_answer_and_records_it_on_confirmation_without_sign_in(alpha, invited):
    meeting, mail = invited
    link = _links(mail)["tentative"]
    anonymous = alpha.client()

    # opening it (as a mail scanner would) records nothing
    page = anonymous.get(link)
    assert page.status_code == 200 and b'data-test-id="rsvp-confirm"' in page.content
    assert _answers(alpha, meeting) == {}

    # confirming records it and says so
    done = anonymous.post(link)
    assert done.status_code == 200 and b'data-test-id="rsvp-recorded"' in done.content
    assert _answers(alpha, meeting) == {"student@alpha.test": "tentative"}

    # another answer from the same mail replaces it
    anonymous.post(_links(mail)["declined"])
    assert _answers(alpha, meeting) == {"student@alpha.test": "declined"}


def test_forged_and_altered_links_are_refused(alpha, invited):
    meeting, mail = invited
    link = _links(mail)["accepted"]
    token = link.split("/rsvp/")[1].rstrip("/")
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for path in (f"/rsvp/{altered}/", "/rsvp/not-a-token/", f"/rsvp/{token}x/"):
        response = alpha.client().post(path)
        assert response.status_code == 404, path
        assert b"zoom" not in response.content.lower()
    assert _answers(alpha, meeting) == {}


def test_a_link_is_worthless_on_another_school(alpha, beta, invited):
    meeting, mail = invited
    link = _links(mail)["accepted"]
    response = beta.client().post(link)
    assert response.status_code == 404
    assert _answers(alpha, meeting) == {}


def test_an_expired_link_is_refused(alpha, invited):
    meeting, _ = invited
    with schema_context(alpha.schema):
        token = rsvp_token(
            user=alpha.users["student"],
            kind="meeting",
            object_id=meeting.pk,
            response="accepted",
            expires=timezone.now() - timedelta(seconds=1),
        )
    response = alpha.client().post(f"/rsvp/{token}/")
    assert response.status_code == 410 and b"expired" in response.content
    assert _answers(alpha, meeting) == {}


def test_a_link_stops_working_when_its_owner_may_no_longer_join(alpha, invited):
    meeting, mail = invited
    with schema_context(alpha.schema):
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    response = alpha.client().post(_links(mail)["accepted"])
    assert response.status_code == 410
    assert _answers(alpha, meeting) == {}


def test_a_series_link_answers_for_the_whole_series(alpha, commit, outbox):
    rule = RecurrenceRule(frequency="daily", count=3)
    meeting = schedule(alpha, commit, recurrence=rule)
    [mail] = outbox.run(alpha)
    alpha.client().post(_links(mail)["accepted"])
    with schema_context(alpha.schema):
        [row] = Rsvp.objects.all()
        assert (row.series_id, row.meeting_id, row.response) == (
            meeting.series_id,
            None,
            "accepted",
        )
        last = Meeting.objects.filter(series_id=meeting.series_id).order_by("start_time").last()
    assert GQL(alpha, "student").ok(MINE, id=str(last.pk))["meeting"]["myRsvp"] == "ACCEPTED"


# --- GraphQL --------------------------------------------------------------------------------


def test_a_student_answers_and_sees_their_answer(alpha, invited):
    meeting, _ = invited
    gql = GQL(alpha, "student")
    assert gql.ok(MINE, id=str(meeting.pk))["meeting"]["myRsvp"] is None
    data = gql.ok(RSVP, id=str(meeting.pk), r="ACCEPTED")["rsvp"]
    assert data == {"response": "ACCEPTED", "wholeSeries": False, "errors": []}
    assert gql.ok(MINE, id=str(meeting.pk))["meeting"]["myRsvp"] == "ACCEPTED"


def test_a_sessions_own_answer_wins_over_its_series_answer(alpha, commit, outbox):
    meeting = schedule(alpha, commit, recurrence=RecurrenceRule(frequency="daily", count=3))
    with schema_context(alpha.schema):
        first, second, _ = Meeting.objects.filter(series_id=meeting.series_id).order_by("pk")
    gql = GQL(alpha, "student")
    assert gql.ok(RSVP, id=str(first.pk), r="ACCEPTED", s=True)["rsvp"]["wholeSeries"] is True
    gql.ok(RSVP, id=str(second.pk), r="DECLINED")
    assert gql.ok(MINE, id=str(first.pk))["meeting"]["myRsvp"] == "ACCEPTED"
    assert gql.ok(MINE, id=str(second.pk))["meeting"]["myRsvp"] == "DECLINED"
    # a new whole-series answer replaces the session's own for the sessions to come
    gql.ok(RSVP, id=str(first.pk), r="TENTATIVE", s=True)
    assert gql.ok(MINE, id=str(second.pk))["meeting"]["myRsvp"] == "TENTATIVE"


@pytest.mark.parametrize("role", ["teacher", "admin", "parent"])
def test_those_who_may_not_join_cannot_answer(alpha, invited, role):
    meeting, _ = invited
    data = GQL(alpha, role).ok(RSVP, id=str(meeting.pk), r="ACCEPTED")["rsvp"]
    assert data["response"] is None
    assert [e["code"] for e in data["errors"]] == ["forbidden"]
    assert _answers(alpha, meeting) == {}


def test_on_a_school_wide_class_only_those_invited_answer(alpha, commit, outbox):
    # given: a class published to the whole school (a parent may join it), whose invitations
    # go to the class's students only
    meeting = commit(
        alpha,
        services.meeting_schedule,
        actor=alpha.users["admin"],
        school_class=alpha.school_class,
        title="Assembly",
        start_time=soon(),
        target_audience="all",
    )
    outbox.run(alpha)

    # when: the parent, who was not invited, answers; then the invited student does
    parent = GQL(alpha, "parent").ok(RSVP, id=str(meeting.pk), r="ACCEPTED")["rsvp"]
    student = GQL(alpha, "student").ok(RSVP, id=str(meeting.pk), r="ACCEPTED")["rsvp"]

    # then: only the student's answer is taken
    assert [e["code"] for e in parent["errors"]] == ["forbidden"]
    assert student["errors"] == []
    assert list(_answers(alpha, meeting).values()) == ["accepted"]


def test_a_student_of_another_class_finds_no_such_meeting(alpha, invited):
    meeting, _ = invited
    with schema_context(alpha.schema):
        user_create(email="other@alpha.test", password="x" * 14, role=Role.STUDENT)
    client = alpha.client()
    with schema_context(alpha.schema):
        from tenants.accounts.models import User

        client.force_login(User.objects.get(email="other@alpha.test"))
    data = GQL(alpha, client=client).ok(RSVP, id=str(meeting.pk), r="ACCEPTED")["rsvp"]
    assert [e["code"] for e in data["errors"]] == ["not_found"]
    assert _answers(alpha, meeting) == {}


def test_another_schools_student_cannot_answer_with_this_schools_id(alpha, beta, invited):
    meeting, _ = invited
    data = GQL(beta, "student").ok(RSVP, id=str(meeting.pk), r="ACCEPTED")["rsvp"]
    assert [e["code"] for e in data["errors"]] == ["not_found"]
    assert _answers(alpha, meeting) == {}


def test_a_past_class_cannot_be_answered(alpha, invited):
    meeting, _ = invited
    with schema_context(alpha.schema):
        Meeting.objects.filter(pk=meeting.pk).update(start_time=timezone.now() - timedelta(hours=3))
    data = GQL(alpha, "student").ok(RSVP, id=str(meeting.pk), r="ACCEPTED")["rsvp"]
    assert [e["code"] for e in data["errors"]] == ["forbidden"]


def test_bad_answers_are_refused_by_the_schema(alpha, invited):
    meeting, _ = invited
    body = GQL(alpha, "student")(RSVP, id=str(meeting.pk), r="MAYBE")
    assert "errors" in body and _answers(alpha, meeting) == {}


@pytest.mark.parametrize("role", ["teacher", "admin"])
def test_those_who_manage_see_counts_and_the_list(alpha, invited, role):
    meeting, _ = invited
    GQL(alpha, "student").ok(RSVP, id=str(meeting.pk), r="DECLINED")
    with schema_context(alpha.schema):
        pending = user_create(email="new@alpha.test", password="x" * 14, role=Role.STUDENT)
        alpha.school_class.students.add(pending)
    data = GQL(alpha, role).ok(COUNTS, id=str(meeting.pk))["meeting"]
    assert data["rsvpCounts"] == {"accepted": 0, "declined": 1, "tentative": 0, "pending": 1}
    assert {r["user"]["email"]: r["response"] for r in data["rsvps"]} == {
        "student@alpha.test": "DECLINED",
        "new@alpha.test": None,
    }


@pytest.mark.parametrize("role", ["student", "parent"])
def test_others_see_no_counts_and_no_list(alpha, invited, role):
    meeting, _ = invited
    GQL(alpha, "student").ok(RSVP, id=str(meeting.pk), r="ACCEPTED")
    data = GQL(alpha, role).ok(COUNTS, id=str(meeting.pk))["meeting"]
    assert data == {"rsvpCounts": None, "rsvps": []}


def test_another_schools_admin_sees_nothing(alpha, beta, invited):
    meeting, _ = invited
    body = GQL(beta, "admin")(COUNTS, id=str(meeting.pk))
    assert body["data"] is None and "No such meeting." in str(body["errors"])


# --- the school's rule ----------------------------------------------------------------------

POLICY = "mutation($p: Boolean!) { setInvitationPolicy(parentsInvited: $p) { policy { parentsInvited } errors { code } } }"


def test_only_admins_set_the_invitation_policy_in_their_own_school(alpha, beta):
    for role in ("teacher", "student", "parent"):
        body = GQL(alpha, role)(POLICY, p=True)
        assert body["data"] is None and "Only school admins" in str(body["errors"]), role
    body = GQL(beta, "admin")(POLICY, p=True)  # beta's admin changes beta's rule only
    assert body["data"]["setInvitationPolicy"]["policy"] == {"parentsInvited": True}
    GQL(beta, "admin").ok(POLICY, p=False)
    data = GQL(alpha, "admin").ok(POLICY, p=True)["setInvitationPolicy"]
    assert data == {"policy": {"parentsInvited": True}, "errors": []}
    query = "{ invitationPolicy { parentsInvited } }"
    assert GQL(alpha, "admin").ok(query)["invitationPolicy"]["parentsInvited"] is True
    assert GQL(beta, "admin").ok(query)["invitationPolicy"]["parentsInvited"] is False


# --- cost -----------------------------------------------------------------------------------


def _list_queries(world, role, query, meetings: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with schema_context(world.schema):
        Meeting.objects.bulk_create(
            Meeting(
                school_class=world.school_class,
                host=world.users["teacher"],
                title=f"m{i}",
                start_time=timezone.now() + timedelta(days=1, hours=i),
            )
            for i in range(meetings)
        )
        [some] = Meeting.objects.filter(title="m0")[:1]
        Rsvp.objects.get_or_create(
            user=world.users["student"],
            meeting=some,
            defaults={"response": "accepted", "responded_at": timezone.now()},
        )
    client = GQL(world, role)
    with CaptureQueriesContext(connection) as captured:
        data = client.ok(query)
    assert len(data["meetings"]["items"]) >= meetings
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("role", "query"),
    [
        ("student", "{ meetings(limit: 100) { items { id myRsvp } } }"),
        (
            "teacher",
            "{ meetings(limit: 100) { items { id rsvpCounts { pending } rsvps { response } } } }",
        ),
    ],
)
def test_answers_in_a_list_cost_the_same_for_3_meetings_as_for_30(alpha, role, query):
    few = _list_queries(alpha, role, query, 3)
    many = _list_queries(alpha, role, query, 27)
    assert many == few
