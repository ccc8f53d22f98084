"""The process's realtime hub over the real channel layer (Redis): one membership per group,
every listener gets every event of its group in order, schools never mix, the last listener
out leaves the group, memberships outlive group_expiry, snapshots are shared only under the
event-counter rule."""

import asyncio
import time

import pytest
from channels.db import database_sync_to_async

from attendance.events import Participant, ParticipantChange, ParticipantsChanged
from realtime import hub as hub_module
from realtime.events import publish
from realtime.groups import meeting_group
from realtime.hub import Hub

pytestmark = pytest.mark.django_db


def _changed(meeting_id: int, *changes: tuple[str, str], count: int = 0) -> ParticipantsChanged:
    return ParticipantsChanged(
        meeting_id=meeting_id,
        changes=[
            ParticipantChange(
                change=change,  # type: ignore[arg-type]
                participant=Participant(
                    key=key, name=key, role="guest", joined_at=None, left_at=None
                ),
            )
            for change, key in changes
        ],
        count=count,
        status="started",
    )


async def _publish(event, schema):
    await database_sync_to_async(publish)(event, schema_name=schema)


async def _drain(listener, n: int) -> list:
    """The next `n` events of `listener`, however they were batched."""
    got: list = []
    while len(got) < n:
        got.extend((await asyncio.wait_for(listener.next_round(), timeout=5)).events)
    return got


async def _members(hub: Hub, group: str) -> list[bytes]:
    layer = hub.layer
    conn = layer.connection(layer.consistent_hash(group))
    return await conn.zrange(layer._group_key(group), 0, -1)


async def _fresh(hub: Hub, group: str) -> str:
    """`group` without members left by an earlier run (Redis outlives the test database)."""
    conn = hub.layer.connection(hub.layer.consistent_hash(group))
    await conn.delete(hub.layer._group_key(group))
    return group


async def test_every_listener_gets_every_event_in_order_over_one_membership():
    hub = Hub.current()
    group = await _fresh(hub, meeting_group("alpha", 4101))
    listeners = [await hub.listen(group) for _ in range(20)]
    # One channel-layer member for the twenty.
    assert await _members(hub, group) == [hub.channel.encode()]

    sent = [_changed(4101, ("joined", f"p{i}"), count=i) for i in range(30)]
    for event in sent:
        await _publish(event, "alpha")

    for listener in listeners:
        assert await _drain(listener, 30) == sent
    for listener in listeners:
        await hub.leave(listener)


async def test_a_listener_that_does_not_read_delays_nobody_and_gets_its_backlog_at_once():
    hub = Hub.current()
    group = meeting_group("alpha", 4102)
    slow, quick = await hub.listen(group), await hub.listen(group)
    sent = [_changed(4102, ("joined", f"p{i}")) for i in range(10)]
    for event in sent:
        await _publish(event, "alpha")
        assert await _drain(quick, 1) == [event]  # each at once, while `slow` reads nothing

    merged = await asyncio.wait_for(slow.next_round(), timeout=5)
    assert list(merged.events) == sent  # one round, in order
    await hub.leave(slow)
    await hub.leave(quick)


async def test_two_schools_with_the_same_meeting_id_hear_nothing_of_each_other():
    hub = Hub.current()
    alpha = await hub.listen(meeting_group("alpha", 4103))
    beta = await hub.listen(meeting_group("beta", 4103))

    await _publish(_changed(4103, ("joined", "in-beta")), "beta")
    await _publish(_changed(4103, ("joined", "in-alpha")), "alpha")

    assert [e.changes[0].participant.key for e in await _drain(alpha, 1)] == ["in-alpha"]
    assert [e.changes[0].participant.key for e in await _drain(beta, 1)] == ["in-beta"]
    await asyncio.sleep(0.2)  # anything else on its way would have arrived by now
    assert not alpha.rounds and not beta.rounds
    await hub.leave(alpha)
    await hub.leave(beta)


