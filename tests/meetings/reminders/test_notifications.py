"""The reminder on the person's own `myNotifications` stream, over a real websocket: the
student of the school hears it; the same role in another school hears nothing."""

import pytest
from django_tenants.utils import schema_context

from meetings.joining.links import join_url_for
from meetings.models import Meeting
from meetings.reminders import services
from tenants.mail.models import OutboundMail
from tests.support import committed

from ...graphql.test_subscriptions import _next, _subscribe, _tidy  # noqa: F401
from .conftest import at, session

pytestmark = pytest.mark.django_db

NOTIFICATIONS = "subscription { myNotifications { kind data } }"


@pytest.fixture
def due_session(worlds):
    world = worlds["a"]

    def arrange():
        with schema_context(world.schema):
            meeting = session(world, minutes=30, title="Geometry")
            return meeting.pk, join_url_for(meeting=meeting, user=world.users["student"])

    meeting_id, link = committed(arrange)
    yield world, meeting_id, link

    def clean():
        with schema_context(world.schema):
            Meeting.objects.filter(pk=meeting_id).delete()
            OutboundMail.objects.filter(key__startswith=f"reminder:{meeting_id}:").delete()

    committed(clean)


async def test_the_reminder_reaches_the_persons_stream_and_no_one_elses(due_session, beta):
    world, meeting_id, link = due_session
    mine = await _subscribe(world, "student", NOTIFICATIONS)
    theirs = await _subscribe(beta, "student", NOTIFICATIONS)
    for ws in (mine, theirs):
        assert (await _next(ws))["payload"]["data"]["myNotifications"]["kind"] == "subscribed"

    # when: alpha's sweep runs and commits (on a connection of its own)
    def sweep():
        with schema_context(world.schema):
            return services.reminders_sweep(now=at(0)).reminders

    assert committed(sweep) == 1

    # then
    got = (await _next(mine))["payload"]["data"]["myNotifications"]
    assert got["kind"] == "meeting.reminder"
    assert got["data"]["meeting_id"] == meeting_id and got["data"]["title"] == "Geometry"
    assert got["data"]["minutes_before"] == 30 and got["data"]["join_url"] == link
    assert await theirs.receive_nothing(timeout=0.3)
    await mine.disconnect()
    await theirs.disconnect()
