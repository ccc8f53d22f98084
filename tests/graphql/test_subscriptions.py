"""Subscriptions over `graphql-transport-ws` on the tenant websocket stack: a snapshot, then
one event per change; refused to those who may not watch; tenants never cross."""

import asyncio
from contextlib import asynccontextmanager

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django_tenants.utils import schema_context

from attendance.events import (
    AttendanceUpdated,
    LiveCount,
    Participant,
    ParticipantChange,
    ParticipantsChanged,
)
from attendance.inbox import engine
from attendance.models import WebhookEvent
from config.asgi import application
from meetings.events import MeetingStarted, MeetingSummary
from realtime.events import publish

from ..attendance.conftest import joined, left, started, store
from ..support import committed as _committed

pytestmark = pytest.mark.django_db

PARTICIPANTS = """subscription($id: ID!) { meetingParticipants(meetingId: $id) {
  kind count status participants { name role joinedAt } } }"""

# What a test opened and played, undone when it ends, passed or failed: a socket left open
# keeps its listeners in the hub, and a webhook left stored is a duplicate to the next test.
_open: list[WebsocketCommunicator] = []
_played: set[str] = set()


@pytest_asyncio.fixture(autouse=True, loop_scope="function")
async def _tidy():
    """Autouse here; a module that imports `_subscribe` or `_play` imports this too."""
    yield
    loop = asyncio.get_running_loop()
    mine = [ws for ws in _open if ws.future.get_loop() is loop]
    _open.clear()  # those of other loops (a module without this fixture) are gone with them
    for ws in mine:
        await ws.disconnect()
    schemas, _ = set(_played), _played.clear()

    def clean():
        for schema in schemas:
            with schema_context(schema):
                WebhookEvent.objects.all().delete()

    await database_sync_to_async(lambda: _committed(clean))()


async def _subscribe(world, role, query, variables=None):
    ws = WebsocketCommunicator(
        application,
        "/graphql/",
        headers=[
            (b"host", world.host.encode()),
            (b"origin", f"http://{world.host}".encode()),
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={world.session_keys[role]}".encode()),
        ],
        subprotocols=["graphql-transport-ws"],
    )
    _open.append(ws)
    connected, subprotocol = await ws.connect(timeout=5)
    assert connected and subprotocol == "graphql-transport-ws"
    await ws.send_json_to({"type": "connection_init"})
    assert (await ws.receive_json_from(timeout=5))["type"] == "connection_ack"
    await ws.send_json_to(
        {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}
    )
    return ws


async def _next(ws) -> dict:
    message = await ws.receive_json_from(timeout=5)
    return message


async def _refusal(ws) -> str:
    """A refused subscription ends with its error as the only result, then completes."""
    message = await _next(ws)
    assert message["type"] == "next" and message["payload"]["data"] is None
    assert (await _next(ws))["type"] == "complete"
    return message["payload"]["errors"][0]["message"]


async def _play(world, bodies, *, together: bool = False) -> None:
    """Store and process (committed), each event on its own (a quiet room) or all stored before
    a worker gets to them (`together`: one batch)."""
    _played.add(world.schema)

    def run():
        with schema_context(world.schema):
            for group in [bodies] if together else [[b] for b in bodies]:
                for event_id in store(group):
                    engine.webhook_event_process(event_id=event_id)

    await database_sync_to_async(lambda: _committed(run))()


@asynccontextmanager
async def _inactive(world, role: str):
    """`role`'s user made inactive for the block (committed: the websocket's re-check sees it),
    and made active again after it, whatever happened in it."""
    from tenants.accounts.models import User

    user_id = world.users[role].pk

    def set_active(active):
        with schema_context(world.schema):
            User.objects.filter(pk=user_id).update(is_active=active)

    await database_sync_to_async(lambda: _committed(lambda: set_active(False)))()
    try:
        yield
    finally:
        await database_sync_to_async(lambda: _committed(lambda: set_active(True)))()


async def _change(ws) -> tuple[str, int, list[str]]:
    event = (await _next(ws))["payload"]["data"]["meetingParticipants"]
    return event["kind"], event["count"], [p["name"] for p in event["participants"]]


async def test_teacher_sees_a_snapshot_then_joins_and_leaves(meeting):
    world, meeting_id = meeting
    ws = await _subscribe(world, "teacher", PARTICIPANTS, {"id": str(meeting_id)})
    snapshot = await _next(ws)
    assert snapshot["payload"]["data"]["meetingParticipants"] == {
        "kind": "SNAPSHOT",
        "count": 0,
        "status": "SCHEDULED",
        "participants": [],
    }
    # One change at a time: one event each, with the count after it. (Changes that reach the
    # hub within one delivery round are merged, each run with the count after the round: the
    # batch below and tests/realtime/test_hub.py.)
    for body, expected in [
        (started(), ("STATUS", 0, [])),
        (joined("Ann A", 1), ("JOINED", 1, ["Ann A"])),
        (left("Ann A", 5), ("LEFT", 0, ["Ann A"])),
    ]:
        await _play(world, [body])
        assert await _change(ws) == expected

    # A batch: its joins in one event, its leaves in another, each with the count after both.
    bodies = [joined("Bob B", 6, email="bob@alpha.test"), joined("Cy C", 7), left("Bob B", 8)]
    await _play(world, [*bodies, joined("Dee D", 9)], together=True)
    batch = [await _change(ws) for _ in range(2)]
    assert batch == [("JOINED", 2, ["Cy C", "Dee D"]), ("LEFT", 2, ["Bob B"])]