async def test_the_last_listener_out_leaves_the_group():
    hub = Hub.current()
    group = await _fresh(hub, meeting_group("alpha", 4104))
    first, second = await hub.listen(group), await hub.listen(group)

    await hub.leave(first)
    assert await _members(hub, group) == [hub.channel.encode()]  # still one listener here

    await hub.leave(second)
    await asyncio.gather(*hub.discarding.values())
    assert await _members(hub, group) == []
    assert group not in hub.groups

    # And joining again works at once (a discard in flight does not undo the new add).
    third = await hub.listen(group)
    await hub.leave(third)
    fourth = await hub.listen(group)
    await _publish(_changed(4104, ("joined", "x")), "alpha")
    assert len(await _drain(fourth, 1)) == 1
    await hub.leave(fourth)


async def test_a_membership_older_than_group_expiry_is_renewed():
    hub = Hub.current()
    group = meeting_group("alpha", 4105)
    listener = await hub.listen(group)
    # As channels-redis sees a membership added more than group_expiry ago: the next
    # group_send forgets it.
    conn = hub.layer.connection(hub.layer.consistent_hash(group))
    await conn.zadd(hub.layer._group_key(group), {hub.channel: 1})

    await hub.renew()

    await _publish(_changed(4105, ("joined", "still-here")), "alpha")
    assert len(await _drain(listener, 1)) == 1
    await hub.leave(listener)


# --- snapshots: shared only when no event came between the read's start and the registration --


async def test_a_snapshot_is_shared_by_listeners_registered_at_the_same_count():
    hub = Hub.current()
    group = meeting_group("alpha", 4107)
    reads = 0
    release = asyncio.Event()

    async def read():
        nonlocal reads
        reads += 1
        await release.wait()
        return {"read": reads}

    listeners = [await hub.listen(group) for _ in range(50)]
    pending = [asyncio.create_task(hub.snapshot(li, "room", read)) for li in listeners]
    await asyncio.sleep(0)
    release.set()
    assert [await p for p in pending] == [{"read": 1}] * 50
    assert reads == 1  # one read for fifty concurrent subscribers
    for listener in listeners:
        await hub.leave(listener)


async def test_an_event_between_the_read_and_the_registration_forces_a_new_read():
    hub = Hub.current()
    group = meeting_group("alpha", 4108)
    reads = 0

    async def read():
        nonlocal reads
        reads += 1
        return reads

    first = await hub.listen(group)
    assert await hub.snapshot(first, "room", read) == 1

    # An event reaches the hub after that read began; a listener registering now must not be
    # given a snapshot that may lack it.
    await _publish(_changed(4108, ("joined", "late")), "alpha")
    await _drain(first, 1)
    second = await hub.listen(group)
    assert await hub.snapshot(second, "room", read) == 2

    # Registered at the same count as that second read: shared.
    third = await hub.listen(group)
    assert await hub.snapshot(third, "room", read) == 2
    assert reads == 2
    for listener in (first, second, third):
        await hub.leave(listener)


async def test_snapshots_go_with_the_membership():
    hub = Hub.current()
    group = meeting_group("alpha", 4109)
    reads = 0

    async def read():
        nonlocal reads
        reads += 1
        return reads

    listener = await hub.listen(group)
    await hub.snapshot(listener, "room", read)
    await hub.leave(listener)  # group left: events from now on are not counted here
    again = await hub.listen(group)
    assert await hub.snapshot(again, "room", read) == 2
    await hub.leave(again)


async def test_listeners_that_kept_up_get_the_same_round_and_a_slow_one_its_backlog_merged():
    hub = Hub.current()
    group = meeting_group("alpha", 4110)
    first, second, slow = [await hub.listen(group) for _ in range(3)]
    sent = [_changed(4110, ("joined", f"p{i}")) for i in range(2)]

    await _publish(sent[0], "alpha")
    round_ = await asyncio.wait_for(first.next_round(), timeout=5)
    assert await asyncio.wait_for(second.next_round(), timeout=5) is round_  # one for the room
    assert round_.shared and round_.events == sent[:1]
    assert round_.derive("key", lambda: object()) is round_.derive("key", lambda: object())

    await _publish(sent[1], "alpha")
    assert await _drain(first, 1) == sent[1:]
    own = await asyncio.wait_for(slow.next_round(), timeout=5)
    assert own.events == sent and not own.shared  # two rounds behind: its own, merged
    for listener in (first, second, slow):
        await hub.leave(listener)


