"""A room's round is executed once per operation for all the watchers that kept up and sent to
each as the same text; a different selection set gets its own result; a watcher who lost access
gets nothing of the round; rooms of two schools never share; the room's order is kept."""

import asyncio
import json

import pytest
import strawberry
from channels.db import database_sync_to_async
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from attendance.graphql import types as t
from graphql_api import limits
from graphql_api.limits import MAX_RESPONSE_ITEMS, ResponseLimiter
from graphql_api.shared import SharedResultsExecutor
from realtime import access
from realtime import hub as hub_module
from realtime.events import publish
from realtime.hub import Hub

from .test_subscription_fanout import _changed
from .test_subscriptions import PARTICIPANTS, _inactive, _next, _subscribe, _tidy  # noqa: F401

pytestmark = pytest.mark.django_db

NAMES_ONLY = """subscription($id: ID!) { meetingParticipants(meetingId: $id) {
  kind participants { name } } }"""


def _counting(monkeypatch, *, snapshots: bool) -> list[t.ParticipantsEvent]:
    executed: list[t.ParticipantsEvent] = []
    execute = StrawberryGraphQLCoreExecutionContext.execute_operation

    def counting(self, *args, **kwargs):
        root = self.root_value
        if isinstance(root, t.ParticipantsEvent) and snapshots == (
            root.kind == t.ParticipantEventKind.SNAPSHOT
        ):
            executed.append(root)
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_operation", counting)
    return executed


@pytest.fixture
def executions(monkeypatch):
    """The room messages (not snapshots) graphql-core executed, one entry per execution."""
    return _counting(monkeypatch, snapshots=False)


async def test_watchers_given_the_same_snapshot_get_it_executed_once(meeting, monkeypatch):
    monkeypatch.setattr(hub_module, "SNAPSHOT_SECONDS", 60)  # however slow the machine
    snapshots = _counting(monkeypatch, snapshots=True)
    world, meeting_id = meeting
    hub = Hub.current()
    reads = hub.snapshot_reads
    sockets = [
        await _subscribe(world, role, PARTICIPANTS, {"id": str(meeting_id)})
        for role in ("teacher", "admin", "teacher")
    ]
    frames = [await ws.receive_from(timeout=5) for ws in sockets]
    assert frames[0] == frames[1] == frames[2]
    assert json.loads(frames[0])["payload"]["data"]["meetingParticipants"]["kind"] == "SNAPSHOT"
    assert hub.snapshot_reads - reads == 1 and len(snapshots) == 1
    for ws in sockets:
        await ws.disconnect()


async def _watch(world, meeting_id, role, query=PARTICIPANTS):
    ws = await _subscribe(world, role, query, {"id": str(meeting_id)})
    assert (await _next(ws))["payload"]["data"]["meetingParticipants"]["kind"] == "SNAPSHOT"
    return ws


async def _publish(world, meeting_id, *changes):
    await database_sync_to_async(publish)(_changed(meeting_id, *changes), schema_name=world.schema)


async def test_watchers_with_the_same_operation_get_one_execution_and_the_same_text(
    meeting, executions, monkeypatch
):
    world, meeting_id = meeting
    sockets = [await _watch(world, meeting_id, role) for role in ("teacher", "admin", "teacher")]
    copies = []  # graphql-core's per-event executors (a copy of the subscription's each)
    build = StrawberryGraphQLCoreExecutionContext.build_per_event_executor

    def counted(self, payload):
        copies.append(payload)
        return build(self, payload)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "build_per_event_executor", counted)

    await _publish(world, meeting_id, ("joined", "Ann"))

    frames = [await ws.receive_from(timeout=5) for ws in sockets]
    assert frames[0] == frames[1] == frames[2]
    event = json.loads(frames[0])["payload"]["data"]["meetingParticipants"]
    assert (event["kind"], [p["name"] for p in event["participants"]]) == ("JOINED", ["Ann"])
    assert len(executions) == 1  # not once per watcher
    # and the watchers after the first take the result made, without an executor of their own
    assert len(copies) == 1
    for ws in sockets:
        await ws.disconnect()


async def test_another_selection_set_gets_its_own_result(meeting, executions):
    world, meeting_id = meeting
    full = [await _watch(world, meeting_id, role) for role in ("teacher", "admin")]
    names = [await _watch(world, meeting_id, role, NAMES_ONLY) for role in ("teacher", "admin")]

    await _publish(world, meeting_id, ("joined", "Ann"))

    for ws in full:
        event = (await _next(ws))["payload"]["data"]["meetingParticipants"]
        assert event == {
            "kind": "JOINED",
            "count": 1,
            "status": "STARTED",
            "participants": [{"name": "Ann", "role": "GUEST", "joinedAt": None}],
        }
    for ws in names:
        event = (await _next(ws))["payload"]["data"]["meetingParticipants"]
        assert event == {"kind": "JOINED", "participants": [{"name": "Ann"}]}
    assert len(executions) == 2  # one per operation
    for ws in full + names:
        await ws.disconnect()