@pytest.mark.parametrize("role", ["student", "parent"])
async def test_students_and_parents_are_refused(meeting, role):
    world, meeting_id = meeting
    ws = await _subscribe(world, role, PARTICIPANTS, {"id": str(meeting_id)})
    assert await _refusal(ws) == "No such meeting."


async def test_an_unexpected_error_in_a_subscription_says_nothing_internal(meeting, monkeypatch):
    from attendance.graphql import subscriptions

    async def boom(*args, **kwargs):
        raise RuntimeError("password=hunter2 at db.internal:5432")

    # given a room whose snapshot fails in an unexpected way
    monkeypatch.setattr(subscriptions, "_room_snapshot", boom)
    world, meeting_id = meeting
    # when a teacher subscribes
    ws = await _subscribe(world, "teacher", PARTICIPANTS, {"id": str(meeting_id)})
    # then the error is masked as over HTTP (graphql_api.schema.StreamMaskErrors)
    message = await _next(ws)
    assert message["payload"]["errors"][0]["message"] == "Unexpected error."
    assert "hunter2" not in str(message)


async def test_another_tenant_cannot_subscribe_to_a_guessed_id(meeting, worlds):
    _, meeting_id = meeting
    ws = await _subscribe(worlds["b"], "admin", PARTICIPANTS, {"id": str(meeting_id)})
    assert await _refusal(ws) == "No such meeting."


async def test_live_classes_for_admins_only(meeting):
    world, _ = meeting
    query = "subscription { liveClasses { kind classes { title participantCount } } }"
    ws = await _subscribe(world, "admin", query)
    first = await _next(ws)
    assert first["payload"]["data"]["liveClasses"]["kind"] == "snapshot"
    await _play(world, [started()])
    update = (await _next(ws))["payload"]["data"]["liveClasses"]
    assert update["kind"] == "meeting.started"
    assert update["classes"] == [{"title": "Live maths", "participantCount": 0}]

    refused = await _subscribe(world, "teacher", query)
    assert await _refusal(refused) == "Only school admins see live classes."


def _attendance_updated(student_id: int) -> AttendanceUpdated:
    return AttendanceUpdated(
        meeting_id=1, student_id=student_id, status="present", attended_seconds=900, final=False
    )


async def test_my_notifications_reach_only_me(alpha, beta):
    query = "subscription { myNotifications { kind data } }"
    mine = await _subscribe(alpha, "student", query)
    other = await _subscribe(beta, "student", query)
    for ws in (mine, other):  # both are in their groups once they say so
        assert (await _next(ws))["payload"]["data"]["myNotifications"]["kind"] == "subscribed"
    event = _attendance_updated(alpha.users["student"].pk)
    await database_sync_to_async(publish)(event, schema_name="alpha")
    got = (await _next(mine))["payload"]["data"]["myNotifications"]
    assert got == {"kind": "attendance.updated", "data": event.data()}
    assert got["data"]["status"] == "present"
    assert await other.receive_nothing(timeout=0.3)


async def test_subscriptions_on_one_connection_get_only_their_own_events(meeting):
    """graphql-ws carries several subscriptions on one socket, and every channel message of
    the connection reaches each of them: each keeps to its own group."""
    world, meeting_id = meeting
    ws = await _subscribe(world, "admin", PARTICIPANTS, {"id": str(meeting_id)})
    assert (await _next(ws))["payload"]["data"]["meetingParticipants"]["kind"] == "SNAPSHOT"
    for sid, query in (
        ("2", "subscription { myNotifications { kind data } }"),
        ("3", "subscription { liveClasses { kind meetingId count } }"),
    ):
        await ws.send_json_to({"id": sid, "type": "subscribe", "payload": {"query": query}})
    first = [await _next(ws) for _ in range(2)]
    assert sorted(m["id"] for m in first) == ["2", "3"]  # "subscribed" and the snapshot

    admin_id = world.users["admin"].pk
    await database_sync_to_async(publish)(_attendance_updated(admin_id), schema_name="alpha")
    await database_sync_to_async(publish)(
        LiveCount(meeting_id=meeting_id, count=4), schema_name="alpha"
    )
    got = [await _next(ws) for _ in range(2)]
    assert sorted((m["id"], _kind(m)) for m in got) == [
        ("2", "attendance.updated"),
        ("3", "live.count"),
    ]
    # Another class starting: news for the live classes, not for this room.
    other = MeetingSummary(
        id=meeting_id + 1000, title="Other", status="started", started_at=None, ended_at=None
    )
    await database_sync_to_async(publish)(
        MeetingStarted(meeting=other, count=0), schema_name="alpha"
    )
    assert [(m["id"], _kind(m)) for m in [await _next(ws)]] == [("3", "meeting.started")]
    assert await ws.receive_nothing(timeout=0.5)  # the room heard none of it


def _kind(message: dict) -> str:
    data = message["payload"]["data"]
    return next(iter(data.values()))["kind"]


async def test_a_subscriber_who_loses_access_stops_receiving(meeting, monkeypatch):
    from realtime import access

    world, meeting_id = meeting
    ws = await _subscribe(world, "teacher", PARTICIPANTS, {"id": str(meeting_id)})
    assert (await _next(ws))["payload"]["data"]["meetingParticipants"]["kind"] == "SNAPSHOT"

    monkeypatch.setattr(access, "RECHECK_SECONDS", 0)
    async with _inactive(world, "teacher"):
        ann = Participant(key="k", name="Ann", role="guest", joined_at=None, left_at=None)
        changed = ParticipantsChanged(
            meeting_id=meeting_id,
            changes=[ParticipantChange(change="joined", participant=ann)],
            count=1,
            status="started",
        )
        await database_sync_to_async(publish)(changed, schema_name="alpha")
        assert (await _next(ws))["type"] == "complete"  # not Ann
