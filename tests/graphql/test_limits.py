"""Issue 10 over GraphQL: too-long and NUL input gets typed errors and stores nothing; one
request cannot make the server build an unbounded answer; school-wide audiences are admins'."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.models import AttendanceRecord
from graphql_api import limits
from meetings.models import Meeting
from tenants.accounts.models import ApiToken

pytestmark = pytest.mark.django_db

SCHEDULE = """
mutation($input: ScheduleMeetingInput!) {
  scheduleMeeting(input: $input) { meeting { id targetAudience } errors { field message code } }
}"""
UPDATE = """
mutation($input: UpdateMeetingInput!) {
  updateMeeting(input: $input) { meeting { id targetAudience } errors { field message code } }
}"""


def _input(world, **fields) -> dict:
    start = (timezone.now() + timedelta(days=2)).replace(microsecond=0).isoformat()
    return {"classId": str(world.school_class.pk), "title": "Algebra", "startTime": start} | fields


def _errors(data: dict, name: str) -> list[tuple]:
    return [(e["field"], e["code"]) for e in data[name]["errors"]]


def test_schedule_meeting_refuses_year_9999(alpha, gql):
    data = gql(alpha, "teacher").ok(SCHEDULE, input=_input(alpha, startTime="9999-12-31T23:59:59Z"))
    assert _errors(data, "scheduleMeeting") == [("startTime", "invalid")]
    with schema_context(alpha.schema):
        assert not Meeting.objects.exists()


def test_update_meeting_refuses_a_start_in_the_past(alpha, gql):
    client = gql(alpha, "teacher")
    meeting_id = client.ok(SCHEDULE, input=_input(alpha))["scheduleMeeting"]["meeting"]["id"]
    past = (timezone.now() - timedelta(days=3)).isoformat()
    data = client.ok(UPDATE, input={"meetingId": meeting_id, "startTime": past})
    assert _errors(data, "updateMeeting") == [("startTime", "invalid")]


def test_a_megabyte_description_and_nul_characters_get_typed_errors(alpha, gql):
    client = gql(alpha, "teacher")
    too_long = _input(
        alpha,
        description="x" * 10_000,
        recurrence={"frequency": "DAILY", "count": 60},
    )
    assert _errors(client.ok(SCHEDULE, input=too_long), "scheduleMeeting") == [
        ("description", "too_long")
    ]
    nul = _input(alpha, title="Alge\x00bra", timezone="UTC\x00")
    assert sorted(_errors(client.ok(SCHEDULE, input=nul), "scheduleMeeting")) == [
        ("timezone", "nul_character"),
        ("title", "nul_character"),
    ]
    meeting_id = client.ok(SCHEDULE, input=_input(alpha))["scheduleMeeting"]["meeting"]["id"]
    data = client.ok(UPDATE, input={"meetingId": meeting_id, "title": "t" * 201})
    assert _errors(data, "updateMeeting") == [("title", "too_long")]
    with schema_context(alpha.schema):
        assert Meeting.objects.count() == 1


def test_absurd_input_is_refused_before_anything_runs(alpha, gql):
    client = gql(alpha, "teacher")
    huge = _input(alpha, description="x" * (limits.MAX_INPUT_CHARS + 1))
    body = client(SCHEDULE, input=huge)
    assert "too long" in body["errors"][0]["message"]
    body = client("query($a: String) { auditLog(action: $a) { totalCount } }", a="x\x00")
    assert "NUL" in body["errors"][0]["message"]
    with schema_context(alpha.schema):
        assert not Meeting.objects.exists()


def test_api_token_names_are_checked_not_cut(alpha, gql):
    client = gql(alpha, "teacher")
    query = "mutation($n: String!) { createApiToken(name: $n) { token errors { field code } } }"
    for name, code in (("n" * 101, "too_long"), ("a\x00b", "nul_character")):
        data = client.ok(query, n=name)["createApiToken"]
        assert data == {"token": None, "errors": [{"field": "name", "code": code}]}
    with schema_context(alpha.schema):
        assert not ApiToken.objects.exists()


def test_login_with_a_nul_in_the_address_is_a_wrong_login(alpha, gql):
    query = 'mutation { login(email: "a\\u0000@x.test", password: "p") { errors { code } } }'
    assert gql(alpha).ok(query) == {"login": {"errors": [{"code": "invalid"}]}}


def test_override_reasons_are_checked(alpha, gql):
    with schema_context(alpha.schema):
        meeting = Meeting.objects.create(
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="Done",
            start_time=timezone.now() - timedelta(days=1),
            status=Meeting.Status.ENDED,
        )
        AttendanceRecord.objects.create(
            meeting=meeting, student=alpha.users["student"], computed_status="absent"
        )
    query = """mutation($m: ID!, $s: ID!, $r: String!) {
      overrideAttendance(meetingId: $m, studentId: $s, status: PRESENT, reason: $r) {
        errors { field code } } }"""
    ids = {"m": str(meeting.pk), "s": str(alpha.users["student"].pk)}
    for reason, code in (("r" * 501, "too_long"), ("ill\x00", "nul_character")):
        data = gql(alpha, "teacher").ok(query, r=reason, **ids)["overrideAttendance"]
        assert data["errors"] == [{"field": "overrideReason", "code": code}]
    with schema_context(alpha.schema):
        assert AttendanceRecord.objects.get(meeting=meeting).override_status == ""


# --- bounded answers ------------------------------------------------------------------------


def test_a_root_field_cannot_be_aliased_many_times(alpha, gql):
    query = "{ " + " ".join(f"m{i}: meetings(limit: 100) {{ totalCount }}" for i in range(4)) + " }"
    body = gql(alpha, "student")(query)
    assert "asked more than 3 times" in body["errors"][0]["message"]
    home = "{ a: meetings(limit: 10) { totalCount } b: meetings(limit: 20) { totalCount } }"
    assert "errors" not in gql(alpha, "student")(home)


def test_aliases_behind_fragments_count_too(alpha, gql):
    query = """query { a: meetings(limit: 1) { totalCount } ...F ... on Query { d: meetings {
      totalCount } } }
    fragment F on Query { b: meetings(limit: 2) { totalCount } c: meetings { totalCount } }"""
    body = gql(alpha, "student")(query)
    assert "asked more than 3 times" in body["errors"][0]["message"]
    # One response key asked in several places is resolved once.
    same = "query { a: meetings { totalCount } ...F } fragment F on Query { a: meetings { totalCount } }"
    assert "errors" not in gql(alpha, "student")(same)


def test_an_answer_holds_a_bounded_number_of_items(alpha, gql, monkeypatch):
    monkeypatch.setattr(limits, "MAX_RESPONSE_ITEMS", 5)
    with schema_context(alpha.schema):
        for day in range(6):
            Meeting.objects.create(
                school_class=alpha.school_class,
                host=alpha.users["teacher"],
                title=f"Day {day}",
                start_time=timezone.now() + timedelta(days=day + 1),
            )
    body = gql(alpha, "student")("{ meetings(limit: 100) { items { id } } }")
    assert "more than 5 items" in body["errors"][0]["message"] and body["data"] is None
    assert "errors" not in gql(alpha, "student")("{ meetings(limit: 5) { items { id } } }")


# --- audiences ------------------------------------------------------------------------------

POLICY = """mutation($on: Boolean!) {
  setSchedulingPolicy(teachersMayAddressSchool: $on) {
    policy { teachersMayAddressSchool } errors { code } } }"""


def test_teachers_publish_to_everyone_only_when_the_school_allows(alpha, gql):
    teacher, admin = gql(alpha, "teacher"), gql(alpha, "admin")
    everyone = _input(alpha, targetAudience="ALL")
    assert _errors(teacher.ok(SCHEDULE, input=everyone), "scheduleMeeting") == [(None, "forbidden")]
    assert teacher(POLICY, on=True)["errors"][0]["message"] == "Only school admins can do that."
    mine = teacher.ok(SCHEDULE, input=_input(alpha))["scheduleMeeting"]["meeting"]["id"]
    widened = teacher.ok(UPDATE, input={"meetingId": mine, "targetAudience": "ALL"})
    assert _errors(widened, "updateMeeting") == [(None, "forbidden")]

    assert admin.ok(POLICY, on=True)["setSchedulingPolicy"]["policy"] == {
        "teachersMayAddressSchool": True
    }
    assert teacher.ok("{ schedulingPolicy { teachersMayAddressSchool } }") == {
        "schedulingPolicy": {"teachersMayAddressSchool": True}
    }
    data = teacher.ok(SCHEDULE, input=everyone)["scheduleMeeting"]
    assert data["errors"] == [] and data["meeting"]["targetAudience"] == "ALL"


def test_no_extension_wraps_every_field():
    """Strawberry runs an extension's `resolve` around every field of every answer (2,500 in a
    dashboard): the limits are checked on the document and the finished answer instead."""
    from graphql_api.schema import _extensions

    for factory in _extensions():
        assert not factory()._implements_resolve()


def test_no_limit_is_held_for_a_subscriptions_whole_life():
    """A subscription holds each extension's `on_operation` hook (a generator and its context
    manager) until it ends: the limits are set while parsing instead, and over a stream errors
    are masked result by result; only a request's error masking keeps one."""
    from strawberry.extensions import MaskErrors, SchemaExtension

    from graphql_api.schema import _STREAMING, _extensions, schema

    def holding() -> list[type]:
        return [
            type(e)
            for e in schema.get_extensions()
            if type(e).on_operation is not SchemaExtension.on_operation
        ]

    assert len(schema.get_extensions()) == len(_extensions())
    assert holding() == [MaskErrors]  # a request over HTTP
    token = _STREAMING.set(True)
    try:
        assert holding() == []  # a stream: a websocket's operations
    finally:
        _STREAMING.reset(token)


