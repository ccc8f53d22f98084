"""The live room hears when its register changes (ATTENDANCE), so that after "End class" the
app shows the scored attendance without a reload, and an ended room counts nobody."""

import pytest
from channels.db import database_sync_to_async

from attendance.events import Participant, ParticipantChange, ParticipantsChanged
from meetings.events import MeetingEnded, MeetingSummary
from realtime.events import publish

from ..attendance.conftest import ended, joined, started
from .test_subscriptions import PARTICIPANTS, _next, _play, _subscribe, _tidy  # noqa: F401

pytestmark = pytest.mark.django_db


async def test_the_room_hears_the_attendance_scored_at_the_end(meeting):
    # given a teacher watching a class where someone is in the room
    world, meeting_id = meeting
    ws = await _subscribe(world, "teacher", PARTICIPANTS, {"id": str(meeting_id)})
    assert (await _next(ws))["payload"]["data"]["meetingParticipants"]["kind"] == "SNAPSHOT"
    await _play(world, [started(), joined("Ann A", 1)])
    for _ in range(2):
        await _next(ws)

    # when the class ends (and is scored)
    await _play(world, [ended(60)])

    # then the room hears the status, with nobody in it, then that the register changed
    events = []
    for _ in range(2):
        event = (await _next(ws))["payload"]["data"]["meetingParticipants"]
        events.append((event["kind"], event["status"], event["count"]))
    assert events == [("STATUS", "ENDED", 0), ("ATTENDANCE", "ENDED", 0)]


async def test_an_event_read_before_the_end_does_not_bring_the_room_back(meeting):
    # given a teacher watching a running class
    world, meeting_id = meeting
    ws = await _subscribe(world, "teacher", PARTICIPANTS, {"id": str(meeting_id)})
    await _next(ws)  # the snapshot

    def summary(status):
        return MeetingSummary(
            id=meeting_id, title="Live maths", status=status, started_at=None, ended_at=None
        )

    # when the class ends, and then a worker's batch that read the meeting before the end
    # (status "started", nine in the room) is delivered
    late = ParticipantsChanged(
        meeting_id=meeting_id,
        changes=[
            ParticipantChange(
                change="joined",
                participant=Participant(
                    key="k1", name="Ann A", role="student", joined_at=None, left_at=None
                ),
            )
        ],
        count=9,
        status="started",
    )
    for event in (MeetingEnded(meeting=summary("ended")), late):
        await database_sync_to_async(publish)(event, schema_name=world.schema)

    # then the room stays ended, with nobody in it
    events = []
    for _ in range(2):
        event = (await _next(ws))["payload"]["data"]["meetingParticipants"]
        events.append((event["kind"], event["status"], event["count"]))
    assert events == [("STATUS", "ENDED", 0), ("JOINED", "ENDED", 0)]
    await ws.disconnect()
