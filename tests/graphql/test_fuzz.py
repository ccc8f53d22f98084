"""Fuzzing the GraphQL API: queries and mutations generated from the committed schema.graphql
(hypothesis-graphql), sent over HTTP to /graphql/ as each role of a school. Whatever is asked,
the answer is JSON, never a 5xx, and never "Unexpected error." (MaskErrors' face for an
unhandled exception). `make test` runs a few derandomized examples; `make fuzz` many, at random.

Zoom is mocked with a catch-all at https://zoom.test (the only Zoom host the test settings
allow): a mutation that reaches Zoom gets an answer, not the network."""

import re
from datetime import UTC, timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from hypothesis_graphql import strategies as gql_strategies
from requests_mock import ANY

from meetings.models import Meeting, ZoomConnection

from ..support import ROOT, fuzz_settings, zoom_settings_set

SCHEMA = (ROOT / "schema.graphql").read_text()
UNEXPECTED = "Unexpected error."

_junk = st.text(max_size=40)
_moment = st.datetimes(timezones=st.just(UTC) | st.none())
SCALARS = {
    # Real objects have small ids (each tenant's sequences start at 1): mostly those, so that
    # the fuzz reaches past "not found"; sometimes anything.
    "ID": st.one_of(st.integers(0, 12).map(str), st.integers().map(str), _junk).map(nodes.String),
    "DateTime": st.one_of(_moment.map(lambda d: d.isoformat()), _junk).map(nodes.String),
    "Date": st.one_of(st.dates().map(str), _junk).map(nodes.String),
    "JSON": _junk.map(nodes.String),
}
OPERATIONS = gql_strategies.from_schema(SCHEMA, custom_scalars=SCALARS)


class _Rollback(Exception):
    pass


@pytest.fixture
def school(alpha, requests_mock):
    """alpha with Zoom set up at the mock (school account and the teacher's and admin's own) and
    a class running now, so that class and Zoom mutations get past their first checks."""
    requests_mock.register_uri(ANY, re.compile(r".*"), json={})
    with schema_context(alpha.schema):
        zoom_settings_set(
            zoom_url="https://zoom.test", account_id="a", client_id="c", client_secret="s"
        )
        for role in ("teacher", "admin"):
            ZoomConnection.objects.create(
                user=alpha.users[role],
                access_token="t",
                refresh_token="r",
                expires_at=timezone.now() + timedelta(hours=1),
            )
        Meeting.objects.create(
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="Running",
            start_time=timezone.now(),
            status="started",
            zoom_meeting_id="77",
            zoom_account="user",
        )
    return alpha


def _ask(world, role: str, query: str) -> None:
    client = Client(HTTP_HOST=world.host)
    # Each example on its own: what a mutation wrote (or a logout) is undone before the next.
    try:
        with transaction.atomic():
            with schema_context(world.schema):
                client.force_login(world.users[role])
            response = client.post("/graphql/", {"query": query}, content_type="application/json")
            raise _Rollback(response)
    except _Rollback as done:
        response = done.args[0]
    assert response.status_code < 500, (response.status_code, response.content[:2000])
    assert response["content-type"].startswith("application/json"), response.content[:2000]
    body = response.json()
    assert isinstance(body, dict) and ("data" in body or "errors" in body), body
    assert UNEXPECTED not in response.content.decode(), body


@pytest.mark.parametrize("role", ["admin", "teacher", "student"])
def test_any_query_or_mutation_is_answered_without_a_server_error(school, role):
    @fuzz_settings(examples=100)
    @given(query=OPERATIONS)
    def ask(query):
        _ask(school, role, query)

    ask()
