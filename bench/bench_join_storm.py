"""A join storm: 1,000 students joining one class, as Zoom's webhooks, through the real stack.

A real daphne (`python -m config.webserver`, as production runs it) and a real dramatiq worker
(`rundramatiq --processes 1 --threads 8`) run against a scratch database
`<DATABASE_URL's db>_storm` (dropped and made anew) with one onboarded tenant, its webhook
secret, a teacher, a class and one scheduled meeting per scenario.
The client speaks HTTP/1.1 on loopback over 20 persistent keep-alive connections.

Scenarios, each run against a fresh meeting:
- paced: 1,000 `meeting.participant_joined` for 1,000 distinct participants spread over 10 s
  (≈100/s, what a big class's start looks like), plus 5 % redelivered duplicates;
- burst: the same as fast as the 20 connections go (the intake's capacity);
- and the same two loads against `GET /healthz` (Django's cheapest path) as a baseline.

Measured: webhook answer latency p50/p99; events stored per second (server-side `received_at`
of the rows); rows lost or counted twice; receipt→processed (the worker) and, through the
teacher's `meetingParticipants` GraphQL subscription (graphql-transport-ws on /graphql/),
receipt→realtime event p50/p99 and events never delivered (channel-layer drops). The median
of the runs is printed as a table.

Usage: python bench/bench_join_storm.py [runs] [events]   (default 3 runs of 1,000 events;
a smaller `events` only to check that the benchmark works)
Options:
  --rush-only          only the rush, beside its paced `/healthz` baseline (≈ 25 s a run)
  --intake-only        only the webhooks paced with the worker paused, beside the paced
                       `/healthz` baseline: the web process's CPU per webhook (≈ 15 s a run)
  --layouts 1x8,2x4    worker layouts (processes x threads), each run once per layout in turn
                       so that every layout sees the same machine (default 1x8)
BENCH_PORT sets daphne's port (default: a free one).
"""

import asyncio
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("LIVEROLL_SPARE_SCHEMAS", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")
NAMESPACE = "liveroll-bench-storm"
os.environ["DRAMATIQ_NAMESPACE"] = NAMESPACE
os.environ["CHANNELS_PREFIX"] = NAMESPACE
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
parts = urlsplit(base_url)
storm_db = parts.path.lstrip("/") + "_storm"
os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + storm_db))

import psycopg  # noqa: E402

with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{storm_db}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{storm_db}"')

import django  # noqa: E402

django.setup()

import pyspy  # noqa: E402  (bench/pyspy.py)
import redis  # noqa: E402
import websockets  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from meetings.models import Meeting  # noqa: E402
from tenants import services  # noqa: E402
from tenants.accounts.models import Role  # noqa: E402
from tenants.accounts.services import user_create  # noqa: E402
from tenants.school.services import class_create  # noqa: E402
from tests.support import (  # noqa: E402
    committed_session,
    free_port,
    signed_headers,
    zoom_settings_set,
)


def _options(argv: list[str]) -> tuple[list[str], bool, list[tuple[int, int]]]:
    positional, rush_only, layouts = [], False, [(1, 8)]
    args = iter(argv)
    for arg in args:
        if arg == "--rush-only":
            rush_only = True
        elif arg == "--intake-only":
            pass  # read below
        elif arg == "--layouts":
            layouts = [tuple(int(n) for n in v.split("x")) for v in next(args).split(",")]  # type: ignore[misc]
        else:
            positional.append(arg)
    return positional, rush_only, layouts


_ARGS, RUSH_ONLY, LAYOUTS = _options(sys.argv[1:])
INTAKE_ONLY = "--intake-only" in sys.argv[1:]
RUNS = int(_ARGS[0]) if _ARGS else 3
LOAD_AT_START = os.getloadavg()
EVENTS = int(_ARGS[1]) if len(_ARGS) > 1 else 1000
SPREAD_SECONDS = 10.0
DUPLICATE_SHARE = 0.05
CONNECTIONS = 20
RUSH_CLASSES = 10  # the rush: this many classes starting at once, EVENTS joins in all
SLUG = "storm"
SECRET = "storm-webhook-secret"
PROCESSING_TIMEOUT = 240.0
LOG_DIR = os.environ.get("BENCH_LOG_DIR", "/tmp")


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


# --- the stack ---------------------------------------------------------------------------------


