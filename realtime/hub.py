"""In-process fan-out: one channel-layer membership per group and process, shared by every
local listener of the group.

A subscription used to be its own channel-layer member: 500 watchers of a room were 500 Redis
deliveries and 500 decodes per change, and one daphne fell 15-20 s behind. Here each process
(each event loop) has ONE channel; a group that has local listeners is joined ONCE (awaited
before `listen` returns, so "join the group, then read the snapshot" still holds) and left when
its last local listener goes. A reader task receives from the channel, decodes each message
once (realtime.events.decode_message) and adds the event to its group's current round.

- Order: one reader; each group gathers its events in the order the channel layer delivered
  them and, at each delivery tick, makes them one `Round` queued to each of its listeners (the
  next round waits until the last one is sent: `Hub.delivered`). A
  listener that kept up takes that round, the SAME object as the group's other listeners, so
  what a subscription derives from it (and the GraphQL result, graphql_api.shared) is made once
  for all of them. A slow listener only lengthens its own queue; when it catches up it takes
  everything queued at once, merged into a round of its own (`Listener.next_round`).
- Membership: channels-redis forgets a group member after `group_expiry` seconds (a day by
  default); memberships held longer are renewed by re-adding them every half of that.
- Tenancy: group names are `t.<schema>.…` (realtime.groups); a message is only ever handed to
  listeners of the group it was sent to.
- Access (`RoomGate`) and snapshots (`Hub.snapshot`) are shared per group, so that 500 watchers
  of a room cost one access query per interval and one snapshot read per burst of reconnects.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from channels.layers import BaseChannelLayer, get_channel_layer

from realtime.access import RoomGate
from realtime.events import Event, EventError, decode_message
from realtime.metrics import CHANNEL_LAYER_DROPS, REALTIME_DELIVERIES, REALTIME_SNAPSHOT_READS

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A listener this far behind is cut off (its subscription ends; the client re-subscribes and
# re-reads the snapshot) rather than let one stuck socket hold memory without bound.
MAX_PENDING = 5_000
# Listeners are woken at most this often. Waking 500 subscriptions for each message would keep
# the event loop busy with them, and the reader (one channel-layer receive per loop turn) would
# fetch one message per 500 sends: with a tick it drains what arrived, then they all take it.
DELIVERY_TICK_SECONDS = 0.02
# ...and a room's watchers on one process get at most this many messages a second together: a
# tick is 20 ms for up to 100 of them, then as long as their number / this (500 watchers:
# 100 ms, each message carrying the changes of 100 ms). Every message costs the process about
# 0.1 ms (its generator turn, strawberry's result, a websocket frame) and the watcher's browser
# a parse, whatever it carries: 50 rounds a second to 500 watchers were 25,000 messages a
# second, more than one process sends; this keeps a busy room to half a core.
DELIVERY_MESSAGES_PER_SECOND = 5_000
DELIVERY_TICK_MAX_SECONDS = 0.5
# A group's next round is made only once its last one is sent: every listener it was handed to
# has come back for more. A round for 1,000 watchers that takes 60 ms to send is followed by one
# with everything that arrived meanwhile, instead of rounds queueing behind each other until the
# watchers fall behind, lose the shared round and each execute a backlog of their own. A round
# still unsent after this long (a listener stuck elsewhere) is not waited for:
DELIVERY_WAIT_MAX_SECONDS = 0.25
# How long a room's snapshot may be handed out again (under the rule in `Hub.snapshot`).
SNAPSHOT_SECONDS = 2.0


def tick_seconds(listeners: int) -> float:
    """How long a group with `listeners` local listeners gathers events into one round."""
    spaced = listeners / DELIVERY_MESSAGES_PER_SECOND
    return max(DELIVERY_TICK_SECONDS, min(DELIVERY_TICK_MAX_SECONDS, spaced))


class ListenerLost(Exception):
    """The listener fell more than MAX_PENDING events behind and was cut off."""


class Round:
    """A group's events of one delivery tick (or a slow listener's backlog), in order.

    `derive` memoises what a subscription makes of the round, so that listeners handed the
    same round (the group's, at a tick) share it; the key must hold everything of the
    listener's own that the result depends on."""

    __slots__ = ("derived", "events", "handed", "made", "shared", "taken")

    def __init__(self, events: list[Event], *, shared: bool) -> None:
        self.events = events
        self.shared = shared  # the group's round, handed to every listener that kept up
        self.derived: dict[Hashable, Any] = {}
        # A shared round's delivery, timed: when it was made, to how many listeners it was
        # handed, how many of them have sent it and come back for more (`Listener.sent`).
        self.made = time.perf_counter()
        self.handed = 0
        self.taken = 0

    def derive(self, key: Hashable, make: Callable[[], T]) -> T:
        if key not in self.derived:
            self.derived[key] = make()
        result: T = self.derived[key]
        return result


class Listener:
    """One subscription's place in a group: the group's events, in order, from the moment it
    registered.

    An idle subscription holds one for its whole life, so it is kept small (docs/benchmarks.md,
    "Idle subscriptions: where the memory goes"): slots, a plain list for the queue (a deque
    allocates a 64-slot block up front) and a future made only while the listener waits (an
    asyncio.Event holds a deque of its own)."""

    __slots__ = (
        "group",
        "hub",
        "lost",
        "queued",
        "registered_at",
        "rounds",
        "sending",
        "skip",
        "state",
        "waiter",
    )

    def __init__(self, hub: Hub, group: str, state: _Group) -> None:
        self.hub, self.group, self.state = hub, group, state
        self.rounds: list[Round] = []
        self.queued = 0  # events in `rounds`
        self.waiter: asyncio.Future[None] | None = None  # while `next_round` waits
        self.lost = False
        # The group's rounds in what it is sending now, counted when it comes back for more
        # (the hub times each round's delivery by them: see `Hub.delivered`).
        self.sending: tuple[Round, ...] = ()
        # The group's event counter when this listener started hearing the group (see snapshot).
        self.registered_at = state.events
        # Events of the group's current round that came before this listener: not its own.
        self.skip = len(state.fresh)

    def put(self, round_: Round) -> bool:
        """Queue `round_` and wake the listener; False if it fell too far behind (lost)."""
        queued = self.queued + len(round_.events) <= MAX_PENDING
        if queued:
            self.rounds.append(round_)
            self.queued += len(round_.events)
        else:
            self.lost = True
            CHANNEL_LAYER_DROPS.inc()
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        return queued

    def sent(self) -> None:
        """What this listener took last is sent (or it is leaving): tell the group's rounds."""
        for round_ in self.sending:
            round_.taken += 1
            if round_.taken == round_.handed:
                self.hub.delivered(self.state, round_)
        self.sending = ()

    async def next_round(self) -> Round:
        """What queued up for this listener (at least one event), waiting for it: the group's
        round itself when it is the only one, else the backlog merged into one of its own."""
        self.sent()
        while not self.rounds and not self.lost:
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        if self.lost:
            raise ListenerLost(self.group)
        if len(self.rounds) == 1:
            round_ = self.rounds[0]
        else:
            round_ = Round([e for r in self.rounds for e in r.events], shared=False)
        self.sending = tuple(r for r in self.rounds if r.shared)
        self.rounds = []
        self.queued = 0
        return round_


@dataclass
class _Snapshot:
    counter: int  # the group's event counter when the read began
    result: asyncio.Future[Any]
    taken_at: float = field(default_factory=time.monotonic)


@dataclass
class _Group:
    listeners: dict[Listener, None] = field(default_factory=dict)  # insertion-ordered set
    joined: asyncio.Task[None] | None = None
    events: int = 0  # messages of this group that reached the hub while it was joined
    snapshots: dict[Hashable, _Snapshot] = field(default_factory=dict)
    gates: dict[Hashable, RoomGate] = field(default_factory=dict)
    fresh: list[Event] = field(default_factory=list)  # since the last delivery tick
    sending: Round | None = None  # the last shared round, until every listener has sent it
    tick: asyncio.Handle | None = None  # when `fresh` becomes a round
    name: str = ""


def _failed(future: asyncio.Future[Any]) -> bool:
    return future.done() and (future.cancelled() or future.exception() is not None)


class Hub:
    """The process's (event loop's) channel and its groups. `Hub.current()` gives it."""

    _hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()

    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.groups: dict[str, _Group] = {}
        self.discarding: dict[str, asyncio.Task[None]] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self.started = asyncio.Lock()
        self.snapshot_reads = 0  # counted for the tests and the bench

    @classmethod
    def current(cls) -> Hub:
        loop = asyncio.get_running_loop()
        hub = cls._hubs.get(loop)
        if hub is None:
            layer = get_channel_layer()
            if layer is None:
                raise RuntimeError("realtime needs a channel layer (CHANNEL_LAYERS)")
            hub = cls._hubs[loop] = cls(layer)
        return hub

    # --- membership ------------------------------------------------------------------------

    async def _channel(self) -> str:
        async with self.started:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                self.tasks = [
                    asyncio.create_task(self._read(self.channel), name="realtime-hub-reader"),
                    asyncio.create_task(self._renew(), name="realtime-hub-renewal"),
                ]
            return self.channel

    async def listen(self, group: str) -> Listener:
        """A listener of `group`, once the process is a member of it (events published from
        here on reach the listener)."""
        channel = await self._channel()
        state = self.groups.get(group)
        if state is None:
            state = self.groups[group] = _Group(name=group)
            state.joined = asyncio.create_task(self._join(group, channel))
        listener = Listener(self, group, state)
        state.listeners[listener] = None
        try:
            assert state.joined is not None
            await asyncio.shield(state.joined)
        except BaseException:
            await self.leave(listener)
            raise
        return listener

    async def _join(self, group: str, channel: str) -> None:
        discarding = self.discarding.get(group)
        if discarding is not None:
            await asyncio.shield(discarding)  # a discard still in flight must not undo this add
        await self.layer.group_add(group, channel)

    async def leave(self, listener: Listener) -> None:
        state = self.groups.get(listener.group)
        if state is None or state.listeners.pop(listener, False) is False:
            return
        listener.sent()  # a round it was sending need not wait for it
        for gate in list(state.gates.values()):
            gate.forget(listener)
        if state.listeners:
            return
        del self.groups[listener.group]  # with its snapshots: they are valid only while joined
        if state.tick is not None:
            state.tick.cancel()
        if self.channel is not None:
            task = asyncio.create_task(self._discard(listener.group, self.channel, state))
            self.discarding[listener.group] = task

    async def _discard(self, group: str, channel: str, state: _Group) -> None:
        try:
            if state.joined is not None:
                await asyncio.gather(state.joined, return_exceptions=True)
            await self.layer.group_discard(group, channel)
        except Exception:
            logger.exception("leaving channel group %s failed", group)
        finally:
            if self.discarding.get(group) is asyncio.current_task():
                del self.discarding[group]

    async def _renew(self) -> None:
        expiry = float(getattr(self.layer, "group_expiry", 86_400))
        while True:
            await asyncio.sleep(max(1.0, expiry / 2))
            await self.renew()

    async def renew(self) -> None:
        """Re-add every membership (channels-redis forgets one `group_expiry` after its add)."""
        for group, state in list(self.groups.items()):
            if self.channel is None or state.joined is None or not state.joined.done():
                continue
            try:
                await self.layer.group_add(group, self.channel)
            except Exception:
                logger.exception("renewing channel group %s failed", group)

    # --- delivery --------------------------------------------------------------------------

    async def _read(self, channel: str) -> None:
        while True:
            try:
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("receiving realtime messages failed; retrying")
                await asyncio.sleep(1.0)
                continue
            self.dispatch(message)

    def dispatch(self, message: dict[str, Any]) -> int:
        """Hand `message` to the local listeners of its group; how many got it."""
        state = self.groups.get(str(message.get("group")))
        if state is None:
            return 0  # a group left a moment ago
        state.events += 1
        try:
            event = decode_message(message)  # once, for every listener
        except EventError:
            logger.exception("a realtime message that is not its declared event was skipped")
            return 0
        state.fresh.append(event)
        if state.tick is None:
            loop = asyncio.get_running_loop()
            state.tick = loop.call_later(tick_seconds(len(state.listeners)), self._wake, state)
        REALTIME_DELIVERIES.inc(len(state.listeners))
        return len(state.listeners)

    def _wake(self, state: _Group) -> None:
        """The group's fresh events become one round, queued to each of its listeners, unless
        its last round is still being sent (then as soon as it is: `delivered`)."""
        state.tick = None
        if self.groups.get(state.name) is not state or not state.fresh:
            return
        loop = asyncio.get_running_loop()
        sending = state.sending
        if sending is not None and time.perf_counter() - sending.made < DELIVERY_WAIT_MAX_SECONDS:
            # Looked at again in a tick at the latest (`delivered` may come first).
            state.tick = loop.call_later(DELIVERY_TICK_SECONDS, self._wake, state)
            return
        events, state.fresh = state.fresh, []
        shared = Round(events, shared=True)
        for listener in state.listeners:
            if listener.skip:
                # Registered during this round: only what came after it.
                mine, listener.skip = events[listener.skip :], 0
                if mine:
                    listener.put(Round(mine, shared=False))
            elif listener.put(shared):
                shared.handed += 1
        state.sending = shared if shared.handed else None

    def delivered(self, state: _Group, round_: Round) -> None:
        """Every listener handed the group's `round_` has sent it and come back for more: the
        group's next round may be made (at once, if its events waited for this one)."""
        if state.sending is not round_:
            return
        state.sending = None
        waited = time.perf_counter() - round_.made >= tick_seconds(len(state.listeners))
        if state.fresh and state.tick is not None and waited:
            state.tick.cancel()
            state.tick = asyncio.get_running_loop().call_soon(self._wake, state)

    # --- shared reads ----------------------------------------------------------------------

    async def snapshot(
        self, listener: Listener, key: Hashable, read: Callable[[], Awaitable[T]]
    ) -> T:
        """`read()`'s result for `listener`, shared with the group's other listeners.

        The rule that keeps a shared snapshot correct: a snapshot may be given to a listener
        only if no event of its group reached the hub between the moment the snapshot's read
        began and the moment the listener registered. Then every change the snapshot may have
        missed reaches the listener as an event. The group counts its events; a read records
        the count when it begins and is served only to listeners that registered at that same
        count (and for SNAPSHOT_SECONDS at most); anyone else reads again, and readers that
        start at the same count share one read. Snapshots go with the group's membership: a
        group left and joined again starts with none."""
        state = listener.state
        cached = state.snapshots.get(key)
        if (
            cached is None
            or cached.counter != listener.registered_at
            or time.monotonic() - cached.taken_at > SNAPSHOT_SECONDS
            or _failed(cached.result)
        ):
            cached = _Snapshot(counter=state.events, result=asyncio.ensure_future(read()))
            self.snapshot_reads += 1
            REALTIME_SNAPSHOT_READS.inc()
            logger.debug("realtime snapshot read: %s of %s", key, listener.group)
            if self.groups.get(listener.group) is state:
                state.snapshots[key] = cached
        result: T = await asyncio.shield(cached.result)
        return result

    def gate(
        self,
        listener: Listener,
        *,
        schema_name: str,
        user_id: int,
        check_many: Callable[..., set[int]],
        args: tuple[Any, ...] = (),
    ) -> RoomGate:
        """The group's shared access check `check_many(user_ids, *args) -> allowed ids` (sync,
        run in `schema_name`), with `listener`'s user among those it checks."""
        key = (schema_name, check_many, args)
        gate = listener.state.gates.get(key)
        if gate is None:
            gate = listener.state.gates[key] = RoomGate(schema_name, check_many, args)
        gate.members[listener] = user_id
        return gate


__all__ = ["Hub", "Listener", "ListenerLost", "Round"]
