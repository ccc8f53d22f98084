"""`sessionSummary` and `rewriteSummary` for every role: those who manage the session always;
the class's students and their parents only when the school allows; nobody else, in this
school or another ("missing" and "not yours" are one answer)."""

import dramatiq
import pytest
from django.test import Client
from django_tenants.utils import schema_context

from attendance.recordings.actors import summary_write as summary_write_actor
from attendance.recordings.summaries import summary_write
from tenants.accounts.models import Role
from tenants.accounts.services import user_create

from .summary_support import recording_settings_set, session_make, transcript_store
from .summary_transcripts import ENGLISH, TEACHER

pytestmark = pytest.mark.django_db

READ = """query($id: ID!) { sessionSummary(meetingId: $id) {
  text method model createdAt fallbackReason actionItems { text speaker startMs } } }"""
REWRITE = (
    """mutation($id: ID!) { rewriteSummary(meetingId: $id) { ok errors { field message code } } }"""
)


def post(client, query, **variables):
    response = client.post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def people(alpha):
    """alpha's own people plus a teacher, a student and a parent who have nothing to do with
    the class: a client for each."""
    with schema_context(alpha.schema):
        others = {
            "other_teacher": user_create(
                email="t2@alpha.test", password=None, role=Role.TEACHER, name="T2"
            ),
            "other_student": user_create(
                email="s2@alpha.test", password=None, role=Role.STUDENT, name="S2"
            ),
            "other_parent": user_create(
                email="p2@alpha.test", password=None, role=Role.PARENT, name="P2"
            ),
        }
        clients = {role: alpha.client(role) for role in ("admin", "teacher", "student", "parent")}
        for name, user in others.items():
            clients[name] = Client(HTTP_HOST=alpha.host)
            clients[name].force_login(user)
    return clients


@pytest.fixture
def summarised(alpha):
    """A session of alpha's class with a transcript and a summary that fell back."""
    with schema_context(alpha.schema):
        meeting = session_make(alpha)
        transcript_store(meeting, ENGLISH)
        summary = summary_write(meeting_id=meeting.pk)
        summary.fallback_reason = "the endpoint answered HTTP 500"
        summary.save()
    return meeting


MANAGERS = ["admin", "teacher"]


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_the_summary_as_its_readers_see_it(alpha, people, summarised, role):
    # given: a school that shows recordings (who reads what: access_matrix.py)
    with schema_context(alpha.schema):
        recording_settings_set(students_may_view=True, parents_may_view=True)

    # when
    body = post(people[role], READ, id=str(summarised.pk))

    # then
    summary = body["data"]["sessionSummary"]
    assert "errors" not in body
    assert summary["method"] == "local" and "photosynthesis" in summary["text"].lower()
    assert summary["actionItems"][0]["speaker"] == TEACHER
    assert summary["actionItems"][0]["startMs"] == 175_000
    # why it fell back: for those who manage the session only
    expected = "the endpoint answered HTTP 500" if role in MANAGERS else None
    assert summary["fallbackReason"] == expected


def test_a_session_without_a_summary_reads_null(alpha):
    with schema_context(alpha.schema):
        meeting = session_make(alpha)

    body = post(alpha.client("teacher"), READ, id=str(meeting.pk))

    assert body == {"data": {"sessionSummary": None}}


@pytest.mark.parametrize("garbage", ["0", "abc", "99999999999999999999999", "-1", "١٢"])
def test_a_garbage_id_is_not_found(alpha, garbage):
    body = post(alpha.client("admin"), READ, id=garbage)

    assert [e["message"] for e in body["errors"]] == ["No such meeting."]


def test_another_schools_admin_sees_nothing(alpha, beta, summarised):
    # given: beta has a session with the same id, with no summary
    with schema_context(beta.schema):
        recording_settings_set(students_may_view=True, parents_may_view=True)

    # on beta's host: beta's own data, never alpha's
    mine = post(beta.client("admin"), READ, id=str(summarised.pk))
    assert "photosynthesis" not in str(mine).lower()
    # alpha's host with beta's sign-in: nobody
    client = Client(HTTP_HOST=alpha.host)
    with schema_context(beta.schema):
        client.force_login(beta.users["admin"])
    across = post(client, READ, id=str(summarised.pk))
    assert across["data"] is None or across["data"]["sessionSummary"] is None
    assert [e["message"] for e in across["errors"]] == ["Sign in first."]


def test_signed_out_is_refused(alpha, summarised):
    body = post(Client(HTTP_HOST=alpha.host), READ, id=str(summarised.pk))

    assert [e["message"] for e in body["errors"]] == ["Sign in first."]


# --- writing it again ------------------------------------------------------------------------


def _queued() -> list[dramatiq.Message]:
    broker = dramatiq.get_broker()
    raw = broker.client.hvals(f"{broker.namespace}:{summary_write_actor.queue_name}.msgs")
    return [dramatiq.Message.decode(r) for r in raw]


@pytest.mark.parametrize("role", MANAGERS)
def test_those_who_manage_the_session_have_it_written_again(
    alpha, people, summarised, role, django_capture_on_commit_callbacks
):
    broker = dramatiq.get_broker()
    broker.flush_all()

    with django_capture_on_commit_callbacks(execute=True):
        body = post(people[role], REWRITE, id=str(summarised.pk))

    queued = _queued()
    broker.flush_all()
    assert body["data"]["rewriteSummary"] == {"ok": True, "errors": []}
    assert [(m.actor_name, m.args, m.options["tenant_schema"]) for m in queued] == [
        ("summary_write", (summarised.pk,), "alpha")
    ]


def test_another_schools_admin_may_not(beta, summarised, django_capture_on_commit_callbacks):
    broker = dramatiq.get_broker()
    broker.flush_all()

    with django_capture_on_commit_callbacks(execute=True):
        body = post(beta.client("admin"), REWRITE, id=str(summarised.pk))

    assert [e["code"] for e in body["data"]["rewriteSummary"]["errors"]] == ["not_found"]
    assert _queued() == []


def test_a_session_without_a_transcript_has_nothing_to_write_from(
    alpha, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        meeting = session_make(alpha)
    broker = dramatiq.get_broker()
    broker.flush_all()

    with django_capture_on_commit_callbacks(execute=True):
        body = post(alpha.client("teacher"), REWRITE, id=str(meeting.pk))

    assert body["data"]["rewriteSummary"] == {
        "ok": False,
        "errors": [
            {
                "field": None,
                "message": "This session has no transcript yet.",
                "code": "no_transcript",
            }
        ],
    }
    assert _queued() == []


def test_reading_a_summary_takes_a_constant_number_of_queries(
    alpha, summarised, django_assert_max_num_queries
):
    client = alpha.client("student")
    with schema_context(alpha.schema):
        recording_settings_set(students_may_view=True)

    with django_assert_max_num_queries(12):
        body = post(client, READ, id=str(summarised.pk))

    assert body["data"]["sessionSummary"]["text"]