@dataclass
class Stack:
    port: int
    host: str
    teacher_session: str
    teacher_id: int
    class_id: int
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def worker(self) -> subprocess.Popen:
        return self.processes[1]


def tenant_setup() -> tuple[int, int, str]:
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    services.template_migrate()
    org = services.organisation_onboard(
        name="Storm Academy",
        slug=SLUG,
        admin_email=f"admin@{SLUG}.test",
        admin_password="bench-password-123",
        onboarded_by="bench",
        admin_email_confirmed=True,  # no confirmation mail for the worker to send
    )
    with schema_context(org.schema_name):
        zoom_settings_set(webhook_secret_token=SECRET)
        teacher = user_create(
            email=f"teacher@{SLUG}.test", password=None, role=Role.TEACHER, name="Storm Teacher"
        )
        school_class = class_create(name="Storm maths", teachers=[teacher])
        session_key = committed_session(teacher)
    return teacher.pk, school_class.pk, session_key


def meeting_create(stack: Stack, label: str, zoom_id: str) -> int:
    with schema_context(SLUG):
        meeting = Meeting.objects.create(
            school_class_id=stack.class_id,
            host_id=stack.teacher_id,
            title=f"Storm {label}",
            start_time=timezone.now(),
            duration_minutes=60,
            status=Meeting.Status.SCHEDULED,
            zoom_meeting_id=zoom_id,
            zoom_account=Meeting.Account.USER,
        )
    return meeting.pk


def redis_flush() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match=f"{NAMESPACE}*", count=1000):
        client.delete(key)


def worker_start(stack: Stack, env: dict, layout: tuple[int, int]) -> None:
    """(Re)start the worker with `layout` (processes, threads), and wait until every process
    has booted (Django's start-up takes seconds on a busy machine)."""
    if len(stack.processes) > 1:
        stop(stack.processes.pop())
    processes, threads = layout
    command = [sys.executable, "manage.py", "rundramatiq"]
    command += ["--processes", str(processes), "--threads", str(threads)]
    # A booted worker process fetches from its queues, which adds it to the broker's heartbeats.
    heartbeats = f"{NAMESPACE}:__heartbeats__"
    client = redis.Redis.from_url(settings.REDIS_URL)
    before = set(client.zrange(heartbeats, 0, -1))
    stack.processes.append(start(command, "worker", env))
    deadline = time.monotonic() + 180
    while len(set(client.zrange(heartbeats, 0, -1)) - before) < processes:
        if time.monotonic() > deadline or stack.processes[-1].poll() is not None:
            raise RuntimeError(
                f"the worker did not start: see {LOG_DIR}/bench_join_storm.worker.log"
            )
        time.sleep(0.2)


def start(command: list[str], name: str, env: dict) -> subprocess.Popen:
    log = open(f"{LOG_DIR}/bench_join_storm.{name}.log", "w")  # noqa: SIM115 - lives with the process
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # our own process group (rundramatiq forks)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def wait_ready(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = await Http.open(port)
            status, _ = await conn.request(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"daphne did not start: see {LOG_DIR}/bench_join_storm.daphne.log")


# --- a small keep-alive HTTP/1.1 client --------------------------------------------------------


class Http:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> "Http":
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    def close(self) -> None:
        self.writer.close()

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            if b":" in line:
                name, value = line.split(b":", 1)
                headers[name.strip().lower()] = value.strip()
        if b"content-length" in headers:
            body = await self.reader.readexactly(int(headers[b"content-length"]))
        elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            body = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        else:
            body = await self.reader.read()
        return status, body


# --- load --------------------------------------------------------------------------------------


@dataclass
class Sent:
    kind: str  # "event" | "duplicate" | "healthz"
    name: str
    raw: bytes
    due: float = 0.0
    sent_wall: float = 0.0
    latency: float = 0.0
    status: int = 0
    answer: str = ""


def webhook_request(host: str, body: dict) -> bytes:
    raw = json.dumps(body, separators=(",", ":")).encode()
    headers = signed_headers(raw, SECRET)
    head = (
        f"POST /webhooks/zoom/ HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: {headers['content-type']}\r\nUser-Agent: Zoom Marketplace/1.0a\r\n"
        f"Content-Length: {len(raw)}\r\n"
        f"x-zm-request-timestamp: {headers['x-zm-request-timestamp']}\r\n"
        f"x-zm-signature: {headers['x-zm-signature']}\r\n\r\n"
    )
    return head.encode() + raw


