"""GraphQL `sessionTranscript` and `searchTranscripts`: the contract's fields, the recordings
policy for every role (the school's setting off and on) in two schools, bad input, and a
constant number of SQL queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from attendance.recordings.models import Transcript
from tenants.school.services import class_create

from ..attendance.recordings.transcript_data import (
    START,
    hours,
    school_allows,
    session_with_transcript,
)

pytestmark = pytest.mark.django_db

TRANSCRIPT = """query($id: ID!, $first: Int!, $offset: Int!) {
  sessionTranscript(meetingId: $id) {
    status cueCount skippedCues durationSeconds
    cues(first: $first, offset: $offset) { position startMs endMs speaker personId text }
  }
}"""
SEARCH = """query($q: String!, $classId: ID, $from: DateTime, $to: DateTime, $first: Int!,
  $offset: Int!) {
  searchTranscripts(query: $q, classId: $classId, from: $from, to: $to, first: $first,
                    offset: $offset) {
    total totalIsCapped
    hits { meetingId meetingTitle meetingStart className position startMs speaker rank
           snippet { text match } }
  }
}"""


def transcript(gql, world, role, meeting_id, first=200, offset=0):
    return gql(world, role)(TRANSCRIPT, id=str(meeting_id), first=first, offset=offset)


def search(gql, world, role, q, first=20, offset=0, **variables):
    return gql(world, role)(SEARCH, q=q, first=first, offset=offset, **variables)


def class_session(world, cues, **kwargs):
    with schema_context(world.schema):
        return session_with_transcript(
            host=world.users["teacher"], school_class=world.school_class, cues=cues, **kwargs
        )


# --- sessionTranscript --------------------------------------------------------------------------


def test_a_session_transcript_cue_by_cue(alpha, gql):
    # given: a transcript whose first cues' speaker is the student
    with schema_context(alpha.schema):
        meeting = session_with_transcript(
            host=alpha.users["teacher"],
            school_class=alpha.school_class,
            cues=[("Student", f"Line {n}.") for n in range(5)],
            person=alpha.users["student"],
        )
        Transcript.objects.filter(meeting=meeting).update(skipped_cues=2)

    # when
    body = transcript(gql, alpha, "teacher", meeting.pk, first=2, offset=1)

    # then
    assert "errors" not in body
    data = body["data"]["sessionTranscript"]
    assert {k: v for k, v in data.items() if k != "cues"} == {
        "status": "ready",
        "cueCount": 5,
        "skippedCues": 2,
        "durationSeconds": 20,
    }
    assert data["cues"] == [
        {
            "position": n,
            "startMs": n * 4000,
            "endMs": n * 4000 + 3500,
            "speaker": "Student",
            "personId": str(alpha.users["student"].pk),
            "text": f"Line {n}.",
        }
        for n in (1, 2)
    ]
    everything = transcript(gql, alpha, "teacher", meeting.pk)["data"]["sessionTranscript"]
    assert [c["position"] for c in everything["cues"]] == [0, 1, 2, 3, 4]
    beyond = transcript(gql, alpha, "teacher", meeting.pk, offset=5)["data"]["sessionTranscript"]
    assert beyond["cues"] == []


def test_a_session_without_a_transcript_has_null_and_a_pending_one_no_cues(alpha, gql):
    from meetings.models import Meeting

    with schema_context(alpha.schema):
        bare = Meeting.objects.create(
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="No transcript",
            start_time=START,
        )
    pending = class_session(alpha, [], status=Transcript.Status.PENDING)

    assert transcript(gql, alpha, "admin", bare.pk) == {"data": {"sessionTranscript": None}}
    data = transcript(gql, alpha, "admin", pending.pk)["data"]["sessionTranscript"]
    assert (data["status"], data["cues"]) == ("pending", [])


def test_a_page_of_cues_is_bounded(alpha, gql):
    meeting = class_session(alpha, ["Hello."])

    for first in (0, 501, -1):
        body = transcript(gql, alpha, "admin", meeting.pk, first=first)
        assert body["errors"][0]["message"] == "first must be from 1 to 500."
    assert "errors" not in transcript(gql, alpha, "admin", meeting.pk, first=500)


def test_another_schools_session_is_not_found(alpha, beta, gql):
    # given: a transcript in beta (an id no session of alpha has), and one in alpha that
    # says the same
    with schema_context(beta.schema):
        theirs = session_with_transcript(
            host=beta.users["teacher"], cues=["Beta's photosynthesis."], meeting_id=10**9
        )
    ours = class_session(alpha, ["Alpha's photosynthesis."])

    # when / then: alpha's admin asks for beta's session id on alpha's host
    body = transcript(gql, alpha, "admin", theirs.pk)
    assert [e["message"] for e in body["errors"]] == ["No such meeting."]
    assert transcript(gql, beta, "admin", theirs.pk)["data"]["sessionTranscript"]["cueCount"] == 1
    assert transcript(gql, beta, "admin", ours.pk)["errors"][0]["message"] == "No such meeting."
    found = search(gql, alpha, "admin", "photosynthesis")["data"]["searchTranscripts"]
    assert [h["snippet"][0]["text"] for h in found["hits"]] == ["Alpha's "]
    found = search(gql, beta, "admin", "photosynthesis")["data"]["searchTranscripts"]
    assert [h["snippet"][0]["text"] for h in found["hits"]] == ["Beta's "]


@pytest.mark.parametrize("meeting_id", ["abc", "-1", "0", "99999999", "1e3", "9" * 30])
def test_a_garbage_id_is_not_found(alpha, gql, meeting_id):
    body = gql(alpha, "admin")(TRANSCRIPT, id=meeting_id, first=1, offset=0)

    assert body["errors"][0]["message"] == "No such meeting."


def test_signed_out_people_read_and_find_nothing(alpha, gql):
    meeting = class_session(alpha, ["photosynthesis"])

    assert transcript(gql, alpha, None, meeting.pk)["errors"][0]["message"] == "Sign in first."
    assert search(gql, alpha, None, "photosynthesis")["errors"][0]["message"] == "Sign in first."


# --- searchTranscripts ----------------------------------------------------------------------------


def test_search_answers_the_contract(alpha, gql):
    meeting = class_session(
        alpha, ["Hello.", ("Ann", "আজকের প্রশ্নটি: what is photosynthesis?")], title="Biology"
    )

    body = search(gql, alpha, "student", "প্রশ্ন photosynthesis")
    assert body["data"]["searchTranscripts"] == {"total": 0, "totalIsCapped": False, "hits": []}
    with schema_context(alpha.schema):
        school_allows(students=True, parents=False)
    result = search(gql, alpha, "student", "প্রশ্ন photosynthesis")["data"]["searchTranscripts"]

    (hit,) = result["hits"]
    assert (result["total"], result["totalIsCapped"]) == (1, False)
    assert {k: v for k, v in hit.items() if k not in ("rank", "snippet")} == {
        "meetingId": str(meeting.pk),
        "meetingTitle": "Biology",
        "meetingStart": "2026-11-02T09:00:00+00:00",
        "className": alpha.school_class.name,
        "position": 1,
        "startMs": 4000,
        "speaker": "Ann",
    }
    assert hit["rank"] > 0
    assert hit["snippet"] == [
        {"text": "আজকের ", "match": False},
        {"text": "প্রশ্নটি", "match": True},
        {"text": ": what is ", "match": False},
        {"text": "photosynthesis", "match": True},
        {"text": "?", "match": False},
    ]


def test_search_filters_by_class_and_start(alpha, gql):
    first = class_session(alpha, ["photosynthesis"], start=START)
    second = class_session(alpha, ["photosynthesis"], start=START + hours(24))
    with schema_context(alpha.schema):
        other = session_with_transcript(
            host=alpha.users["admin"], cues=["photosynthesis"], start=START
        )

    def meetings(**variables):
        body = search(gql, alpha, "admin", "photosynthesis", **variables)
        assert "errors" not in body, body
        return {int(h["meetingId"]) for h in body["data"]["searchTranscripts"]["hits"]}

    assert meetings() == {first.pk, second.pk, other.pk}
    assert meetings(classId=str(alpha.school_class.pk)) == {first.pk, second.pk}
    assert meetings(**{"from": "2026-11-03T09:00:00+00:00"}) == {second.pk}
    assert meetings(to="2026-11-03T09:00:00Z") == {first.pk, other.pk}


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"q": "x" * 201}, "Search for at most 200 characters."),
        ({"q": "x", "first": 51}, "first must be from 1 to 50."),
        ({"q": "x", "first": 0}, "first must be from 1 to 50."),
        ({"q": "x", "classId": "999999"}, "No such class."),
        ({"q": "x", "classId": "abc"}, "No such class."),
    ],
)
def test_search_refuses_what_it_cannot_answer(alpha, gql, variables, message):
    variables = {"first": 20, "offset": 0, **variables}

    body = gql(alpha, "admin")(SEARCH, **variables)

    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == [message]


def test_a_class_another_teacher_teaches_is_not_found(alpha, gql):
    with schema_context(alpha.schema):
        other_class = class_create(name="Physics", teachers=[])

    body = search(gql, alpha, "teacher", "x", classId=str(other_class.pk))

    assert [e["message"] for e in body["errors"]] == ["No such class."]


@pytest.mark.parametrize("q", ["", "the", "'&|!", "   "])
def test_a_search_without_words_is_empty(alpha, gql, q):
    class_session(alpha, ["The answer."])

    body = search(gql, alpha, "admin", q)

    assert body == {"data": {"searchTranscripts": {"total": 0, "totalIsCapped": False, "hits": []}}}


# --- query counts -----------------------------------------------------------------------------


def _queries(world, role, query, **variables) -> int:
    client = world.client(role)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
        )
    assert "errors" not in response.json(), response.json()
    return len(captured.captured_queries)


def test_reading_costs_the_same_queries_for_10_cues_as_for_300(alpha):
    few = class_session(alpha, [f"Line {n}." for n in range(10)])
    many = class_session(alpha, [f"Line {n}." for n in range(300)])
    with schema_context(alpha.schema):
        school_allows(students=True, parents=True)

    assert _queries(alpha, "student", TRANSCRIPT, id=str(few.pk), first=10, offset=0) == (
        _queries(alpha, "student", TRANSCRIPT, id=str(many.pk), first=300, offset=0)
    )


@pytest.mark.parametrize("role", ["admin", "teacher", "parent"])
def test_searching_costs_the_same_queries_for_2_hits_as_for_40(alpha, role):
    with schema_context(alpha.schema):
        school_allows(students=True, parents=True)
    class_session(alpha, ["photosynthesis", "photosynthesis"])
    few = _queries(alpha, role, SEARCH, q="photosynthesis", first=50, offset=0)

    class_session(alpha, ["photosynthesis"] * 38, start=START + hours(24))
    many = _queries(alpha, role, SEARCH, q="photosynthesis", first=50, offset=0)

    assert few == many
