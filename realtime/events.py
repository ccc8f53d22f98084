"""Declared realtime events, and the one way to publish them.

An event is a frozen dataclass: its `name` is the wire name, its fields are the payload (JSON
types only: str, int, float, bool, None, lists, `dict[str, Any]` of JSON, and nested `Payload`
dataclasses), and `groups()` says which of the tenant's channel groups it goes to. Each domain
declares the events it publishes (meetings/events.py, attendance/events.py); producers construct
them, subscriptions decode channel messages back into them (`decode_message`), and the test
suite checks every message sent against its declaration.

`publish(event)` sends after the current transaction commits, all events of one transaction
together in one trip to the channel layer; outside a transaction, at once. Events published
inside a transaction or savepoint that rolls back are never sent. Clients re-fetch their
snapshot on reconnect, so an event lost to a Redis hiccup is harmless; a request broken by one
is not: a failed send is logged, never raised.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import types
import typing
from collections.abc import Callable
from typing import Any, ClassVar, Literal, Protocol, Self, TypeVar, cast

from channels.layers import get_channel_layer
from django.db import connection

from realtime.groups import EVENT_HANDLER, group_name
from realtime.metrics import REALTIME_MESSAGES_SENT

logger = logging.getLogger(__name__)

GroupParts = tuple[str | int, ...]


class EventError(ValueError):
    """A message that is not a declared event, or does not match its declaration."""


# --- declaring ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Payload:
    """A JSON object inside an event's payload, declared as a frozen dataclass."""

    def data(self) -> dict[str, Any]:
        return _encode_dataclass(self)

    @classmethod
    def decode(cls, data: Any) -> Self:
        return _decoder(cls)(data, cls.__name__)


_EVENTS: dict[str, type[Event]] = {}


@dataclasses.dataclass(frozen=True)
class Event(Payload):
    """A realtime event. Subclasses set `name` and implement `groups()`."""

    name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if name:
            if name in _EVENTS and _EVENTS[name].__qualname__ != cls.__qualname__:
                raise TypeError(f"realtime event {name!r} is declared twice")
            _EVENTS[name] = cls

    def groups(self) -> list[GroupParts]:
        """The group name parts after `t.<schema>.`, e.g. [("meeting", 12), ("live",)]."""
        raise NotImplementedError


def declared_events() -> dict[str, type[Event]]:
    return dict(_EVENTS)


def decode_message(message: dict[str, Any]) -> Event:
    """The declared event a channel message carries; EventError if it is unknown or does not
    match its declaration (missing, unknown or mistyped fields, or sent to a group that is
    not one of its own)."""
    name = message.get("event")
    cls = _EVENTS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise EventError(f"undeclared realtime event {name!r}")
    event = cls.decode(message.get("data"))
    group = message.get("group")
    if group is not None:
        schema = str(group).split(".")[1] if str(group).count(".") >= 2 else ""
        if group not in [group_name(schema, *parts) for parts in event.groups()]:
            raise EventError(f"{name} sent to {group!r}, not one of its groups")
    return event


# --- encoding and decoding ----------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, Payload):
        return _encode_dataclass(value)
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value  # str, int, float, bool, None, or a dict of JSON declared as such


def _encode_dataclass(obj: Payload) -> dict[str, Any]:
    return {f.name: _encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}


_DECODERS: dict[type, Callable[[Any, str], Any]] = {}
P = TypeVar("P", bound=Payload)


