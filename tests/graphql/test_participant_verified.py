"""A participant says whether who they are is verified (a personal join link: Zoom vouches) or
only typed into Zoom (a name or email no teacher confirmed): over the query, built from the
sessions, and over the subscription, built from the realtime event."""

import pytest
from channels.db import database_sync_to_async
from django_tenants.utils import schema_context

from attendance.events import Participant, ParticipantChange, ParticipantsChanged
from attendance.inbox import engine
from realtime.events import publish

from ..attendance.conftest import joined, live_class, started, store  # noqa: F401 - a fixture
from .test_subscriptions import _next, _subscribe, _tidy  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_meeting_query_says_which_participants_are_verified(live_class, gql):  # noqa: F811
    # given: Ann through her personal join link, Bob by typing his email into Zoom
    alpha, meeting, _ = live_class
    with schema_context(alpha.schema):
        bodies = [
            started(),
            joined("Ann A", 1, registrant_id="reg-ann", uuid="ann"),
            joined("Bob B", 2, email="bob@alpha.test", uuid="bob"),
        ]
        for event_id in store(bodies):
            engine.webhook_event_process(event_id=event_id)

    # when
    data = gql(alpha, "teacher").ok(
        """query($id: ID!) { meeting(id: $id) { participants { name verified } } }""",
        id=str(meeting.pk),
    )

    # then
    assert sorted((p["name"], p["verified"]) for p in data["meeting"]["participants"]) == [
        ("Ann A", True),
        ("Bob B", False),
    ]


PARTICIPANTS = """subscription($id: ID!) { meetingParticipants(meetingId: $id) {
  kind participants { name verified } } }"""


async def test_the_subscription_says_which_participants_are_verified(meeting):
    # given
    world, meeting_id = meeting
    ws = await _subscribe(world, "teacher", PARTICIPANTS, {"id": str(meeting_id)})
    assert (await _next(ws))["payload"]["data"]["meetingParticipants"]["kind"] == "SNAPSHOT"

    # when
    people = [("Ann A", True), ("Bob B", False)]
    changed = ParticipantsChanged(
        meeting_id=meeting_id,
        changes=[
            ParticipantChange(
                change="joined",
                participant=Participant(
                    key=name,
                    name=name,
                    role="student",
                    joined_at=None,
                    left_at=None,
                    verified=verified,
                ),
            )
            for name, verified in people
        ],
        count=2,
        status="started",
    )
    await database_sync_to_async(publish)(changed, schema_name=world.schema)

    # then
    event = (await _next(ws))["payload"]["data"]["meetingParticipants"]
    assert event == {
        "kind": "JOINED",
        "participants": [{"name": n, "verified": v} for n, v in people],
    }
    await ws.disconnect()
