"""Zoom webhook intake: `POST /webhooks/zoom/` on every tenant host, as a lean ASGI route.

Zoom wants a 2xx within 3 s and retries only after a 5xx or a timeout, so the intake verifies,
stores the event durably (its secrets stripped, IP addresses hashed and links sealed:
attendance.inbox.scrub), answers, and leaves the work to the `webhook_process` actor.
Django's sync request path costs ~7 ms a request here (≈150 requests/s), too slow for a join
storm, so this path bypasses Django's request machinery: plain async code, psycopg's async
connection pool (autocommit), schema-qualified SQL (never a search_path), and the actor message
sent from a thread after the answer has gone, only when none for the event's meeting is
waiting already (attendance.inbox.wakeup: the worker drains the whole meeting).

Answers: 200 `{"status": "stored" | "duplicate"}` (or the url_validation tokens), 400 malformed,
401 unsigned / badly signed / replayed / no secret configured (audited, throttled), 404 unknown
host, 413 body over 256 KiB, 503 database unreachable (so that Zoom retries).

Over 600 lines on purpose: it is one request path (host → tenant and secret → signature →
store → answer → wake a worker) with its caches, pool and SQL, read top to bottom; split, each
part would need the others' private state.
"""

import asyncio
import functools
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from attendance.inbox.scrub import body_scrub
from attendance.inbox.wakeup import wake_claim
from realtime.metrics import WEBHOOK_ANSWER_SECONDS, WEBHOOK_REQUESTS
from tenants.audit.client_ip import client_ip

if TYPE_CHECKING:
    from django.db.models import Model

logger = logging.getLogger(__name__)

T = TypeVar("T")

# ASGI, as this module and Django's handler use it.
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PATHS = frozenset({"/webhooks/zoom/", "/webhooks/zoom"})
MAX_BODY_BYTES = 256 * 1024
TIMESTAMP_TOLERANCE_SECONDS = 300
TENANT_CACHE_SECONDS = 30.0
UNKNOWN_HOST_CACHE_SECONDS = 5.0
HOST_CACHE_MAX = 10_000  # a flood of made-up Host headers must not grow memory without end
AUDIT_THROTTLE_SECONDS = 10.0
ENQUEUE_BACKLOG_MAX = 10_000  # beyond this (Redis hanging), leave events to the inbox sweep
AUDIT_ACTION = "zoom.webhook.rejected"
AUDIT_ACTOR_LABEL = "zoom-webhook"
URL_VALIDATION = "endpoint.url_validation"
BIGINT_MAX = 2**63 - 1
# The parts of a participant that tell one join or leave from another.
PARTICIPANT_KEY_FIELDS = (
    "participant_uuid",
    "id",
    "user_id",
    "user_name",
    "join_time",
    "leave_time",
    "date_time",  # waiting-room events carry this instead of join/leave times
)


class DatabaseUnavailable(Exception):
    """PostgreSQL did not answer: the caller gets a 503 and Zoom retries later."""


class _Answer(Exception):
    """Stop handling and answer `status` with the JSON `payload`."""

    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.payload = payload


class _ClientGone(Exception):
    pass


@dataclass(frozen=True)
class Tenant:
    schema: str
    secret: bytes  # b"" when the tenant has no webhook secret (or it does not open)


@dataclass(frozen=True)
class _Cached:
    tenant: Tenant | None
    expires: float


# --- pure helpers ------------------------------------------------------------------------------


def signature_for(secret: bytes, timestamp: bytes, body: bytes) -> bytes:
    """Zoom's `x-zm-signature` for a raw body sent with `x-zm-request-timestamp`."""
    digest = hmac.new(secret, b"v0:" + timestamp + b":" + body, hashlib.sha256).hexdigest()
    return b"v0=" + digest.encode()


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def dedupe_key(body: dict[str, Any], raw: bytes) -> str:
    """Equal for a redelivered event, different for two distinct events: the event name, its
    time, the meeting (uuid and id, the id as text whatever its JSON type), and for
    participant and registration events who and when."""
    obj = _zoom_object(body)
    parts: list[Any] = [
        _text(body.get("event")),
        _text(body.get("event_ts")),
        _text(obj.get("uuid")),
        _text(obj.get("id")),
    ]
    participant = obj.get("participant")
    if isinstance(participant, dict):
        parts += [_text(participant.get(name)) for name in PARTICIPANT_KEY_FIELDS]
    registrant = obj.get("registrant")
    if isinstance(registrant, dict):
        parts += [_text(registrant.get("id")), _text(registrant.get("email"))]
    if body.get("event_ts") is None:
        # Nothing says when it happened: only a byte-identical body counts as the same event.
        parts.append(hashlib.sha256(raw).hexdigest())
    return hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()


