"""Room subscriptions through the process's hub: many watchers share one membership, one
snapshot read and one access check per interval; every watcher gets every change in order;
merged bursts keep the order; schools never mix."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from attendance.events import Participant, ParticipantChange, ParticipantsChanged
from attendance.graphql import types as t
from attendance.graphql.subscriptions import participant_runs
from attendance.selectors import may_watch_room, watchers_still_allowed
from realtime import access
from realtime.events import publish
from realtime.groups import meeting_group
from realtime.hub import Hub
from realtime.metrics import REALTIME_SNAPSHOT_READS

from .test_subscriptions import PARTICIPANTS, _inactive, _next, _subscribe, _tidy  # noqa: F401

pytestmark = pytest.mark.django_db


def _person(key: str) -> Participant:
    return Participant(key=key, name=key, role="guest", joined_at=None, left_at=None)


def _changed(meeting_id: int, *changes: tuple[str, str], count: int = 1) -> ParticipantsChanged:
    return ParticipantsChanged(
        meeting_id=meeting_id,
        changes=[ParticipantChange(change=c, participant=_person(k)) for c, k in changes],  # type: ignore[arg-type]
        count=count,
        status="started",
    )


def test_merged_changes_keep_their_order():
    # given a join, a leave and a join in three batches, and a batch of its own joins and leaves
    events = [
        _changed(1, ("joined", "A")),
        _changed(1, ("joined", "C")),
        _changed(1, ("left", "A")),
        _changed(1, ("joined", "B"), ("left", "C"), ("joined", "A")),
    ]
    # when merged
    runs = [(kind, [p.key for p in people]) for kind, people in participant_runs(events)]
    # then A's leave stays between its joins; a batch's joins go before its leaves
    assert runs == [
        (t.ParticipantEventKind.JOINED, ["A", "C"]),
        (t.ParticipantEventKind.LEFT, ["A"]),
        (t.ParticipantEventKind.JOINED, ["B", "A"]),
        (t.ParticipantEventKind.LEFT, ["C"]),
    ]


def test_merged_run_names_a_participant_once_with_their_latest_state():
    first = Participant(key="A", name="Ann", role="guest", joined_at=None, left_at=None)
    later = Participant(key="A", name="Ann Smith", role="guest", joined_at=None, left_at=None)
    events = [
        ParticipantsChanged(
            meeting_id=1,
            changes=[ParticipantChange(change="joined", participant=p)],
            count=1,
            status="started",
        )
        for p in (first, later)
    ]
    assert participant_runs(events) == [(t.ParticipantEventKind.JOINED, [later])]


def test_watchers_still_allowed_is_the_room_policy_for_every_role_in_three_queries(meeting, beta):
    world, meeting_id = meeting
    ids = [user.pk for user in world.users.values()]
    with schema_context(world.schema):
        expected = {u for u in ids if may_watch_room(u, meeting_id)}
        with CaptureQueriesContext(connection) as queries:
            allowed = watchers_still_allowed(ids, meeting_id)
        assert watchers_still_allowed(ids, meeting_id + 10_000) == set()  # no such meeting
    assert allowed == expected == {world.users["admin"].pk, world.users["teacher"].pk}
    assert len(queries) <= 3


async def _room_events(ws, n: int) -> list[tuple[str, str]]:
    """(kind, participant) pairs of the next room messages until `n` pairs came."""
    got: list[tuple[str, str]] = []
    while len(got) < n:
        event = (await _next(ws))["payload"]["data"]["meetingParticipants"]
        got.extend((event["kind"], p["name"]) for p in event["participants"])
    return got


async def test_many_watchers_share_one_snapshot_read_and_get_every_change_in_order(meeting):
    world, meeting_id = meeting
    hub = Hub.current()
    reads_before = hub.snapshot_reads
    exported_before = REALTIME_SNAPSHOT_READS._value.get()
    roles = ["teacher", "admin"] * 15

    # thirty watchers subscribing at once (a reconnect storm in small)
    sockets = await asyncio.gather(
        *(_subscribe(world, role, PARTICIPANTS, {"id": str(meeting_id)}) for role in roles)
    )
    firsts = await asyncio.gather(*(_next(ws) for ws in sockets))
    assert {m["payload"]["data"]["meetingParticipants"]["kind"] for m in firsts} == {"SNAPSHOT"}
    state = hub.groups[meeting_group(world.schema, meeting_id)]
    assert len(state.listeners) == 30
    # one read per registration count: a handful for thirty, not thirty
    assert 1 <= hub.snapshot_reads - reads_before <= 3
    # and /metrics counts the same reads (what the storm bench reads)
    assert REALTIME_SNAPSHOT_READS._value.get() - exported_before == (
        hub.snapshot_reads - reads_before
    )
    gate = next(iter(state.gates.values()))
    # admissions checked together: one query per batch of those waiting, never one each (how
    # many batches depends on how the handshakes, on threads of their own, spread out)
    assert gate.queries <= 10

    for change in [("joined", "Ann"), ("left", "Ann"), ("joined", "Bob")]:
        await database_sync_to_async(publish)(
            _changed(meeting_id, change), schema_name=world.schema
        )

    for ws in sockets:
        assert await _room_events(ws, 3) == [("JOINED", "Ann"), ("LEFT", "Ann"), ("JOINED", "Bob")]
    for ws in sockets:
        await ws.disconnect()


async def test_a_room_of_one_school_hears_nothing_of_the_same_meeting_id_in_another(meeting):
    world, meeting_id = meeting
    ws = await _subscribe(world, "teacher", PARTICIPANTS, {"id": str(meeting_id)})
    assert (await _next(ws))["payload"]["data"]["meetingParticipants"]["kind"] == "SNAPSHOT"

    await database_sync_to_async(publish)(
        _changed(meeting_id, ("joined", "Beta's pupil")), schema_name="beta"
    )
    await database_sync_to_async(publish)(
        _changed(meeting_id, ("joined", "Alpha's pupil")), schema_name=world.schema
    )
    assert await _room_events(ws, 1) == [("JOINED", "Alpha's pupil")]
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_a_watcher_who_loses_access_stops_while_the_others_go_on_one_query_each_check(
    meeting, monkeypatch
):
    world, meeting_id = meeting
    teachers_ws = await _subscribe(world, "teacher", PARTICIPANTS, {"id": str(meeting_id)})
    admins_ws = await _subscribe(world, "admin", PARTICIPANTS, {"id": str(meeting_id)})
    for ws in (teachers_ws, admins_ws):
        assert (await _next(ws))["payload"]["data"]["meetingParticipants"]["kind"] == "SNAPSHOT"
    gate = next(iter(Hub.current().groups[meeting_group(world.schema, meeting_id)].gates.values()))

    monkeypatch.setattr(access, "RECHECK_SECONDS", 0)
    async with _inactive(world, "teacher"):
        queries = gate.queries
        await database_sync_to_async(publish)(
            _changed(meeting_id, ("joined", "Ann")), schema_name=world.schema
        )
        assert (await _next(teachers_ws))["type"] == "complete"  # not Ann
        assert await _room_events(admins_ws, 1) == [("JOINED", "Ann")]
        assert gate.queries - queries == 1  # both watchers in one re-check
    for ws in (teachers_ws, admins_ws):
        await ws.disconnect()