def _decoder(cls: type[P]) -> Callable[[Any, str], P]:
    """A decoder for `cls`, compiled once from its type hints."""
    decoder = _DECODERS.get(cls)
    if decoder is None:
        hints = typing.get_type_hints(cls)
        fields = [(f.name, _for_type(hints[f.name])) for f in dataclasses.fields(cls)]
        required = {
            f.name
            for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        known = {name for name, _ in fields}

        def decoder(data: Any, where: str) -> P:
            if not isinstance(data, dict):
                raise EventError(f"{where}: expected an object, got {type(data).__name__}")
            if unknown := set(data) - known:
                raise EventError(f"{where}: undeclared fields {sorted(unknown)}")
            if missing := required - set(data):
                raise EventError(f"{where}: missing fields {sorted(missing)}")
            return cls(
                **{
                    name: convert(data[name], f"{where}.{name}")
                    for name, convert in fields
                    if name in data
                }
            )

        _DECODERS[cls] = decoder
    return decoder


def _for_type(hint: Any) -> Callable[[Any, str], Any]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if isinstance(hint, type) and issubclass(hint, Payload):
        return lambda value, where: _decoder(hint)(value, where)
    if origin in (types.UnionType, typing.Union):
        options = [_for_type(a) for a in args if a is not type(None)]
        nullable = type(None) in args

        def union(value: Any, where: str) -> Any:
            if value is None and nullable:
                return None
            for option in options:
                try:
                    return option(value, where)
                except EventError:
                    continue
            raise EventError(f"{where}: {value!r} is not a {hint}")

        return union
    if origin is list:
        item = _for_type(args[0]) if args else _json

        def items(value: Any, where: str) -> Any:
            if not isinstance(value, list):
                raise EventError(f"{where}: expected a list, got {type(value).__name__}")
            return [item(v, f"{where}[{i}]") for i, v in enumerate(value)]

        return items
    if origin is Literal:

        def literal(value: Any, where: str) -> Any:
            if value not in args:
                raise EventError(f"{where}: {value!r} is not one of {args}")
            return value

        return literal
    if hint is dict or origin is dict:

        def obj(value: Any, where: str) -> Any:
            if not isinstance(value, dict):
                raise EventError(f"{where}: expected an object, got {type(value).__name__}")
            return _json(value, where)

        return obj
    if hint is Any:
        return _json
    if hint in (str, int, float, bool):
        accepted = (int, float) if hint is float else hint

        def scalar(value: Any, where: str) -> Any:
            # bool is an int in Python, not in JSON
            if not isinstance(value, accepted) or (isinstance(value, bool) and hint is not bool):
                raise EventError(f"{where}: expected {hint.__name__}, got {value!r}")
            return value

        return scalar
    raise TypeError(f"a realtime event field cannot be of type {hint!r} (JSON types only)")


def _json(value: Any, where: str) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list):
        return [_json(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _json(v, f"{where}.{k}") for k, v in value.items()}
    raise EventError(f"{where}: {type(value).__name__} is not JSON")


# --- publishing ---------------------------------------------------------------------------------


class _TenantConnection(Protocol):
    """What this module reads of Django's connection beyond Django's types: the `schema_name`
    django-tenants' backend adds (realtime imports no project package, so not
    tenants.connection), the transaction's `_Batch` kept here, and `run_on_commit` in the
    3-tuple form of Django 4.2+ (django-stubs still has the older pair)."""

    schema_name: str
    _realtime_batch: _Batch
    run_on_commit: list[tuple[set[str], Callable[[], object], bool]]


# The same per-thread proxy as `connection`, typed; the cast is made once, not per publish.
_tenant_db = cast(_TenantConnection, connection)


def publish(event: Event, *, schema_name: str | None = None) -> None:
    """Send `event` to its groups of the current tenant (or of `schema_name`) once the current
    transaction commits, together with the transaction's other events; at once outside a
    transaction. The schema and the payload are taken now: by commit time the connection
    may be elsewhere and the objects changed."""
    schema = schema_name or _tenant_db.schema_name
    data = event.data()
    sends = []
    for parts in event.groups():
        group = group_name(schema, *parts)
        # The group travels with the message: every subscription of a graphql-ws connection
        # hears every message of the connection, and keeps to its own group's.
        message = {"type": EVENT_HANDLER, "group": group, "event": event.name, "data": data}
        sends.append((group, message))
    if not connection.in_atomic_block:
        _deliver(sends)
        return
    batch = _transaction_batch()
    # Dropped by Django with the savepoint it was made in, if that rolls back.
    connection.on_commit(lambda: batch.ready.extend(sends))
    batch.expect_flush()


class _Batch:
    """The events of one transaction, sent in one trip after it commits.

    Each publish adds two commit hooks: one (Django's on_commit) that adds its messages to
    `ready`, dropped by Django when its savepoint rolls back; and one flush, registered with no
    savepoint so that it always runs on commit. Hooks run in order, so the last flush runs after
    every surviving message was added: it sends them all. Django rolls back hooks only by
    savepoint, and offers no "after all hooks" one: hence the flush entries are appended to
    `connection.run_on_commit` directly, in the `(savepoint ids, callable, robust)` form
    Django 4.2-5.2 uses (the project pins Django < 5.3; tests/realtime/test_events.py checks
    commit, rollback and savepoints)."""

    def __init__(self) -> None:
        self.ready: list[tuple[str, dict[str, Any]]] = []
        self.flushes = 0  # flush hooks registered and not yet run
        self.done = False
        self.hook = self.flush  # one object, to find among the connection's hooks

    def expect_flush(self) -> None:
        self.flushes += 1
        _tenant_db.run_on_commit.append((set(), self.hook, False))

    def flush(self) -> None:
        self.flushes -= 1
        if self.flushes:
            return
        self.done = True
        sends, self.ready = self.ready, []
        _deliver(sends)

    def live(self) -> bool:
        """Still the current transaction's: not sent, and its hooks not discarded by a
        rollback (which empties the connection's hooks)."""
        if self.done:
            return False
        hooks = _tenant_db.run_on_commit
        # From the end: the last publish's flush hook is usually among the last hooks.
        return any(hooks[i][1] is self.hook for i in range(len(hooks) - 1, -1, -1))


def _transaction_batch() -> _Batch:
    batch: _Batch | None = getattr(connection, "_realtime_batch", None)
    if batch is None or not batch.live():
        batch = _Batch()
        _tenant_db._realtime_batch = batch
    return batch


_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """One event loop per process, on a thread of its own, for publishing from sync code:
    `async_to_sync` would make a new loop, and with it a new Redis connection, every time."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
            threading.Thread(
                target=_loop.run_forever, name="realtime-publisher", daemon=True
            ).start()
        return _loop


def _deliver(sends: list[tuple[str, dict[str, Any]]]) -> None:
    """Send `(group, message)` pairs to the channel layer in one trip."""
    layer = get_channel_layer()
    if layer is None or not sends:
        return

    async def send_all() -> None:
        for group, message in sends:
            await layer.group_send(group, message)

    try:
        asyncio.run_coroutine_threadsafe(send_all(), _publisher_loop()).result(timeout=10)
    except Exception:
        logger.exception("publishing %d realtime messages failed", len(sends))
    else:
        REALTIME_MESSAGES_SENT.inc(len(sends))