async def test_a_listener_registered_during_a_round_gets_only_what_came_after_it(monkeypatch):
    monkeypatch.setattr(hub_module, "DELIVERY_TICK_SECONDS", 0.5)  # a round long enough
    hub = Hub.current()
    group = meeting_group("alpha", 4111)
    early = await hub.listen(group)
    before, after = _changed(4111, ("joined", "before")), _changed(4111, ("joined", "after"))
    await _publish(before, "alpha")

    async def in_round():
        while not hub.groups[group].fresh:  # the reader has it; the tick has not come yet
            await asyncio.sleep(0.001)

    await asyncio.wait_for(in_round(), timeout=0.4)
    late = await hub.listen(group)
    await _publish(after, "alpha")

    assert await _drain(early, 2) == [before, after]
    assert await _drain(late, 1) == [after]
    await hub.leave(early)
    await hub.leave(late)


async def test_rooms_of_two_schools_with_the_same_meeting_id_never_share_a_round():
    hub = Hub.current()
    alpha = [await hub.listen(meeting_group("alpha", 4112)) for _ in range(2)]
    beta = [await hub.listen(meeting_group("beta", 4112)) for _ in range(2)]
    await _publish(_changed(4112, ("joined", "in-alpha")), "alpha")
    await _publish(_changed(4112, ("joined", "in-beta")), "beta")

    rounds = [await asyncio.wait_for(x.next_round(), timeout=5) for x in alpha + beta]
    assert rounds[0] is rounds[1] and rounds[2] is rounds[3] and rounds[0] is not rounds[2]
    assert [e.changes[0].participant.key for e in rounds[0].events] == ["in-alpha"]
    assert [e.changes[0].participant.key for e in rounds[2].events] == ["in-beta"]
    for listener in alpha + beta:
        await hub.leave(listener)


async def _back(listener) -> asyncio.Task:
    """`listener` done with its round and waiting for the next (as a subscription is once it
    has sent what it took)."""
    task = asyncio.create_task(listener.next_round())
    await asyncio.sleep(0)  # it has run up to its wait
    return task


async def _round_for(hub: Hub, group: str, *listeners):
    """Publish one change to `group`'s room and have `listeners` take the round."""
    meeting_id = int(group.rsplit(".", 1)[1])
    await _publish(_changed(meeting_id, ("joined", "p0")), "alpha")
    rounds = [await asyncio.wait_for(x.next_round(), timeout=5) for x in listeners]
    assert all(r is rounds[0] for r in rounds)
    return rounds[0]


async def test_the_next_round_waits_until_the_last_is_sent_and_carries_what_came_meanwhile(
    monkeypatch,
):
    monkeypatch.setattr(hub_module, "DELIVERY_WAIT_MAX_SECONDS", 30)  # only `slow` releases it
    hub = Hub.current()
    group = meeting_group("alpha", 4113)
    quick, slow = [await hub.listen(group) for _ in range(2)]
    await _round_for(hub, group, quick, slow)
    quick_next = await _back(quick)

    # changes 30 ms apart, which 20 ms ticks would make three rounds of, while `slow` sends
    sent = [_changed(4113, ("joined", f"p{i}")) for i in range(1, 4)]
    for event in sent:
        await _publish(event, "alpha")
        await asyncio.sleep(0.03)
    assert not quick_next.done()  # nothing new before the last round is sent

    slow_next = await _back(slow)
    together = await asyncio.wait_for(quick_next, timeout=5)
    assert together.events == sent and together.shared
    assert await asyncio.wait_for(slow_next, timeout=5) is together  # still one for both
    for listener in (quick, slow):
        await hub.leave(listener)


