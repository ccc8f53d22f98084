"""Tenancy for websockets: the tenant from the Host header, the user from that tenant's sessions.

django-tenants has no ASGI middleware, and every `database_sync_to_async` call of every
consumer in a daphne process runs on ONE shared thread with ONE connection: setting the schema
on that connection in a middleware leaks one tenant's schema into another's queries. So the
middleware only records the tenant in `scope["tenant"]`; database work then runs through
`realtime.tenancy.in_tenant`, which activates the schema inside the sync function.

A deploy reconnects every subscriber at once, and the handshakes are what keeps them waiting:
so a process keeps the tenant of a host for TENANT_CACHE_SECONDS (one look-up per host however
many arrive), reads the sessions and users of the handshakes waiting together in one batch (a
query for the sessions, one for the users) on handshake threads of their own rather than behind
every consumer's work on the shared one, and skips those whose client (or daphne, which drops a
websocket not accepted in time) left before their turn came.
"""

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from typing import Any, cast
from urllib.parse import urlsplit

from channels.auth import UserLazyObject
from channels.db import DatabaseSyncToAsync
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth import get_user as django_get_user
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ValidationError
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context
from strawberry.http.websocket_origin import is_same_origin

from tenants.accounts.backends import users_read
from tenants.models import Domain, Organisation
from tenants.selectors import organisation_by_host

CLOSE_UNKNOWN_HOST = 4404
CLOSE_SUSPENDED = 4403

# How long a process trusts the tenant it found for a host: a school suspended or deleted
# elsewhere is refused by every process within this time (by this one at once: saving a school
# or a domain empties its cache). HTTP looks the tenant up on every request; open websockets
# were never closed by a suspension anyway.
TENANT_CACHE_SECONDS = 5.0
TENANT_CACHE_HOSTS = 1000  # emptied when full: hosts are schools, not visitors
# Threads (each with its own database connection, from the pool) that read handshakes'
# tenants, sessions and users: beside, not behind, the shared thread of every consumer's work.
HANDSHAKE_THREADS = 4
# The most handshakes whose sessions and users are read together (_UserLookups).
HANDSHAKE_BATCH = 200

logger = logging.getLogger(__name__)

# A websocket scope: a plain dict, to which this middleware adds "tenant".
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
# The application (or middleware) a middleware wraps. Its arguments are Any, as in channels'
# stubs for middleware: channels' classes type the scope and messages as asgiref's TypedDicts.
App = Callable[[Any, Any, Any], Awaitable[Any]]


