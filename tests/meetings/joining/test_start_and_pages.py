"""Teachers start (in a new tab, from the app) and do not join; students get their own join
link."""

import re

import pytest
from django_tenants.utils import schema_context

from meetings.joining.links import join_url_for

from ...graphql.conftest import GQL
from .conftest import meeting_make

pytestmark = pytest.mark.django_db


READ = "query($id: ID!) { meeting(id: $id) { canManage joinUrl } }"


def test_teachers_start_and_do_not_join(alpha):
    meeting = meeting_make(alpha)

    seen = GQL(alpha, "teacher").ok(READ, id=str(meeting.pk))["meeting"]

    assert seen == {"canManage": True, "joinUrl": None}


def test_a_student_gets_their_own_join_link(alpha):
    meeting = meeting_make(alpha)
    with schema_context(alpha.schema):
        mine = join_url_for(meeting=meeting, user=alpha.users["student"])

    seen = GQL(alpha, "student").ok(READ, id=str(meeting.pk))["meeting"]

    assert seen == {"canManage": False, "joinUrl": mine}


def test_the_spa_offers_join_in_a_new_tab_from_join_url():
    from pathlib import Path

    frontend = Path(__file__).resolve().parents[3] / "frontend/src/areas"
    # the sessions area's Join button (home panels, lists, a session's page); Start class's new
    # tab is frontend/src/ui/newTab.ts, tested by vitest (newTab.test.ts)
    parts = (frontend / "sessions/parts.tsx").read_text()
    assert re.search(r'href=\{joinUrl\} target="_blank" rel="noopener noreferrer"', parts)