def join_body(zoom_id: str, uuid: str, name: str, n: int, started: float) -> dict:
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started + n * 0.01))
    return {
        "event": "meeting.participant_joined",
        "event_ts": int(started * 1000) + n,
        "payload": {
            "account_id": "StormAccount",
            "object": {
                "id": zoom_id,
                "uuid": uuid,
                "host_id": "storm-host",
                "topic": "Storm maths",
                "type": 2,
                "start_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                "timezone": "UTC",
                "duration": 60,
                "participant": {
                    "user_id": str(16_000_000 + n),
                    "user_name": name,
                    "id": f"zid{n:05d}",
                    "participant_uuid": f"{uuid}-p{n:05d}",
                    "join_time": at,
                    "email": "",
                },
            },
        },
    }


def webhook_plan(
    host: str, zoom_id: str, uuid: str, label: str, events: int = EVENTS
) -> list[Sent]:
    started = time.time()
    bodies = [
        join_body(zoom_id, uuid, f"Student {label} {n:04d}", n, started) for n in range(events)
    ]
    names = [b["payload"]["object"]["participant"]["user_name"] for b in bodies]
    rng = random.Random(label)
    # a redelivery: the same body, signed again, arriving 5-100 events later
    redelivered_after: dict[int, list[int]] = {}
    for n in rng.sample(range(events), int(events * DUPLICATE_SHARE)):
        redelivered_after.setdefault(min(events - 1, n + rng.randint(5, 100)), []).append(n)
    plan = []
    for n, body in enumerate(bodies):
        plan.append(Sent("event", names[n], webhook_request(host, body)))
        for original in redelivered_after.get(n, []):
            raw = webhook_request(host, bodies[original])
            plan.append(Sent("duplicate", names[original], raw))
    return plan


def healthz_plan(count: int) -> list[Sent]:
    raw = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
    return [Sent("healthz", "", raw) for _ in range(count)]


async def drive(port: int, plan: list[Sent], spread: float) -> float:
    """Send the plan over CONNECTIONS keep-alive connections, request i due at i/len*spread
    (all at once when spread is 0). Returns the wall time taken."""
    conns = [await Http.open(port) for _ in range(CONNECTIONS)]
    queue: asyncio.Queue[Sent] = asyncio.Queue()
    t0 = time.monotonic() + 0.05
    for i, item in enumerate(plan):
        item.due = t0 + (i * spread / len(plan) if spread else 0)
        queue.put_nowait(item)

    async def worker(conn: Http) -> None:
        while not queue.empty():
            item = queue.get_nowait()
            delay = item.due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            item.sent_wall = time.time()
            started = time.perf_counter()
            item.status, body = await conn.request(item.raw)
            item.latency = time.perf_counter() - started
            if item.kind != "healthz":
                try:
                    item.answer = json.loads(body).get("status", "")
                except ValueError:
                    item.answer = body[:80].decode(errors="replace")

    began = time.monotonic()
    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.monotonic() - began
    for conn in conns:
        conn.close()
    return elapsed


# --- profiling (optional) ----------------------------------------------------------------------


def profile_start(stack: Stack, label: str) -> list[subprocess.Popen]:
    """BENCH_PROFILE_DIR (bench/pyspy.py): daphne while the webhooks arrive and the worker
    until they are processed (in the rush: both until every event is processed)."""
    pids = {f"{label}-daphne": stack.processes[0].pid, f"{label}-worker": stack.worker.pid}
    return pyspy.start(pids, subprocesses=True)


# --- CPU accounting ----------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) used so far by the processes of one process group."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[2]) == pgid:  # fields after "(comm)": state ppid pgrp ... utime stime
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU time of the whole machine spent outside idle and iowait."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / CLOCK_TICKS


# --- observing ---------------------------------------------------------------------------------


LIVE_QUERY = (
    "subscription($id: ID!) { meetingParticipants(meetingId: $id)"
    " { kind count participants { name } } }"
)


def _participants_event(message: dict) -> dict | None:
    """The `meetingParticipants` result of a graphql-transport-ws message, if it is one."""
    if message.get("type") != "next":
        return None
    return ((message.get("payload") or {}).get("data") or {}).get("meetingParticipants")