def _host_of(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"host":
            domain, _port = split_domain_port(value.decode("latin1"))
            return domain.lower() or None
    return None


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin1"))
    return None


def origin_allowed(*, origin: str | None, host: str | None) -> bool:
    """The one origin rule of every websocket: a browser's page may open a school's websocket
    only from that school's own host. Channels' AllowedHostsOriginValidator accepts any allowed
    host, and `.localhost` allows every school: a page on beta.localhost could open alpha's
    websocket, and the browser would send alpha's cookies with it.

    Same origin is strawberry's `is_same_origin` (host and port, a port left out being the
    scheme's default; the scheme not compared, so TLS ending at the ingress still matches), the
    check its GraphQL consumer makes too, so the two cannot disagree. No Origin at all is
    allowed: browsers always send one on a websocket handshake, so such a client is a program
    (a script, a benchmark) that must bring its own session cookie. `null` (a sandboxed frame,
    a file) is refused."""
    if origin is None:
        return True
    return urlsplit(origin).scheme.lower() in ("http", "https") and is_same_origin(origin, host)


class SameOriginMiddleware:
    """Refuses (HTTP 403, before accepting) a websocket whose Origin is not the Host."""

    def __init__(self, inner: App) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        if scope["type"] == "websocket" and not origin_allowed(
            origin=_header(scope, b"origin"), host=_header(scope, b"host")
        ):
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": 1008})
            return None
        return await self.inner(scope, receive, send)


_handshake_threads = ThreadPoolExecutor(HANDSHAKE_THREADS, thread_name_prefix="ws-handshake")


def _on_handshake_thread(fn: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    # Channels' wrapper (connections closed after each call, back to the pool), on our threads.
    return DatabaseSyncToAsync(fn, thread_sensitive=False, executor=_handshake_threads)


def _organisation_for_host_sync(host: str) -> Organisation | None:
    with schema_context(get_public_schema_name()):
        return organisation_by_host(host=host)


_organisation_for_host = _on_handshake_thread(_organisation_for_host_sync)


class _TenantCache:
    """The tenant of each host, for TENANT_CACHE_SECONDS; unknown hosts are not kept (a new
    school answers at once). Handshakes arriving while a host is being looked up share that
    look-up: after a deploy, a thousand reconnects to a school are one query."""

    def __init__(self) -> None:
        self.found: dict[str, tuple[float, Organisation]] = {}
        self.looking: dict[str, asyncio.Future[Organisation | None]] = {}
        self.generation = 0  # a look-up under way when the cache is emptied is not kept

    def clear(self, **_signal: Any) -> None:
        self.generation += 1
        self.found.clear()

    async def get(self, host: str) -> Organisation | None:
        hit = self.found.get(host)
        if hit is not None and time.monotonic() - hit[0] < TENANT_CACHE_SECONDS:
            return hit[1]
        looking = self.looking.get(host)
        if looking is None:
            looking = self.looking[host] = asyncio.ensure_future(self._look_up(host))
            looking.add_done_callback(lambda _done: self.looking.pop(host, None))
        return await asyncio.shield(looking)

    async def _look_up(self, host: str) -> Organisation | None:
        generation = self.generation
        tenant: Organisation | None = await _organisation_for_host(host)
        if tenant is not None and generation == self.generation:
            if len(self.found) >= TENANT_CACHE_HOSTS:
                self.found.clear()
            self.found[host] = (time.monotonic(), tenant)
        return tenant


tenant_cache = _TenantCache()
for _model in (Organisation, Domain):
    post_save.connect(tenant_cache.clear, sender=_model, weak=False)
    post_delete.connect(tenant_cache.clear, sender=_model, weak=False)


class _ReadAhead:
    """A websocket's `receive` with the connect message read and the next message awaited in
    the background. Before the websocket is accepted a client sends nothing, so a next message
    there means it has gone (closed by the client, or by daphne's connect timeout)."""

    def __init__(self, receive: Receive, first: dict[str, Any]) -> None:
        self.receive = receive
        self.first: dict[str, Any] | None = first
        self.following: asyncio.Future[dict[str, Any]] | None = asyncio.ensure_future(receive())

    def gone(self) -> bool:  # read from handshake threads too: a plain attribute read
        return self.following is not None and self.following.done()

    async def __call__(self) -> dict[str, Any]:
        if self.first is not None:
            message, self.first = self.first, None
            return message
        if self.following is not None:
            following, self.following = self.following, None
            return await following
        return await self.receive()

    def stop(self) -> None:
        if self.following is not None and not self.following.done():
            self.following.cancel()


class TenantFromHostMiddleware:
    """Puts the tenant of the Host header in `scope["tenant"]`; never touches the connection.
    Unknown host: the websocket is closed with 4404; suspended tenant: 4403. A websocket gone
    before its turn is dropped without further work."""

    def __init__(self, inner: App) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        first = await receive()
        if first["type"] != "websocket.connect":
            return None
        read_ahead = _ReadAhead(receive, first)
        try:
            host = _host_of(scope)
            tenant = None
            if host and validate_host(host, settings.ALLOWED_HOSTS):
                tenant = await tenant_cache.get(host)
            if read_ahead.gone():
                logger.debug("websocket gone before its handshake was served")
                return None
            if tenant is None or tenant.is_suspended:
                code = CLOSE_UNKNOWN_HOST if tenant is None else CLOSE_SUSPENDED
                return await _refuse(scope, read_ahead, send, code)
            scope = dict(scope, tenant=tenant, handshake_gone=read_ahead.gone)
            return await self.inner(scope, read_ahead, send)
        finally:
            read_ahead.stop()


async def _refuse(scope: Scope, receive: Receive, send: Send, code: int) -> None:
    # Accept, then close: a close before accepting reaches a real client only as HTTP 403,
    # without the code that tells it why.
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": code})


class _Request:
    """What django.contrib.auth.get_user needs of a request."""

    __slots__ = ("session",)

    def __init__(self, session: SessionBase) -> None:
        self.session = session


UserOrGone = AbstractBaseUser | AnonymousUser | None  # None: the websocket went away first


def _users_in_schemas(scopes: list[Scope]) -> list[UserOrGone | Exception]:
    """Each handshake's user in its tenant's schema, as Django's `get_user` finds it (session
    expiry, an active user, the password hash of the session): per school in the batch, one
    query for the sessions and one for their users, then `get_user` itself for each. A
    handshake whose look-up fails gets its exception, the others their users."""
    found: list[UserOrGone | Exception] = [None] * len(scopes)
    schools: dict[str, list[int]] = {}
    for index, scope in enumerate(scopes):
        if not scope.get("handshake_gone", lambda: False)():
            schools.setdefault(scope["tenant"].schema_name, []).append(index)
    for schema_name, indexes in schools.items():
        with schema_context(schema_name):
            sessions = _sessions_read([_session_key(scopes[index]) for index in indexes])
            with users_read(_session_user_ids(sessions)):
                for index, session in zip(indexes, sessions, strict=True):
                    try:
                        user = django_get_user(cast(HttpRequest, _Request(session)))
                    except Exception as exc:  # noqa: BLE001 - that handshake's, not the batch's
                        found[index] = exc
                        continue
                    if user.is_authenticated:
                        user.email  # noqa: B018 - load fields now, inside the schema
                    found[index] = user
    return found


def _sessions_read(keys: list[str | None]) -> list[SessionBase]:
    """A session for each key, its data already read: with the database store (the default),
    all of them in one query, on the same terms as the store's own `load` (a session past its
    expiry date is no session; data that fails its signature is an empty session)."""
    store = _session_store()
    sessions = [store(key) for key in keys]  # an invalid key leaves `session_key` None
    if not (issubclass(store, DatabaseSessionStore) and store.load is DatabaseSessionStore.load):
        return sessions  # another store: each loads its own when first read
    wanted = {session.session_key for session in sessions if session.session_key}
    rows = dict(
        store.get_model_class()
        .objects.filter(session_key__in=wanted, expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
        if wanted
        else ()
    )
    for session in sessions:
        data = rows.get(session.session_key) if session.session_key else None
        # What SessionBase keeps once loaded; `load` would have read the same row.
        loaded = session.decode(data) if data is not None else {}
        session._session_cache = loaded  # type: ignore[attr-defined]
    return sessions


def _session_user_ids(sessions: list[SessionBase]) -> set[Any]:
    """The users the sessions name (read ahead for `get_user`; it checks each again)."""
    to_python = get_user_model()._meta.pk.to_python
    ids = set()
    for session in sessions:
        try:
            ids.add(to_python(session[SESSION_KEY]))
        except (KeyError, ValidationError):
            continue
    return ids


class _UserLookups:
    """The handshakes' users, read in batches on a handshake thread: those that arrive while a
    batch is read wait for the next, which takes them all (up to HANDSHAKE_BATCH). Alone, a
    handshake is a batch of one; in a reconnect storm, a thread hop and two queries serve
    hundreds (each had cost a hop, the session's query and the user's)."""

    def __init__(self) -> None:
        self.waiting: list[tuple[Scope, asyncio.Future[UserOrGone]]] = []
        self.reader: asyncio.Task[None] | None = None

    async def user(self, scope: Scope) -> UserOrGone:
        future: asyncio.Future[UserOrGone] = asyncio.get_running_loop().create_future()
        self.waiting.append((scope, future))
        if self.reader is None:
            self.reader = asyncio.ensure_future(self._read())
        return await future

    async def _read(self) -> None:
        try:
            while self.waiting:
                batch = self.waiting[:HANDSHAKE_BATCH]
                del self.waiting[:HANDSHAKE_BATCH]
                try:
                    users = await _users_in_schemas_async([scope for scope, _ in batch])
                except Exception as exc:  # noqa: BLE001 - every handshake of the batch hears it
                    users = [exc] * len(batch)
                for (_, future), user in zip(batch, users, strict=True):
                    if future.done():  # its handshake was cancelled
                        continue
                    if isinstance(user, Exception):
                        future.set_exception(user)
                    else:
                        future.set_result(user)
        finally:
            self.reader = None


# Made once, not per batch.
_users_in_schemas_async = _on_handshake_thread(_users_in_schemas)
# A batch's futures belong to one event loop: daphne runs one; tests may run several.
_user_lookups: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _UserLookups] = (
    weakref.WeakKeyDictionary()
)


def _handshake_user(scope: Scope) -> Awaitable[UserOrGone]:
    loop = asyncio.get_running_loop()
    lookups = _user_lookups.get(loop)
    if lookups is None:
        lookups = _user_lookups[loop] = _UserLookups()
    return lookups.user(scope)


def _session_key(scope: Mapping[str, Any]) -> str | None:
    """The session cookie of the handshake's Cookie headers, read as Django reads a request's."""
    headers = scope.get("headers", ())
    cookies = "; ".join(value.decode("latin1") for name, value in headers if name == b"cookie")
    return parse_cookie(cookies).get(settings.SESSION_COOKIE_NAME) if cookies else None


def _session_store() -> type[SessionBase]:
    store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
    return store


class TenantAuthMiddleware:
    """Channels' AuthMiddleware looks the session and user up in whatever schema the shared
    connection has (public, usually): here both are read inside the tenant's schema, on the
    handshake threads, in batches (_UserLookups). Puts the same lazy `scope["user"]` as
    channels' does.

    The session is read from the Cookie header here, for the look-up only. Channels' Cookie and
    Session middleware kept a parsed cookie dictionary, a session and a wrapper around every
    message the socket sent, for the life of the connection; for a websocket the wrapper never
    saves anything (channels saves a session only on an HTTP response) and it asked the session
    whether it had changed on every message."""

    def __init__(self, inner: App) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        scope = dict(scope)
        scope.setdefault("user", UserLazyObject())
        if "tenant" not in scope:
            scope["user"]._wrapped = AnonymousUser()
        else:
            user = await _handshake_user(scope)
            if user is None:
                logger.debug("websocket gone before its user was looked up")
                return None
            scope["user"]._wrapped = user
        return await self.inner(scope, receive, send)


def TenantWebsocketStack(inner: App) -> SameOriginMiddleware:  # noqa: N802 - reads like Channels' own *Stack helpers
    """Every websocket goes through it: the origin rule, the tenant, the tenant's user."""
    return SameOriginMiddleware(TenantFromHostMiddleware(TenantAuthMiddleware(inner)))


__all__ = [
    "CLOSE_SUSPENDED",
    "CLOSE_UNKNOWN_HOST",
    "SameOriginMiddleware",
    "TenantAuthMiddleware",
    "TenantFromHostMiddleware",
    "TenantWebsocketStack",
    "tenant_cache",
]