def _event_ts(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        ts = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return ts if -BIGINT_MAX <= ts <= BIGINT_MAX else None


def _timestamp_fresh(raw: bytes, now: float) -> bool:
    try:
        ts = int(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return False
    if ts > 10**11:  # milliseconds, not seconds
        ts //= 1000
    return abs(now - ts) <= TIMESTAMP_TOLERANCE_SECONDS


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON PostgreSQL can store")


def _host_of(raw: bytes | None) -> str:
    from django.http.request import split_domain_port

    if not raw:
        return ""
    domain, _port = split_domain_port(raw.decode("latin1"))
    return domain  # lowercased, trailing dot removed; "" when malformed


def _client_ip(headers: dict[bytes, bytes], scope: Scope) -> str | None:
    # The audit log's rule (tenants.audit.client_ip), over every X-Forwarded-For header.
    forwarded = b",".join(v for k, v in scope.get("headers", ()) if k == b"x-forwarded-for")
    client = scope.get("client")
    return client_ip(
        forwarded_for=forwarded.decode("latin1"), remote_addr=client[0] if client else None
    )


def _conninfo_from_django() -> str:
    """The database Django uses (the test database under pytest), as a libpq conninfo."""
    from django.db import connection

    db = connection.settings_dict
    params: dict[str, Any] = {
        key: value
        for key, value in (db.get("OPTIONS") or {}).items()
        if isinstance(value, str | int) and not isinstance(value, bool)
    }
    for key in ("isolation_level", "server_side_binding", "assume_role"):
        params.pop(key, None)
    params.update(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    params.setdefault("connect_timeout", 3)
    params.setdefault("application_name", "liveroll-webhook-intake")
    return psycopg.conninfo.make_conninfo(
        **{key: value for key, value in params.items() if value is not None}
    )


# --- metrics -----------------------------------------------------------------------------------

# The children bound once: a label lookup per request would take a lock and a dict for nothing.
_OUTCOMES = {
    name: WEBHOOK_REQUESTS.labels(name)
    for name in ("stored", "duplicate", "validation", "rejected", "unavailable")
}


def _outcome(status: int, payload: dict[str, Any]) -> str:
    if status == 200:
        stored = payload.get("status")  # absent: the url_validation tokens
        return stored if stored in ("stored", "duplicate") else "validation"
    return "unavailable" if status >= 500 else "rejected"


# --- the handler -------------------------------------------------------------------------------


class ZoomWebhookIntake:
    """The ASGI handler of `POST /webhooks/zoom/`. One per process; its caches are plain
    dicts touched only from the event loop."""

    def __init__(
        self,
        *,
        conninfo: str | None = None,
        clock: Callable[[], float] = time.time,
        pool_min: int = 1,
        pool_max: int | None = None,
        pool_timeout: float = 2.0,
    ) -> None:
        self._conninfo = conninfo
        self._clock = clock
        self._pool_min = pool_min
        self._pool_max = pool_max
        self._pool_timeout = pool_timeout
        self._pool: AsyncConnectionPool | None = None
        self._pool_loop: asyncio.AbstractEventLoop | None = None
        self._pool_opening: asyncio.Task[None] | None = None
        self._hosts: dict[str, _Cached] = {}
        self._loading: dict[str, asyncio.Future[Tenant | None]] = {}
        self._audited: dict[tuple[str, str], float] = {}
        self._sql: dict[tuple[str, str], sql.Composed] = {}
        # One thread: a send is a Redis round trip of well under a millisecond, so one keeps up
        # with thousands a second; more would only contend for the GIL with the event loop.
        self._enqueuer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zoom-enqueue")
        self._enqueue_backlog = 0
        self._background: set[asyncio.Future[None]] = set()

    # -- ASGI ---------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        arrived = time.perf_counter()
        after: Callable[[], None] | None = None
        try:
            status, payload, after = await self._handle(scope, receive)
        except _Answer as answer:
            status, payload = answer.status, answer.payload
        except _ClientGone:
            return
        except DatabaseUnavailable as exc:
            logger.error("zoom webhook answered 503: database unavailable (%s)", exc)
            status, payload = 503, {"error": "temporarily unavailable"}
        await _respond(send, status, payload)
        WEBHOOK_ANSWER_SECONDS.observe(time.perf_counter() - arrived)
        _OUTCOMES[_outcome(status, payload)].inc()
        if after is not None:
            after()

    async def _handle(
        self, scope: Scope, receive: Receive
    ) -> tuple[int, dict[str, Any], Callable[[], None] | None]:
        headers: dict[bytes, bytes] = {}
        for name, value in scope.get("headers", ()):
            headers.setdefault(name, value)  # first of repeated headers
        host = _host_of(headers.get(b"host"))
        tenant = await self._tenant(host) if host else None
        if tenant is None:
            raise _Answer(404, {"error": "not found"})
        body = await _read_body(receive, headers.get(b"content-length"))

        signature = headers.get(b"x-zm-signature")
        timestamp = headers.get(b"x-zm-request-timestamp")
        # The client's address is read only for a refusal's audit entry (not on the hot path).
        ip = lambda: _client_ip(headers, scope)  # noqa: E731
        if not signature or not timestamp:
            await self._reject(tenant, host, "missing_signature", ip)
        if not _timestamp_fresh(timestamp, self._clock()):
            await self._reject(tenant, host, "stale_timestamp", ip)
        if not (tenant.secret and _signed(tenant.secret, timestamp, body, signature)):
            # The secret may have been set or rotated since we cached it: look once more.
            tenant = await self._tenant(host, fresh=True)
            if tenant is None:
                raise _Answer(404, {"error": "not found"})
            if not tenant.secret:
                await self._reject(tenant, host, "no_secret", ip)
            if not _signed(tenant.secret, timestamp, body, signature):
                await self._reject(tenant, host, "bad_signature", ip)

        try:
            text = body.decode("utf-8")
            event = json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError):  # ValueError covers UnicodeDecodeError too
            raise _Answer(400, {"error": "malformed JSON"}) from None
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            raise _Answer(400, {"error": "no event"})

        if event["event"] == URL_VALIDATION:
            payload = event.get("payload")
            plain = payload.get("plainToken") if isinstance(payload, dict) else None
            if not isinstance(plain, str) or not plain:
                raise _Answer(400, {"error": "no plainToken"})
            encrypted = hmac.new(tenant.secret, plain.encode(), hashlib.sha256).hexdigest()
            return 200, {"plainToken": plain, "encryptedToken": encrypted}, None

        meeting = _zoom_meeting_id(event)
        event_id = await self._store(tenant, event, meeting, body, text)
        if event_id is None:
            return 200, {"status": "duplicate"}, None
        return 200, {"status": "stored"}, lambda: self._enqueue(event_id, tenant.schema, meeting)

    # -- tenants ------------------------------------------------------------------------------

    async def _tenant(self, host: str, *, fresh: bool = False) -> Tenant | None:
        now = time.monotonic()
        cached = self._hosts.get(host)
        if cached is not None and cached.expires > now and not fresh:
            return cached.tenant
        # One load per host at a time: a burst of requests (or of bad signatures) for a host
        # whose entry just expired shares a single pair of queries.
        loading = self._loading.get(host)
        if loading is None:
            loading = asyncio.ensure_future(self._tenant_fetch(host))
            self._loading[host] = loading
            loading.add_done_callback(lambda _: self._loading.pop(host, None))
        return await asyncio.shield(loading)

    async def _tenant_fetch(self, host: str) -> Tenant | None:
        tenant = await self._db(lambda conn: _tenant_load(conn, host))
        if len(self._hosts) >= HOST_CACHE_MAX:
            self._hosts.clear()
        ttl = TENANT_CACHE_SECONDS if tenant is not None else UNKNOWN_HOST_CACHE_SECONDS
        self._hosts[host] = _Cached(tenant, time.monotonic() + ttl)
        return tenant

    async def _reject(
        self, tenant: Tenant, host: str, reason: str, ip: Callable[[], str | None]
    ) -> NoReturn:
        from tenants.audit.services import ip_hash

        hashed = ip_hash(ip())
        logger.warning(
            "zoom webhook refused for %s (%s): %s, client %s", tenant.schema, host, reason, hashed
        )
        key = (tenant.schema, reason)
        now = time.monotonic()
        if now - self._audited.get(key, float("-inf")) >= AUDIT_THROTTLE_SECONDS:
            self._audited[key] = now
            query = self._query(tenant.schema, "audit")
            params = (AUDIT_ACTOR_LABEL, AUDIT_ACTION, hashed, Jsonb({"reason": reason}))
            try:
                await self._db(lambda conn: conn.execute(query, params))
            except (DatabaseUnavailable, psycopg.Error):
                # The refusal stands; only its audit entry is lost (and was logged above).
                logger.exception("could not audit a refused zoom webhook for %s", tenant.schema)
        raise _Answer(401, {"error": "unauthorized"})

    # -- storing and enqueueing ---------------------------------------------------------------

    async def _store(
        self, tenant: Tenant, event: dict[str, Any], zoom_meeting_id: str, raw: bytes, text: str
    ) -> int | None:
        obj = _zoom_object(event)
        key = dedupe_key(event, raw)  # of what Zoom sent, before the scrub below
        uuid = str(obj.get("uuid") or "")[: _schema().uuid_max]
        if body_scrub(event):
            # Secrets, IP addresses or links were in it: never stored as sent (inbox.scrub).
            text = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        params = (
            event["event"][: _schema().event_max],
            _event_ts(event.get("event_ts")),
            key,
            zoom_meeting_id,
            uuid,
            text,  # as sent when there was nothing to scrub: jsonb parses it
        )
        query = self._query(tenant.schema, "insert")

        async def insert(conn: psycopg.AsyncConnection) -> int | None:
            cursor = await conn.execute(query, params)
            row = await cursor.fetchone()
            return row[0] if row else None

        try:
            return await self._db(insert)
        except psycopg.DataError as exc:
            # Valid JSON that jsonb refuses (\u0000, lone surrogates): bad input, not our fault.
            logger.warning("zoom webhook for %s not storable: %s", tenant.schema, exc)
            raise _Answer(400, {"error": "unstorable body"}) from None

    def _enqueue(self, event_id: int, schema: str, zoom_meeting_id: str) -> None:
        """Send the processing message from a thread, after the answer has gone. If Redis is
        down the event stays pending in the inbox and the sweep sends it later."""
        if self._enqueue_backlog >= ENQUEUE_BACKLOG_MAX:
            logger.error("zoom webhook %s/%s not enqueued: backlog full", schema, event_id)
            return
        self._enqueue_backlog += 1
        future = asyncio.get_running_loop().run_in_executor(
            self._enqueuer, _send_process_message, event_id, schema, zoom_meeting_id
        )
        self._background.add(future)
        future.add_done_callback(self._enqueued)

    def _enqueued(self, future: asyncio.Future[None]) -> None:
        self._enqueue_backlog -= 1
        self._background.discard(future)

    def _query(self, schema: str, which: str) -> sql.Composed:
        key = (schema, which)
        query = self._sql.get(key)
        if query is None:
            query = _schema().queries[which](schema=sql.Identifier(schema))
            self._sql[key] = query
        return query

    # -- database -----------------------------------------------------------------------------

    async def _db(self, work: Callable[[psycopg.AsyncConnection], Awaitable[T]]) -> T:
        pool = await self._pool_get()
        for attempt in (1, 2):
            try:
                async with pool.connection(timeout=self._pool_timeout) as conn:
                    return await work(conn)
            except PoolTimeout as exc:
                raise DatabaseUnavailable(str(exc)) from exc
            except psycopg.OperationalError as exc:
                # A pooled connection may have died with a database restart: retry once on
                # another before giving up.
                if attempt == 2:
                    raise DatabaseUnavailable(str(exc)) from exc
                logger.warning("zoom webhook intake: database error, retrying once: %s", exc)
        raise AssertionError("unreachable")

    async def _pool_get(self) -> AsyncConnectionPool:
        loop = asyncio.get_running_loop()
        if self._pool_loop is not loop:
            # First use in this process, or a new event loop (tests): a pool belongs to a loop.
            old, old_loop = self._pool, self._pool_loop
            if old is not None and old_loop is not None and old_loop.is_running():
                asyncio.run_coroutine_threadsafe(old.close(), old_loop)
            self._pool_loop = loop
            self._loading.clear()  # futures of the old loop
            self._pool = self._pool_new()
            self._pool_opening = loop.create_task(self._pool.open(wait=False))
        if self._pool_opening is not None:
            await asyncio.shield(self._pool_opening)
            self._pool_opening = None
        # Set together with _pool_loop above (close() clears both).
        return cast(AsyncConnectionPool, self._pool)

    def _pool_new(self) -> AsyncConnectionPool:
        from django.conf import settings

        pool_max = self._pool_max or cast(int, getattr(settings, "LIVEROLL_WEBHOOK_DB_POOL_MAX", 8))
        return AsyncConnectionPool(
            self._conninfo or _conninfo_from_django(),
            min_size=min(self._pool_min, pool_max),
            max_size=pool_max,
            kwargs={"autocommit": True},
            timeout=self._pool_timeout,
            name="zoom-webhook-intake",
            open=False,
        )

    async def close(self) -> None:
        """Close the pool (tests, shutdown). The next request opens a new one."""
        pool, self._pool, self._pool_loop, self._pool_opening = self._pool, None, None, None
        if pool is not None:
            await pool.close()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def forget(self) -> None:
        """Drop the tenant cache and the audit throttle (tests)."""
        self._hosts.clear()
        self._loading.clear()
        self._audited.clear()


@dataclass(frozen=True)
class _Schema:
    """What the intake's SQL needs of other apps' models: read from the models (their table
    names, column widths, the secret's encryption context), never copied here."""

    # The statements by name, each waiting for its tenant's schema: `queries[name](schema=…)`.
    queries: Mapping[str, Callable[..., sql.Composed]]
    domains: sql.Identifier
    organisations: sql.Identifier
    spare: str
    secret_context: str
    # Index columns of the inbox are cut to their width; the body keeps everything.
    event_max: int
    meeting_id_max: int
    uuid_max: int


@functools.cache
def _schema() -> _Schema:
    from attendance.models import WebhookEvent
    from meetings.models import ZoomSettings
    from tenants.audit.models import AuditEntry
    from tenants.models import Domain, Organisation

    def table(model: "type[Model]") -> sql.Identifier:
        return sql.Identifier(model._meta.db_table)

    secret = ZoomSettings._meta.get_field("webhook_secret_token")
    queries = {
        "audit": functools.partial(
            sql.SQL(
                "INSERT INTO {schema}.{table}"
                " (created_at, actor_id, actor_label, action, target_type, target_id, ip_hash,"
                " details) VALUES (now(), NULL, %s, %s, '', '', %s, %s)"
            ).format,
            table=table(AuditEntry),
        ),
        "insert": functools.partial(
            sql.SQL(
                "INSERT INTO {schema}.{table}"
                " (received_at, event, event_ts, dedupe_key, zoom_meeting_id, zoom_uuid, body,"
                " status, attempts, last_error)"
                " VALUES (now(), %s, %s, %s, %s, %s, %s::jsonb, {pending}, 0, '')"
                " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
            ).format,
            table=table(WebhookEvent),
            pending=sql.Literal(str(WebhookEvent.Status.PENDING)),
        ),
        "secret": functools.partial(
            sql.SQL("SELECT {column} FROM {schema}.{table} LIMIT 1").format,
            column=sql.Identifier(cast(str, secret.column)),  # set once the model is ready
            table=table(ZoomSettings),
        ),
    }
    return _Schema(
        queries=queries,
        domains=table(Domain),
        organisations=table(Organisation),
        spare=str(Organisation.Status.SPARE),
        secret_context=secret.context(),
        # Typed optional; these CharFields all have one.
        event_max=cast(int, WebhookEvent._meta.get_field("event").max_length),
        meeting_id_max=cast(int, WebhookEvent._meta.get_field("zoom_meeting_id").max_length),
        uuid_max=cast(int, WebhookEvent._meta.get_field("zoom_uuid").max_length),
    )


async def _tenant_load(conn: psycopg.AsyncConnection, host: str) -> Tenant | None:
    from django.conf import settings

    from tenants.crypto import DecryptionError, secret_decrypt

    names = _schema()
    public = sql.Identifier(settings.PUBLIC_SCHEMA_NAME)
    cursor = await conn.execute(
        sql.SQL(
            "SELECT o.schema_name FROM {public}.{domains} d"
            " JOIN {public}.{organisations} o ON o.id = d.tenant_id"
            " WHERE d.domain = %s AND o.status <> %s AND o.schema_name <> %s"
        ).format(public=public, domains=names.domains, organisations=names.organisations),
        (host, names.spare, settings.PUBLIC_SCHEMA_NAME),
    )
    row = await cursor.fetchone()
    if row is None:
        return None
    schema = row[0]
    try:
        query = names.queries["secret"](schema=sql.Identifier(schema))
        cursor = await conn.execute(query)
        found = await cursor.fetchone()
    except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
        logger.error("tenant %s of host %s has no usable schema", schema, host)
        return None
    secret = ""
    if found and found[0]:
        try:
            secret = secret_decrypt(found[0], context=names.secret_context)
        except DecryptionError:
            logger.exception("the zoom webhook secret of %s does not open", schema)
    return Tenant(schema=schema, secret=secret.encode())


def _signed(secret: bytes, timestamp: bytes, body: bytes, signature: bytes) -> bool:
    return hmac.compare_digest(signature_for(secret, timestamp, body), signature)


async def _read_body(receive: Receive, declared: bytes | None) -> bytes:
    """The request body, refusing with 413 as soon as it passes the limit (never buffering
    more than the limit plus one chunk)."""
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            raise _Answer(400, {"error": "bad content-length"}) from None
        if length > MAX_BODY_BYTES:
            raise _Answer(413, {"error": "body too large"})
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _Answer(413, {"error": "body too large"})
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _respond(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _zoom_object(event: dict[str, Any]) -> dict[str, Any]:
    payload = event.get("payload")
    obj = payload.get("object") if isinstance(payload, dict) else None
    return obj if isinstance(obj, dict) else {}


def _zoom_meeting_id(event: dict[str, Any]) -> str:
    """The meeting's id as the inbox keeps it: text, whether Zoom sent a number or a string."""
    meeting_id = _zoom_object(event).get("id")
    return "" if meeting_id is None else str(meeting_id)[: _schema().meeting_id_max]


def _send_process_message(event_id: int, schema: str, zoom_meeting_id: str) -> None:
    """Wake a worker for the event's meeting, unless one is already waiting for it (see
    attendance.inbox.wakeup): a meeting's worker takes all its pending events."""
    from attendance.actors import webhook_process

    try:
        if wake_claim(schema, zoom_meeting_id):
            webhook_process.send_with_options(args=(event_id,), tenant_schema=schema)
    except Exception:  # noqa: BLE001 - Redis down: the event waits in the inbox for the sweep
        logger.exception(
            "could not enqueue zoom webhook %s of %s; the sweep will", event_id, schema
        )


# --- routing -----------------------------------------------------------------------------------

intake = ZoomWebhookIntake()


class WebhookRouter:
    """Sends `POST /webhooks/zoom/` (with or without the trailing slash) to the intake and
    everything else to `inner` (Django)."""

    def __init__(self, inner: ASGIApp, handler: ZoomWebhookIntake | None = None) -> None:
        self.inner = inner
        self.handler = handler or intake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST" and scope["path"] in PATHS:
            return await self.handler(scope, receive, send)
        return await self.inner(scope, receive, send)