class LiveWatcher:
    """The teacher's live view of one meeting; records when each participant's join shows."""

    def __init__(self, stack: Stack, meeting_id: int):
        self.stack, self.meeting_id = stack, meeting_id
        self.joined: dict[str, float] = {}
        self.repeats = 0
        self.messages = 0  # realtime messages that carried them (one per processed batch)
        self.skipped = ""
        self._task = None
        self._ws = None

    async def start(self) -> None:
        url = f"ws://{self.stack.host}:{self.stack.port}/graphql/"
        try:
            self._ws = await websockets.connect(
                url,
                host="127.0.0.1",
                port=self.stack.port,
                subprotocols=["graphql-transport-ws"],
                origin=f"http://{self.stack.host}:{self.stack.port}",
                additional_headers={
                    "Cookie": f"{settings.SESSION_COOKIE_NAME}={self.stack.teacher_session}"
                },
                open_timeout=10,
                max_queue=None,
            )
            await self._ws.send(json.dumps({"type": "connection_init"}))
            ack = json.loads(await asyncio.wait_for(self._ws.recv(), 10))
            if ack.get("type") != "connection_ack":
                raise RuntimeError(f"no connection_ack: {ack!r}")
            await self._ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {
                            "query": LIVE_QUERY,
                            "variables": {"id": str(self.meeting_id)},
                        },
                    }
                )
            )
            first = _participants_event(json.loads(await asyncio.wait_for(self._ws.recv(), 10)))
            if first is None or first["kind"] != "SNAPSHOT":
                raise RuntimeError(f"first result was {first!r}, not a snapshot")
        except Exception as exc:  # noqa: BLE001 - any failure means: no realtime figures
            self.skipped = f"{type(exc).__name__}: {exc}"
            if self._ws is not None:
                await self._ws.close()
            self._ws = None
            return
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                now = time.time()
                event = _participants_event(json.loads(raw))
                # One JOINED result per processed batch carries its joins.
                if event is None or event["kind"] != "JOINED":
                    continue
                for person in event["participants"]:
                    name = person["name"]
                    if name in self.joined:
                        self.repeats += 1
                    else:
                        self.joined[name] = now
                self.messages += 1
        except websockets.ConnectionClosed:
            pass

    async def wait_for(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self._ws is not None and len(self.joined) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


async def inbox_wait_processed(conn, zoom_id: str, timeout: float) -> float | None:
    """Seconds until no event of this meeting is pending (None: timed out)."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        cur = await conn.execute(
            f'SELECT count(*) FILTER (WHERE status = %s), count(*) FROM "{SLUG}".'
            "attendance_webhookevent WHERE zoom_meeting_id = %s",
            ("pending", zoom_id),
        )
        pending, total = await cur.fetchone()
        if total and not pending:
            return time.monotonic() - began
        await asyncio.sleep(0.2)
    return None


async def inbox_figures(conn, zoom_id: str) -> dict:
    cur = await conn.execute(
        f'SELECT received_at, processed_at, status, body #>> %s FROM "{SLUG}".'
        "attendance_webhookevent WHERE zoom_meeting_id = %s",
        ("{payload,object,participant,user_name}", zoom_id),
    )
    rows = await cur.fetchall()
    received = sorted(r[0].timestamp() for r in rows)
    processed = [(r[1] - r[0]).total_seconds() for r in rows if r[1] is not None]
    statuses = {}
    for r in rows:
        statuses[r[2]] = statuses.get(r[2], 0) + 1
    names = [r[3] for r in rows]
    return {
        "rows": len(rows),
        # a batch marks its events processed at one instant
        "batches": len({r[1] for r in rows if r[1] is not None}),
        "distinct_names": len(set(names)),
        "stored_per_s": (
            (len(received) - 1) / (received[-1] - received[0]) if len(received) > 1 else None
        ),
        "processed_p50": pct(processed, 50),
        "processed_p99": pct(processed, 99),
        "statuses": statuses,
    }


# --- scenarios ---------------------------------------------------------------------------------


async def webhook_scenario(stack: Stack, db, label: str, spread: float, *, alone: bool) -> dict:
    """`alone`: the worker is paused while the webhooks arrive (the intake on its own), and
    resumed afterwards; else it processes them as they come, as in production."""
    zoom_id = str(80_000_000_000 + random.randrange(10**9))
    uuid = f"storm-{label}-{random.randrange(10**9)}=="
    meeting_id = await asyncio.to_thread(meeting_create, stack, label, zoom_id)
    watcher = LiveWatcher(stack, meeting_id)
    if not alone:
        await watcher.start()
    plan = webhook_plan(stack.host, zoom_id, uuid, label)

    if alone:
        os.killpg(stack.worker.pid, signal.SIGSTOP)
    profilers = profile_start(stack, label)
    cpu_before = [cpu_seconds(stack.processes[0].pid), cpu_seconds(stack.worker.pid)]
    busy_before = machine_busy_seconds()
    try:
        elapsed = await drive(stack.port, plan, spread)
    finally:
        if alone:
            os.killpg(stack.worker.pid, signal.SIGCONT)
        pyspy.stop(profilers[:1])  # daphne: while the webhooks arrive
    daphne_cpu = cpu_seconds(stack.processes[0].pid) - cpu_before[0]
    processed_after = await inbox_wait_processed(db, zoom_id, PROCESSING_TIMEOUT)
    pyspy.stop(profilers[1:])  # the worker: until it has processed them all
    worker_cpu = cpu_seconds(stack.worker.pid) - cpu_before[1]
    machine_cpu = machine_busy_seconds() - busy_before
    await watcher.wait_for(EVENTS, timeout=10)
    await watcher.stop()
    figures = await inbox_figures(db, zoom_id)

    latencies = [s.latency for s in plan]
    answers = {}
    for s in plan:
        key = f"{s.kind}:{s.status}:{s.answer}"
        answers[key] = answers.get(key, 0) + 1
    result = {
        "answer_p50_ms": pct(latencies, 50) * 1000,
        "answer_p99_ms": pct(latencies, 99) * 1000,
        "requests_per_s": len(plan) / elapsed,
        "stored_per_s": figures["stored_per_s"],
        "lost": max(0, EVENTS - figures["distinct_names"]),
        "counted_twice": figures["rows"] - figures["distinct_names"],
        "rows": figures["rows"],
        "answers": answers,
        "statuses": figures["statuses"],
        "realtime_skipped": watcher.skipped,
        # CPU per stored event: daphne while they arrive; the worker and the whole machine
        # (PostgreSQL, Redis and this client included) until all are processed
        "daphne_cpu_ms_per_event": daphne_cpu / EVENTS * 1000,
        "worker_cpu_ms_per_event": worker_cpu / EVENTS * 1000,
        "machine_cpu_ms_per_event": machine_cpu / EVENTS * 1000,
    }
    if not alone:  # with the worker paused these would only measure the pause
        result.update(
            processing_done_s=processed_after,
            processed_p50_ms=(figures["processed_p50"] or 0) * 1000 or None,
            processed_p99_ms=(figures["processed_p99"] or 0) * 1000 or None,
        )
    if not alone and not watcher.skipped:
        sent_at = {s.name: s.sent_wall for s in plan if s.kind == "event"}
        delays = [at - sent_at[name] for name, at in watcher.joined.items() if name in sent_at]
        result.update(
            realtime_p50_ms=pct(delays, 50) * 1000 if delays else None,
            realtime_p99_ms=pct(delays, 99) * 1000 if delays else None,
            realtime_received=len(watcher.joined),
            realtime_dropped=EVENTS - len(watcher.joined),
            realtime_repeats=watcher.repeats,
            realtime_messages=watcher.messages,
        )
    return result


async def rush_scenario(stack: Stack, db, label: str) -> dict:
    """RUSH_CLASSES classes starting at once: EVENTS joins in all, spread over them and over
    SPREAD_SECONDS, each class watched by its teacher. Processing runs in parallel per class
    (one worker thread per class at most), so this is what 9:00 on a school day looks like."""
    per_class = EVENTS // RUSH_CLASSES
    classes = []
    for c in range(RUSH_CLASSES):
        zoom_id = str(70_000_000_000 + random.randrange(10**9))
        meeting_id = await asyncio.to_thread(meeting_create, stack, f"{label}c{c}", zoom_id)
        watcher = LiveWatcher(stack, meeting_id)
        await watcher.start()
        plan = webhook_plan(
            stack.host,
            zoom_id,
            f"rush-{label}-{c}-{random.randrange(10**9)}==",
            f"{label}c{c}",
            events=per_class,
        )
        classes.append((zoom_id, watcher, plan))
    # interleaved: the classes' joins arrive side by side
    groups = zip_longest(*(class_plan for _, _, class_plan in classes))
    plan = [item for group in groups for item in group if item is not None]
    profilers = profile_start(stack, label)
    cpu_before = [cpu_seconds(stack.processes[0].pid), cpu_seconds(stack.worker.pid)]
    busy_before = machine_busy_seconds()
    await drive(stack.port, plan, SPREAD_SECONDS)
    for zoom_id, _, _ in classes:
        await inbox_wait_processed(db, zoom_id, PROCESSING_TIMEOUT)
    pyspy.stop(profilers)  # both: until every event is processed
    daphne_cpu = cpu_seconds(stack.processes[0].pid) - cpu_before[0]
    worker_cpu = cpu_seconds(stack.worker.pid) - cpu_before[1]
    machine_cpu = machine_busy_seconds() - busy_before
    delays, received, repeats, messages, processed = [], 0, 0, 0, []
    for zoom_id, watcher, class_plan in classes:
        await watcher.wait_for(per_class, timeout=10)
        await watcher.stop()
        sent_at = {s.name: s.sent_wall for s in class_plan if s.kind == "event"}
        delays += [at - sent_at[n] for n, at in watcher.joined.items() if n in sent_at]
        received += len(watcher.joined)
        repeats += watcher.repeats
        messages += watcher.messages
        figures = await inbox_figures(db, zoom_id)
        processed.append(figures)
    latencies = [s.latency for s in plan]
    return {
        "answer_p50_ms": pct(latencies, 50) * 1000,
        "answer_p99_ms": pct(latencies, 99) * 1000,
        "lost": sum(max(0, per_class - f["distinct_names"]) for f in processed),
        "counted_twice": sum(f["rows"] - f["distinct_names"] for f in processed),
        "realtime_p50_ms": pct(delays, 50) * 1000 if delays else None,
        "realtime_p99_ms": pct(delays, 99) * 1000 if delays else None,
        "realtime_dropped": RUSH_CLASSES * per_class - received,
        "realtime_repeats": repeats,
        "realtime_messages": messages,
        "batches": sum(f["batches"] for f in processed),
        "daphne_cpu_ms_per_event": daphne_cpu / EVENTS * 1000,
        "worker_cpu_ms_per_event": worker_cpu / EVENTS * 1000,
        "machine_cpu_ms_per_event": machine_cpu / EVENTS * 1000,
    }


async def healthz_scenario(stack: Stack, spread: float) -> dict:
    plan = healthz_plan(EVENTS + int(EVENTS * DUPLICATE_SHARE))
    elapsed = await drive(stack.port, plan, spread)
    latencies = [s.latency for s in plan]
    return {
        "answer_p50_ms": pct(latencies, 50) * 1000,
        "answer_p99_ms": pct(latencies, 99) * 1000,
        "requests_per_s": len(plan) / elapsed,
        "non_200": sum(1 for s in plan if s.status != 200),
    }


async def one_run(stack: Stack, run: int, tag: str = "") -> dict:
    db = await psycopg.AsyncConnection.connect(os.environ["DATABASE_URL"], autocommit=True)
    try:
        if INTAKE_ONLY:
            results = {
                "healthz paced": await healthz_scenario(stack, SPREAD_SECONDS),
                "webhook paced alone": await webhook_scenario(
                    stack, db, f"r{run}{tag}pa", SPREAD_SECONDS, alone=True
                ),
            }
            for name, figures in results.items():
                print(f"run {run + 1} {tag} {name}: {json.dumps(figures, default=str)}", flush=True)
            return results
        if RUSH_ONLY:
            results = {
                "healthz paced": await healthz_scenario(stack, SPREAD_SECONDS),
                "rush": await rush_scenario(stack, db, f"r{run}{tag}r"),
            }
            for name, figures in results.items():
                print(f"run {run + 1} {tag} {name}: {json.dumps(figures, default=str)}", flush=True)
            return results
        results = {
            "healthz paced": await healthz_scenario(stack, SPREAD_SECONDS),
            "webhook paced alone": await webhook_scenario(
                stack, db, f"r{run}pa", SPREAD_SECONDS, alone=True
            ),
            "webhook paced": await webhook_scenario(
                stack, db, f"r{run}p", SPREAD_SECONDS, alone=False
            ),
            "healthz burst": await healthz_scenario(stack, 0),
            "webhook burst alone": await webhook_scenario(stack, db, f"r{run}ba", 0, alone=True),
            "webhook burst": await webhook_scenario(stack, db, f"r{run}b", 0, alone=False),
            "rush": await rush_scenario(stack, db, f"r{run}r"),
        }
    finally:
        await db.close()
    for name, figures in results.items():
        print(f"run {run + 1} {name}: {json.dumps(figures, default=str)}", flush=True)
    return results


# --- report ------------------------------------------------------------------------------------


def median_of(runs: list[dict], scenario: str, key: str):
    values = [r[scenario].get(key) for r in runs]
    values = [v for v in values if isinstance(v, int | float)]
    return statistics.median(values) if values else None


def fmt(value, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


COLUMNS = [
    ("paced, intake alone", "webhook paced alone", "healthz paced"),
    ("paced, worker busy", "webhook paced", "healthz paced"),
    ("burst, intake alone", "webhook burst alone", "healthz burst"),
    ("burst, worker busy", "webhook burst", "healthz burst"),
]
ROWS = [
    # label, scenario keys (one cell shows "a / b"), digits, from the baseline scenario
    ("webhook answer p50 / p99 ms", ("answer_p50_ms", "answer_p99_ms"), 1, False),
    ("baseline GET /healthz p50 / p99 ms", ("answer_p50_ms", "answer_p99_ms"), 1, True),
    ("requests/s sent", ("requests_per_s",), 0, False),
    ("baseline GET /healthz requests/s", ("requests_per_s",), 0, True),
    ("events stored per second (server time)", ("stored_per_s",), 0, False),
    ("rows lost / counted twice", ("lost", "counted_twice"), 0, False),
    ("all processed, s after the last send", ("processing_done_s",), 1, False),
    ("receipt → processed p50 / p99 ms", ("processed_p50_ms", "processed_p99_ms"), 0, False),
    ("receipt → realtime event p50 / p99 ms", ("realtime_p50_ms", "realtime_p99_ms"), 0, False),
    ("realtime events dropped / repeated", ("realtime_dropped", "realtime_repeats"), 0, False),
    ("realtime messages that carried the joins", ("realtime_messages",), 0, False),
    (
        "CPU ms per event: daphne / worker",
        ("daphne_cpu_ms_per_event", "worker_cpu_ms_per_event"),
        2,
        False,
    ),
    ("CPU ms per event: whole machine", ("machine_cpu_ms_per_event",), 2, False),
]


RUSH_ROWS = [
    ("webhook answer p50 / p99 ms", ("answer_p50_ms", "answer_p99_ms"), 1),
    ("rows lost / counted twice", ("lost", "counted_twice"), 0),
    ("receipt → realtime event p50 / p99 ms", ("realtime_p50_ms", "realtime_p99_ms"), 0),
    ("realtime events dropped / repeated", ("realtime_dropped", "realtime_repeats"), 0),
    ("realtime messages that carried the joins", ("realtime_messages",), 0),
    ("batches that processed them", ("batches",), 0),
    (
        "CPU ms per event: daphne / worker / whole machine",
        ("daphne_cpu_ms_per_event", "worker_cpu_ms_per_event", "machine_cpu_ms_per_event"),
        2,
    ),
]


def rush_report(by_layout: dict[str, list[dict]]) -> None:
    print(
        f"\nRush: {RUSH_CLASSES} classes starting at once, {EVENTS // RUSH_CLASSES} joins each"
        f" (+{int(EVENTS // RUSH_CLASSES * DUPLICATE_SHARE)} duplicates), interleaved over"
        f" {SPREAD_SECONDS:.0f} s, each class watched by its teacher; worker busy; medians of"
        f" the runs (processes x threads of the worker per column)\n"
    )
    print("| figure | " + " | ".join(by_layout) + " |")
    print("|---|" + "---|" * len(by_layout))
    rows = [
        *RUSH_ROWS,
        ("baseline GET /healthz p50 / p99 ms", ("answer_p50_ms", "answer_p99_ms"), 1),
    ]
    for label, keys, digits in rows:
        scenario = "healthz paced" if label.startswith("baseline") else "rush"
        cells = [
            " / ".join(fmt(median_of(runs, scenario, k), digits) for k in keys)
            for runs in by_layout.values()
        ]
        print(f"| {label} | " + " | ".join(cells) + " |")
    for layout, runs in by_layout.items():
        p99s = ", ".join(fmt(r["rush"].get("realtime_p99_ms")) for r in runs)
        print(f"\n{layout}: receipt → realtime p99 of each run (ms): {p99s}")


def report(runs: list[dict]) -> None:
    print(
        f"\nJoin storm: {EVENTS} participant_joined webhooks (+{int(EVENTS * DUPLICATE_SHARE)}"
        f" redelivered duplicates), {CONNECTIONS} keep-alive connections, median of {len(runs)}"
        " runs. paced = spread over 10 s; burst = as fast as the connections go; intake alone ="
        " worker paused while they arrive; worker busy = processing as they arrive."
    )
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; one daphne, one worker process × 8 threads;"
        f" load average at the start {LOAD_AT_START[0]:.1f}, at the end {os.getloadavg()[0]:.1f}"
        " (other work on the machine adds noise)"
    )
    print("\n| figure | " + " | ".join(c[0] for c in COLUMNS) + " |")
    print("|---|" + "---|" * len(COLUMNS))
    for label, keys, digits, baseline in ROWS:
        cells = []
        for _, hook, base in COLUMNS:
            scenario = base if baseline else hook
            cells.append(" / ".join(fmt(median_of(runs, scenario, k), digits) for k in keys))
        print(f"| {label} | " + " | ".join(cells) + " |")
    rush_report({"1x8": runs})
    skipped = {r[c[1]]["realtime_skipped"] for r in runs for c in COLUMNS}
    skipped.discard("")
    if skipped:
        print(f"\nrealtime figures skipped: the live websocket did not work ({'; '.join(skipped)})")


def main() -> None:
    teacher_id, class_id, session_key = tenant_setup()
    stack = Stack(
        port=int(os.environ.get("BENCH_PORT") or free_port()),
        host=services.tenant_host(SLUG),
        teacher_session=session_key,
        teacher_id=teacher_id,
        class_id=class_id,
    )
    redis_flush()
    env = dict(os.environ)
    python = sys.executable
    # the web process as production runs it (config.webserver: daphne and its settings)
    daphne = [python, "-m", "config.webserver", "-b", "127.0.0.1", "-p", str(stack.port)]
    stack.processes = [start([*daphne, "config.asgi:application"], "daphne", env)]
    by_layout: dict[str, list[dict]] = {f"{p}x{t}": [] for p, t in LAYOUTS}
    try:
        for run in range(RUNS):
            for layout in LAYOUTS:
                worker_start(stack, env, layout)
                tag = f"{layout[0]}x{layout[1]}"
                by_layout[tag].append(asyncio.run(load(stack, run, tag)))
    finally:
        for process in stack.processes:
            stop(process)
        redis_flush()
    print(f"\nload average at the end: {Path('/proc/loadavg').read_text().strip()}")
    if INTAKE_ONLY:
        runs = [r for results in by_layout.values() for r in results]
        print(f"\nIntake alone (worker paused), paced, median of {len(runs)} runs:")
        for label, keys, digits in RUSH_ROWS[:2] + RUSH_ROWS[-1:]:
            cells = " / ".join(fmt(median_of(runs, "webhook paced alone", k), digits) for k in keys)
            print(f"| {label} | {cells} |")
    elif RUSH_ONLY or len(LAYOUTS) > 1:
        print(
            f"machine: {platform.platform()}, {os.cpu_count()} cores, Python"
            f" {platform.python_version()}; one daphne; load average at the start"
            f" {LOAD_AT_START[0]:.1f} {LOAD_AT_START[1]:.1f} {LOAD_AT_START[2]:.1f}"
        )
        rush_report(by_layout)
    else:
        report(next(iter(by_layout.values())))


async def load(stack: Stack, run: int, tag: str) -> dict:
    await wait_ready(stack.port)
    return await one_run(stack, run, tag if len(LAYOUTS) > 1 or RUSH_ONLY or INTAKE_ONLY else "")


if __name__ == "__main__":
    main()
