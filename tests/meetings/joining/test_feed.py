"""The per-person calendar feed carries the person's own join link, never Zoom's."""

import pytest
from django_tenants.utils import schema_context

from meetings.joining.links import join_url_for
from meetings.models import CalendarEvent, CalendarFeed, Registrant

from .conftest import meeting_make

pytestmark = pytest.mark.django_db


def _feed(world, role) -> str:
    with schema_context(world.schema):
        feed, _ = CalendarFeed.objects.get_or_create(user=world.users[role])
    body = world.client().get(f"/calendar/{feed.token}.ics").content.decode()
    return body.replace("\r\n ", "")  # unfolded


@pytest.fixture
def in_calendar(alpha):
    meeting = meeting_make(alpha)
    with schema_context(alpha.schema):
        CalendarEvent.objects.create(meeting=meeting, uid=f"m{meeting.pk}@alpha")
        Registrant.objects.create(
            meeting=meeting,
            user=alpha.users["student"],
            status=Registrant.Status.REGISTERED,
            join_url="https://zoom.test/w/777?tk=secret-tk",
        )
    return meeting


def test_a_students_feed_carries_their_own_join_link(alpha, in_calendar):
    with schema_context(alpha.schema):
        mine = join_url_for(meeting=in_calendar, user=alpha.users["student"])

    body = _feed(alpha, "student")

    assert f"URL:{mine}" in body
    assert "secret-tk" not in body and "zoom.test" not in body


@pytest.mark.parametrize("role", ["teacher", "parent", "admin"])
def test_those_who_do_not_join_get_the_class_page(alpha, in_calendar, role):
    body = _feed(alpha, role)
    assert f"/app/meetings/{in_calendar.pk}" in body and "/join/" not in body