def test_an_operation_sent_again_is_parsed_and_validated_once_and_its_limits_still_hold(alpha, gql):
    from strawberry.extensions.parser_cache import _get_parse_cache
    from strawberry.extensions.validation_cache import _get_validate_cache

    from graphql_api.schema import CACHED_DOCUMENTS

    # given an operation no test sent before
    query = "{ me { id email } __typename }"
    parses, validations = _get_parse_cache(CACHED_DOCUMENTS), _get_validate_cache(CACHED_DOCUMENTS)
    before = parses.cache_info(), validations.cache_info()
    # when it is sent three times
    for _ in range(3):
        assert gql(alpha, "teacher").ok(query)["me"]["id"]
    # then it was parsed and validated once and found twice
    after = parses.cache_info(), validations.cache_info()
    assert after[0].misses - before[0].misses == 1 and after[0].hits - before[0].hits == 2
    assert after[1].misses - before[1].misses == 1 and after[1].hits - before[1].hits == 2
    # and an operation over a limit is refused every time, cached or not
    too_long = "{ me { id } " + "__typename " * 3000 + "}"  # over MAX_TOKENS
    for _ in range(2):
        assert "errors" in gql(alpha, "teacher")(too_long)


def test_a_literal_is_checked_every_time_its_document_is_sent_again(alpha, gql):
    # The document's literals are found once and kept with the parsed document, which every
    # request sending the same text shares: the second request must still be refused.
    client = gql(alpha, "admin")
    query = '{ auditLog(action: "x\\u0000") { totalCount } }'
    for _ in range(2):
        body = client(query)
        assert "NUL" in body["errors"][0]["message"]
    ok = client('{ auditLog(action: "x") { totalCount } }')
    assert not ok.get("errors"), ok
