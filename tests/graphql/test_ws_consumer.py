"""The GraphQL websocket consumer's connection-level work: a websocket's messages reach
graphql-ws without a trip to the shared database thread each (a reconnect storm queued three a
connection there, behind every subscription's database work)."""

import channels.consumer
import pytest

from .test_subscriptions import _next, _subscribe, _tidy  # noqa: F401

pytestmark = pytest.mark.django_db

PARTICIPANTS = """subscription($id: ID!) { meetingParticipants(meetingId: $id) {
  kind count } }"""


async def test_a_subscription_reaches_its_snapshot_without_closing_old_connections_per_message(
    meeting, monkeypatch
):
    world, meeting_id = meeting
    hops: list[object] = []

    async def close_old_connections() -> None:
        hops.append(None)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", close_old_connections)
    # when: connect, connection_init, subscribe
    ws = await _subscribe(world, "teacher", PARTICIPANTS, {"id": str(meeting_id)})
    # then: the snapshot arrives, and no message went round the shared thread first
    message = await _next(ws)
    assert message["payload"]["data"]["meetingParticipants"] == {"kind": "SNAPSHOT", "count": 0}
    assert hops == []


async def test_an_acknowledged_connection_keeps_no_connection_init_timer(meeting, monkeypatch):
    from graphql_api.consumers import _TransportWSHandler

    world, meeting_id = meeting
    handlers = []
    made = _TransportWSHandler.__init__

    def record(self, *args, **kwargs):
        made(self, *args, **kwargs)
        handlers.append(self)

    monkeypatch.setattr(_TransportWSHandler, "__init__", record)
    ws = await _subscribe(world, "teacher", PARTICIPANTS, {"id": str(meeting_id)})
    assert (await _next(ws))["payload"]["data"]["meetingParticipants"]["kind"] == "SNAPSHOT"
    [handler] = handlers
    assert handler.connection_acknowledged
    assert handler.connection_init_timeout_task is None  # let go, not kept cancelled
