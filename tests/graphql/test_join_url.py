"""Meeting.joinUrl: the viewer's own platform link, or null for those who may not join."""

import pytest
from django_tenants.utils import schema_context

from meetings.joining.links import join_token_read
from tenants.services import tenant_url

from ..meetings.joining.conftest import meeting_make

pytestmark = pytest.mark.django_db

ONE = "query($id: ID!) { meeting(id: $id) { id joinUrl } }"
LIST = "{ meetings { items { id joinUrl } } }"


def _token(url: str) -> str:
    return url.split("/join/")[1].rstrip("/")


def test_a_student_gets_their_own_link(alpha, gql):
    meeting = meeting_make(alpha)
    url = gql(alpha, "student").ok(ONE, id=str(meeting.pk))["meeting"]["joinUrl"]
    assert url.startswith(tenant_url(alpha.org.slug, "/join/"))
    with schema_context(alpha.schema):
        read = join_token_read(_token(url))
    assert read is not None
    assert (read.meeting_id, read.kind, read.subject_id) == (
        meeting.pk,
        "u",
        alpha.users["student"].pk,
    )
    assert "zoom" not in url


@pytest.mark.parametrize("role", ["teacher", "admin", "parent"])
def test_those_who_start_or_only_follow_a_class_get_null(alpha, gql, role):
    meeting = meeting_make(alpha)
    assert gql(alpha, role).ok(ONE, id=str(meeting.pk))["meeting"]["joinUrl"] is None


def test_the_list_carries_each_viewers_link(alpha, gql, django_assert_max_num_queries):
    meetings = [meeting_make(alpha) for _ in range(3)]
    items = gql(alpha, "student").ok(LIST)["meetings"]["items"]
    urls = {item["id"]: item["joinUrl"] for item in items}
    assert set(urls) == {str(m.pk) for m in meetings}
    assert len(set(urls.values())) == 3 and all(urls.values())
    assert all(
        url is None
        for url in [i["joinUrl"] for i in gql(alpha, "teacher").ok(LIST)["meetings"]["items"]]
    )


def test_another_schools_student_sees_neither_the_meeting_nor_a_link(alpha, beta, gql):
    meeting = meeting_make(alpha)
    body = gql(beta, "student")(ONE, id=str(meeting.pk))
    assert body["data"] is None or body["data"].get("meeting") is None
    assert "/join/" not in str(body)
    assert gql(beta, "student").ok(LIST)["meetings"]["items"] == []


def test_an_anonymous_visitor_gets_no_link(alpha, gql):
    meeting = meeting_make(alpha)
    body = gql(alpha)(ONE, id=str(meeting.pk))
    assert "errors" in body and "/join/" not in str(body)
