from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings import services
from meetings.models import CalendarFeed

from ..graphql.conftest import GQL

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(alpha):
    with schema_context(alpha.schema):
        meeting = services.meeting_schedule(
            actor=alpha.users["teacher"],
            school_class=alpha.school_class,
            title="Algebra, part 2; revision",
            description="Bring a calculator",
            start_time=(timezone.now() + timedelta(days=2)).replace(microsecond=0),
        )
    return alpha, meeting


def _feed(world, role):
    url = GQL(world, role).ok("{ myCalendarFeed { url } }")["myCalendarFeed"]["url"]
    assert "/calendar/" in url
    with schema_context(world.schema):
        token = CalendarFeed.objects.get(user=world.users[role]).token
    return world.client().get(f"/calendar/{token}.ics")


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_each_person_of_the_class_gets_the_class_in_their_feed(scheduled, role):
    world, meeting = scheduled
    response = _feed(world, role)
    body = response.content.decode()
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "SUMMARY:Algebra\\, part 2\\; revision" in body
    # the student's own join link (tests/meetings/joining/test_feed.py), others the class's page
    assert ("/join/" in body) if role == "student" else (f"/app/meetings/{meeting.pk}" in body)
    assert "STATUS:CONFIRMED" in body
    assert body.endswith("END:VCALENDAR\r\n")


def test_cancelled_classes_stay_in_the_feed_as_cancelled(scheduled):
    world, meeting = scheduled
    with schema_context(world.schema):
        services.meeting_cancel(actor=world.users["teacher"], meeting=meeting)
    body = _feed(world, "student").content.decode()
    assert "STATUS:CANCELLED" in body and "SEQUENCE:1" in body


def test_feed_has_no_zoom_links_and_unknown_tokens_are_404(scheduled):
    world, _ = scheduled
    body = _feed(world, "teacher").content.decode()
    assert "zoom" not in body.lower()
    assert world.client().get("/calendar/not-a-token.ics").status_code == 404


def test_a_feed_token_is_worthless_on_another_tenant(scheduled, beta):
    world, _ = scheduled
    _feed(world, "student")
    with schema_context(world.schema):
        token = CalendarFeed.objects.get(user=world.users["student"]).token
    assert beta.client().get(f"/calendar/{token}.ics").status_code == 404


def test_outsiders_feeds_do_not_show_the_class(scheduled):
    world, _ = scheduled
    assert "Algebra" in _feed(world, "admin").content.decode()  # admins see every class
    with schema_context(world.schema):
        from tenants.accounts.models import Role
        from tenants.accounts.services import user_create

        outsider = user_create(email="o@alpha.test", password="x" * 12, role=Role.STUDENT)
        feed = CalendarFeed.objects.create(user=outsider)
    body = world.client().get(f"/calendar/{feed.token}.ics").content.decode()
    assert "BEGIN:VEVENT" not in body


def test_the_feed_carries_each_persons_own_join_link_and_never_zooms(scheduled):
    world, meeting = scheduled
    with schema_context(world.schema):
        meeting.join_url = "https://zoom.us/w/1?tk=SECRET"
        meeting.save()
    from icalendar import Calendar

    from meetings.joining.links import join_token_read

    [event] = Calendar.from_ical(_feed(world, "student").content).walk("VEVENT")
    location = str(event["LOCATION"])
    with schema_context(world.schema):
        token = join_token_read(location.split("/join/")[1].rstrip("/"))
    assert (token.meeting_id, token.subject_id) == (meeting.pk, world.users["student"].pk)
    # those who start the class or only follow it get no join link
    for role in ("teacher", "parent"):
        body = _feed(world, role).content.decode()
        assert "/join/" not in body and "LOCATION" not in body
    assert "zoom.us" not in _feed(world, "student").content.decode()
