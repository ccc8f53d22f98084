"""The meeting page is the app's; students' own join links; the app starts and joins in a new
tab."""

import re

import pytest
from django_tenants.utils import schema_context

from meetings.joining.links import join_url_for

from .conftest import meeting_make


@pytest.fixture
def gql_client():
    def run(world, role, query, **variables):
        response = world.client(role).post(
            "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
        )
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    return run


pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["teacher", "student", "parent", "admin"])
def test_a_meetings_page_is_its_page_in_the_app(alpha, role):
    meeting = meeting_make(alpha)

    response = alpha.client(role).get(f"/meetings/{meeting.pk}/")

    assert response["Location"] == f"/app/meetings/{meeting.pk}/about"


def test_the_students_join_link_is_their_own(alpha, gql_client):
    meeting = meeting_make(alpha)
    with schema_context(alpha.schema):
        mine = join_url_for(meeting=meeting, user=alpha.users["student"])

    data = gql_client(
        alpha, "student", "query($id: ID!) { meeting(id: $id) { joinUrl } }", id=str(meeting.pk)
    )

    assert data["meeting"]["joinUrl"] == mine


def test_the_spa_offers_join_in_a_new_tab_from_join_url():
    from pathlib import Path

    frontend = Path(__file__).resolve().parents[3] / "frontend/src/areas"
    # the sessions area's Join button and Start class (home panels, lists, a session's page)
    parts = (frontend / "sessions/parts.tsx").read_text()
    room = (frontend / "attendance/LiveRoom.tsx").read_text()
    assert re.search(r'href=\{joinUrl\} target="_blank" rel="noopener noreferrer"', parts)
    assert 'window.open("", "_blank")' in parts and "popup.opener = null" in parts
    assert 'window.open("", "_blank")' in room and "popup.opener = null" in room
