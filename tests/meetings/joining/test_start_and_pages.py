"""Teachers start in a new tab and keep the page; students find their own join link there."""

import re

import pytest
from django_tenants.utils import schema_context

from meetings.joining.links import join_url_for

from .conftest import meeting_make

pytestmark = pytest.mark.django_db


def test_start_class_opens_zoom_in_a_new_tab_and_keeps_the_page(alpha):
    meeting = meeting_make(alpha)
    page = alpha.client("teacher").get(f"/meetings/{meeting.pk}/").content.decode()
    form = re.search(r'<form[^>]*action="/meetings/\d+/start/"[^>]*>', page)
    assert form, page
    assert 'target="_blank"' in form.group(0) and 'rel="noopener"' in form.group(0)
    assert 'data-test-id="join-class"' not in page  # teachers start, they do not join


def test_a_students_meeting_page_has_their_own_join_link_in_a_new_tab(alpha):
    meeting = meeting_make(alpha)
    with schema_context(alpha.schema):
        mine = join_url_for(meeting=meeting, user=alpha.users["student"])

    page = alpha.client("student").get(f"/meetings/{meeting.pk}/").content.decode()

    link = re.search(
        r'<a href="([^"]+)" target="_blank" rel="noopener" data-test-id="join-class">', page
    )
    assert link and link.group(1) == mine
    assert "start/" not in page


def test_the_spa_offers_join_in_a_new_tab_from_join_url():
    from pathlib import Path

    home = (
        Path(__file__).resolve().parents[3] / "frontend/src/areas/sessions/HomeMeetings.tsx"
    ).read_text()
    room = (
        Path(__file__).resolve().parents[3] / "frontend/src/areas/attendance/LiveRoom.tsx"
    ).read_text()
    assert re.search(r'href=\{meeting\.joinUrl\} target="_blank" rel="noopener noreferrer"', home)
    assert 'window.open("", "_blank")' in room and "popup.opener = null" in room