async def test_a_watcher_who_lost_access_gets_nothing_of_a_shared_round(
    meeting, executions, monkeypatch
):
    world, meeting_id = meeting
    teachers = await _watch(world, meeting_id, "teacher")
    admins = [await _watch(world, meeting_id, "admin") for _ in range(2)]

    monkeypatch.setattr(access, "RECHECK_SECONDS", 0)
    async with _inactive(world, "teacher"):
        await _publish(world, meeting_id, ("joined", "Ann"))
        frames = [await ws.receive_from(timeout=5) for ws in admins]
        assert frames[0] == frames[1] and len(executions) == 1
        assert (await _next(teachers))["type"] == "complete"  # and not Ann
    for ws in [teachers, *admins]:
        await ws.disconnect()


async def test_the_room_order_is_kept_and_every_watcher_gets_the_same_frames(meeting, executions):
    world, meeting_id = meeting
    sockets = [await _watch(world, meeting_id, role) for role in ("teacher", "admin")]
    changes = [("joined", "Ann"), ("left", "Ann"), ("joined", "Bob"), ("joined", "Ann")]
    for change in changes:
        await _publish(world, meeting_id, change)

    async def frames(ws) -> list[str]:
        got: list[str] = []
        people = 0
        while people < len(changes):
            got.append(await ws.receive_from(timeout=5))
            people += len(
                json.loads(got[-1])["payload"]["data"]["meetingParticipants"]["participants"]
            )
        return got

    first, second = await asyncio.gather(*(frames(ws) for ws in sockets))
    assert first == second
    runs = []
    for frame in first:
        event = json.loads(frame)["payload"]["data"]["meetingParticipants"]
        runs += [(event["kind"], p["name"]) for p in event["participants"]]
    assert runs == [("JOINED", "Ann"), ("LEFT", "Ann"), ("JOINED", "Bob"), ("JOINED", "Ann")]
    assert len(executions) == len(first)  # each message once, for both
    for ws in sockets:
        await ws.disconnect()


async def test_the_response_limit_counts_a_shared_result_once_the_same_for_every_watcher(
    meeting, executions, monkeypatch
):
    world, meeting_id = meeting
    monkeypatch.setattr(limits, "MAX_RESPONSE_ITEMS", 3)
    sockets = [await _watch(world, meeting_id, role) for role in ("teacher", "admin")]

    for names in (("Ann", "Bob"), ("Cy", "Di"), ("Ed", "Flo", "Gus", "Hal")):
        await _publish(world, meeting_id, *(("joined", name) for name in names))
        frames = [json.loads(await ws.receive_from(timeout=5)) for ws in sockets]
        assert frames[0] == frames[1]
        if len(names) <= 3:  # each round on its own: under the limit, whatever came before
            event = frames[0]["payload"]["data"]["meetingParticipants"]
            assert [p["name"] for p in event["participants"]] == list(names)
        else:
            assert frames[0]["payload"]["data"] is None
            assert "more than 3 items" in frames[0]["payload"]["errors"][0]["message"]
    assert len(executions) == 3
    for ws in sockets:
        await ws.disconnect()


# --- the response limit over a subscription's life ------------------------------------------


@strawberry.type
class _Query:
    ok: bool = True


@strawberry.type
class _Subscription:
    @strawberry.subscription
    async def numbers(self) -> list[int]:  # type: ignore[misc]
        for size in (
            MAX_RESPONSE_ITEMS // 2 + 1,
            MAX_RESPONSE_ITEMS // 2 + 1,
            MAX_RESPONSE_ITEMS + 1,
        ):
            yield list(range(size))


async def test_the_response_limit_applies_to_each_result_of_a_subscription():
    # given the project's executor and limiter, and results each under the limit but over it
    # together, then one over it on its own
    schema = strawberry.Schema(
        query=_Query,
        subscription=_Subscription,
        extensions=[ResponseLimiter],
        execution_context_class=SharedResultsExecutor,
    )
    # when
    results = [r async for r in await schema.subscribe("subscription { numbers }")]
    # then each is judged on its own
    assert [r.errors for r in results[:2]] == [None, None]
    assert results[2].data is None
    assert "more than" in results[2].errors[0].message
