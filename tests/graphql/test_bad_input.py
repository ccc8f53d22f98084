"""Malformed input to /graphql/ gets a clear 4xx or a typed error, never a 500 or the masked
"Unexpected error." (issue 10)."""

import json

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_deeply_nested_variables_in_a_get_are_a_400(alpha):
    variables = "[" * 3000 + "]" * 3000
    response = alpha.client("admin").get(
        "/graphql/", {"query": "{ me { id } }", "variables": variables}
    )
    assert response.status_code == 400
    assert "nest" in response.content.decode().lower()


def test_deeply_nested_json_in_a_post_is_a_400(alpha):
    body = '{"query": "{ me { id } }", "variables": {"a": ' + "[" * 3000 + "]" * 3000 + "}}"
    response = alpha.client("admin").post("/graphql/", body, content_type="application/json")
    assert response.status_code == 400


def test_moderately_nested_variables_are_refused_before_graphql_walks_them(alpha):
    body = json.dumps(
        {"query": "{ me { id } }", "variables": {"a": json.loads("[" * 500 + "]" * 500)}}
    )
    response = alpha.client("admin").post("/graphql/", body, content_type="application/json")
    assert response.status_code == 400


def test_invalid_utf8_in_a_post_is_a_400(alpha):
    body = b'{"query": "{ me { id } }", "variables": {"a": "\xff\xfe"}}'
    response = alpha.client("admin").post("/graphql/", body, content_type="application/json")
    assert response.status_code == 400


def test_a_lone_surrogate_is_a_400(alpha, gql):
    body = '{"query": "mutation ($n: String!) { createApiToken(name: $n) { token } }", "variables": {"n": "tok\\ud800"}}'
    response = alpha.client("admin").post("/graphql/", body, content_type="application/json")
    assert response.status_code == 400


def test_a_lone_surrogate_in_the_query_text_is_a_graphql_error(alpha, gql):
    body = gql(alpha, "admin")('mutation { createApiToken(name: "tok\\ud800") { token } }')
    assert body["errors"][0]["message"] != "Unexpected error."


def _calls_with_bad_ids(bad: str) -> list[str]:
    """Every query and mutation that takes an ID argument, called with `bad` for each ID and
    a harmless value for the other arguments: new ones are covered without listing them."""
    from graphql import GraphQLEnumType, GraphQLList, GraphQLNonNull, get_named_type

    from graphql_api.schema import schema

    def literal(arg_type) -> str | None:
        wrapped = arg_type.of_type if isinstance(arg_type, GraphQLNonNull) else arg_type
        named = get_named_type(wrapped)
        if named.name == "ID":
            value = json.dumps(bad)
            return f"[{value}]" if isinstance(wrapped, GraphQLList) else value
        if (
            not isinstance(arg_type, GraphQLNonNull)
            or named.name not in ("String", "Boolean", "Int", "DateTime")
            and not isinstance(named, GraphQLEnumType)
        ):
            return None if not isinstance(arg_type, GraphQLNonNull) else "UNSUPPORTED"
        if isinstance(named, GraphQLEnumType):
            return next(iter(named.values))
        return {
            "String": '"x"',
            "Boolean": "false",
            "Int": "1",
            "DateTime": '"2030-01-01T09:00:00+00:00"',
        }[named.name]

    calls = []
    graphql_schema = schema._schema
    for keyword, root in (
        ("query", graphql_schema.query_type),
        ("mutation", graphql_schema.mutation_type),
    ):
        for name, field in root.fields.items():
            if not any(get_named_type(a.type).name == "ID" for a in field.args.values()):
                continue
            args = {arg: literal(a.type) for arg, a in field.args.items()}
            assert "UNSUPPORTED" not in args.values(), name
            text = ", ".join(f"{k}: {v}" for k, v in args.items() if v is not None)
            calls.append(f"{keyword} {{ {name}({text}) {{ __typename }} }}")
    return calls


@pytest.mark.parametrize("bad", ["abc", " 7", "1_000", "٣", "9" * 30, "-1", ""])
def test_bad_ids_are_a_clear_error_everywhere(alpha, gql, bad):
    calls = _calls_with_bad_ids(bad)
    bad_id = json.dumps(bad)
    start = '"2030-01-01T09:00:00Z"'
    calls += [
        f'mutation {{ scheduleMeeting(input: {{classId: {bad_id}, title: "t", startTime: {start}}})'
        " { __typename } }",
        f"mutation {{ updateMeeting(input: {{meetingId: {bad_id}}}) {{ __typename }} }}",
    ]
    assert len(calls) >= 16
    client = gql(alpha, "admin")
    for query in calls:
        body = client(query)
        assert "Unexpected error." not in json.dumps(body), (query, body)
        assert "errors" in body or "not_found" in json.dumps(body) or body["data"], (query, body)


def test_a_recurring_class_with_no_occurrence_is_a_typed_error(alpha, gql):
    # given: monthly on the 31st, ending before any month has a 31st after the start
    query = """mutation ($input: ScheduleMeetingInput!) {
      scheduleMeeting(input: $input) { meeting { id } errors { field message code } }
    }"""
    class_id = str(alpha.school_class.pk)
    year = timezone.now().year + 1  # within the scheduling window
    recurrence = {"frequency": "MONTHLY", "monthDay": 31, "until": f"{year}-03-15"}
    # when
    body = gql(alpha, "teacher")(
        query,
        input={
            "classId": class_id,
            "title": "Monthly",
            "startTime": f"{year}-02-01T09:00:00Z",
            "recurrence": recurrence,
        },
    )
    # then
    assert "errors" not in body, body
    errors = body["data"]["scheduleMeeting"]["errors"]
    assert errors and errors[0]["code"] == "invalid", body
    assert "no class" in errors[0]["message"]