async def test_a_listener_that_leaves_does_not_hold_the_next_round_back(monkeypatch):
    monkeypatch.setattr(hub_module, "DELIVERY_WAIT_MAX_SECONDS", 30)  # only the leave releases it
    hub = Hub.current()
    group = meeting_group("alpha", 4114)
    stays, goes = [await hub.listen(group) for _ in range(2)]
    await _round_for(hub, group, stays, goes)
    stays_next = await _back(stays)
    later = _changed(4114, ("joined", "p1"))
    await _publish(later, "alpha")
    await asyncio.sleep(0.05)
    assert not stays_next.done()
    await hub.leave(goes)  # with its round unsent: the round is done with
    assert (await asyncio.wait_for(stays_next, timeout=5)).events == [later]
    await hub.leave(stays)


async def test_a_listener_stuck_elsewhere_holds_the_room_back_only_so_long():
    hub = Hub.current()
    group = meeting_group("alpha", 4115)
    quick, stuck = [await hub.listen(group) for _ in range(2)]
    first = await _round_for(hub, group, quick, stuck)
    quick_next = await _back(quick)
    later = _changed(4115, ("joined", "p1"))
    await _publish(later, "alpha")
    got = await asyncio.wait_for(quick_next, timeout=5)
    assert got.events == [later]
    assert time.perf_counter() - first.made >= hub_module.DELIVERY_WAIT_MAX_SECONDS
    # and the stuck one, when it comes back, has it too
    assert (await asyncio.wait_for(stuck.next_round(), timeout=5)).events == [later]
    for listener in (quick, stuck):
        await hub.leave(listener)


def test_a_room_with_more_watchers_gets_longer_ticks():
    assert hub_module.tick_seconds(1) == hub_module.DELIVERY_TICK_SECONDS
    assert hub_module.tick_seconds(100) == hub_module.DELIVERY_TICK_SECONDS
    assert hub_module.tick_seconds(500) == pytest.approx(0.1)  # 5,000 messages a second
    assert hub_module.tick_seconds(1_000) == pytest.approx(0.2)
    assert hub_module.tick_seconds(50_000) == hub_module.DELIVERY_TICK_MAX_SECONDS


async def test_a_busy_rooms_changes_come_in_fewer_rounds(monkeypatch):
    monkeypatch.setattr(hub_module, "DELIVERY_MESSAGES_PER_SECOND", 4)  # 2 listeners: 0.5 s
    monkeypatch.setattr(hub_module, "DELIVERY_TICK_MAX_SECONDS", 1.0)
    hub = Hub.current()
    group = meeting_group("alpha", 4116)
    listeners = [await hub.listen(group) for _ in range(2)]
    sent = [_changed(4116, ("joined", f"p{i}")) for i in range(3)]
    for event in sent:  # 20 ms apart: three rounds at a 20 ms tick
        await _publish(event, "alpha")
        await asyncio.sleep(0.02)
    rounds = [await asyncio.wait_for(x.next_round(), timeout=5) for x in listeners]
    assert rounds[0] is rounds[1] and rounds[0].events == sent
    for listener in listeners:
        await hub.leave(listener)


async def test_a_listener_whose_wait_was_cancelled_still_gets_every_event_in_order():
    hub = Hub.current()
    group = meeting_group("alpha", 4121)
    listener = await hub.listen(group)
    # given a wait that is cancelled (a subscription's task cancelled while idle, then resumed)
    waiting = asyncio.ensure_future(listener.next_round())
    await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    # when events come after it
    sent = [_changed(4121, ("joined", f"p{i}")) for i in range(3)]
    for event in sent:
        await _publish(event, "alpha")
    # then the next wait takes them all, in order, and an idle listener holds no waiter
    assert await _drain(listener, 3) == sent
    assert listener.waiter is None and not hasattr(listener, "__dict__")
    await hub.leave(listener)
