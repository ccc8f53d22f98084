"""The live room hears when its register changes (ATTENDANCE), so that after "End class" the
app shows the scored attendance without a reload, and an ended room counts nobody."""

import pytest
from channels.db import database_sync_to_async

from ..attendance.conftest import ended, joined, started
from ..support import committed as _committed
from .test_subscriptions import PARTICIPANTS, _next, _play, _subscribe

pytestmark = pytest.mark.django_db


async def test_the_room_hears_the_attendance_scored_at_the_end(meeting):
    # given a teacher watching a class where someone is in the room
    world, meeting_id = meeting
    ws = await _subscribe(world, "teacher", PARTICIPANTS, {"id": str(meeting_id)})
    assert (await _next(ws))["payload"]["data"]["meetingParticipants"]["kind"] == "SNAPSHOT"
    run, clean = _play(world, [started(), joined("Ann A", 1)])
    await database_sync_to_async(lambda: _committed(run))()
    for _ in range(2):
        await _next(ws)

    # when the class ends (and is scored)
    run, _ = _play(world, [ended(60)])
    await database_sync_to_async(lambda: _committed(run))()

    # then the room hears the status, with nobody in it, then that the register changed
    events = []
    for _ in range(2):
        event = (await _next(ws))["payload"]["data"]["meetingParticipants"]
        events.append((event["kind"], event["status"], event["count"]))
    assert events == [("STATUS", "ENDED", 0), ("ATTENDANCE", "ENDED", 0)]
    await ws.disconnect()
    await database_sync_to_async(lambda: _committed(clean))()
