"""The GraphQL websocket consumer's connection-level work: a websocket's messages reach
graphql-ws without a trip to the shared database thread each (a reconnect storm queued three a
connection there, behind every subscription's database work)."""

import channels.consumer
import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application

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
    ws = WebsocketCommunicator(
        application,
        "/graphql/",
        headers=[
            (b"host", world.host.encode()),
            (b"origin", f"http://{world.host}".encode()),
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={world.session_keys['teacher']}".encode()),
        ],
        subprotocols=["graphql-transport-ws"],
    )
    try:
        # when: connect, connection_init, subscribe
        connected, _ = await ws.connect(timeout=5)
        assert connected
        await ws.send_json_to({"type": "connection_init"})
        assert (await ws.receive_json_from(timeout=5))["type"] == "connection_ack"
        payload = {"query": PARTICIPANTS, "variables": {"id": str(meeting_id)}}
        await ws.send_json_to({"id": "1", "type": "subscribe", "payload": payload})
        # then: the snapshot arrives, and no message went round the shared thread first
        message = await ws.receive_json_from(timeout=5)
        assert message["payload"]["data"]["meetingParticipants"] == {"kind": "SNAPSHOT", "count": 0}
        assert hops == []
    finally:
        await ws.disconnect()
