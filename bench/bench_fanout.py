"""Realtime fan-out through the per-process hub, on real daphne processes, Redis and PostgreSQL:

a. SUBSCRIBERS `meetingParticipants` subscribers of one room on one daphne while JOINS people
   join at ~100/s through the real processing path (stored webhook event → processing →
   publish after commit): every join delivered to every subscriber (missing = 0), delay p50/p99
   from the start of each join's processing to its arrival;
b. the same with SPREAD subscribers over two daphne processes (half on each);
c. memory: IDLE idle subscriptions on a fresh daphne, RSS per subscription, beside IDLE bare
   graphql-ws connections (acknowledged, no subscription) on another fresh daphne, same run;
d. reconnect storm: the SPREAD subscribers of (b) closed, then all reconnecting at once (a
   refused or timed-out handshake retried as the app's graphql-ws client retries): time from
   the reconnect to the SNAPSHOT (p50/p99), the snapshot reads the daphnes made (their
   `/metrics` count them), and the CPU time a reconnect cost
   each side over the storm: the daphnes, this process (the clients) and the whole machine.
   BENCH_PROFILE_DIR=/some/dir records a py-spy profile (raw collapsed stacks) of each daphne
   during the storm; PY_SPY names the binary, PY_SPY_ARGS adds arguments (e.g. `--gil`).

Runs against a scratch database `<DATABASE_URL's db>_fanout`, dropped and made anew, and the
Redis of REDIS_URL with its own channel prefix. Prints a markdown table.

    python bench/bench_fanout.py                     # 500 / 100 joins / 2,000 / 5,000
    python bench/bench_fanout.py --small             # 100 / 50 / 400 / 1,000: a quick look
    python bench/bench_fanout.py --parts ab          # the fan-out alone (a and b)
    python bench/bench_fanout.py --parts d --spread 2000   # the storm alone (after a plain connect)
    python bench/bench_fanout.py --parts c           # idle memory alone
    python bench/bench_fanout.py --subscribers 500 --joins 100 --spread 2000 --idle 5000 \
        --port-base 8110                            # ports port-base .. port-base+3
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--subscribers", type=int, default=500)
parser.add_argument("--joins", type=int, default=100)
parser.add_argument("--spread", type=int, default=2000, help="subscribers over two processes")
parser.add_argument("--idle", type=int, default=5000)
parser.add_argument("--small", action="store_true", help="100 / 50 joins / 400 / 1,000")
parser.add_argument("--port-base", type=int, default=0, help="ports base..base+3 (default: free)")
parser.add_argument(
    "--parts",
    choices=["abcd", "ab", "c", "d"],
    default="abcd",
    help="`ab`: the fan-out alone; `c`: idle memory alone; `d`: the storm alone (SPREAD"
    " subscribers connect, drop, return)",
)
ARGS = parser.parse_args()
if ARGS.small:
    ARGS.subscribers, ARGS.joins, ARGS.spread, ARGS.idle = 100, 50, 400, 1000

os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DJANGO_DEBUG"] = "0"  # as in production: DEBUG records every query
os.environ.setdefault("LIVEROLL_SPARE_SCHEMAS", "0")
os.environ["CHANNELS_PREFIX"] = os.environ.get("CHANNELS_PREFIX", "liveroll") + "-bench-fanout"
# As in production (DEBUG made the daphnes log every websocket frame: a tenth of a reconnect).
os.environ.setdefault("LOG_LEVEL", "INFO")
os.environ["METRICS_ENABLED"] = "1"  # /metrics on each daphne's port: its snapshot reads
os.environ.pop("METRICS_PORT", None)
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
parts = urlsplit(base_url)
bench_db = parts.path.lstrip("/") + "_fanout"
os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + bench_db))

import psycopg  # noqa: E402

with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{bench_db}"')

import django  # noqa: E402

django.setup()
import logging  # noqa: E402

logging.getLogger().setLevel(logging.WARNING)  # this process: quiet

import pyspy  # noqa: E402  (bench/pyspy.py)
import wsclient  # noqa: E402  (bench/wsclient.py)
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from attendance.inbox import engine as inbox_engine  # noqa: E402
from attendance.models import ParticipantSession, WebhookEvent  # noqa: E402
from meetings.models import Meeting  # noqa: E402
from tenants import services  # noqa: E402
from tenants.accounts.models import Role  # noqa: E402
from tenants.accounts.services import user_create  # noqa: E402
from tenants.school.services import class_create  # noqa: E402
from tests.support import committed_session, free_port  # noqa: E402

HOST = "bench.localhost"
QUERY = (
    "subscription($id: ID!) { meetingParticipants(meetingId: $id) "
    "{ kind count participants { name } } }"
)
SNAPSHOT_READS = re.compile(r"^liveroll_realtime_snapshot_reads_total ([0-9.e+]+)$", re.M)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def arrange():
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    services.template_migrate()
    org = services.organisation_onboard(
        name="Bench",
        slug="bench",
        admin_email="a@bench.test",
        admin_password="x" * 16,
        admin_email_confirmed=True,
    )
    with schema_context(org.schema_name):
        # Twenty teachers of the class, so that a room's access check covers several users.
        teachers = [
            user_create(email=f"t{i}@bench.test", password=None, role=Role.TEACHER, name=f"T{i}")
            for i in range(20)
        ]
        school_class = class_create(name="Bench class", teachers=teachers)
        meeting = Meeting.objects.create(
            school_class=school_class,
            host=teachers[0],
            title="Room",
            start_time=timezone.now() + timedelta(minutes=5),
            zoom_meeting_id="9000",
        )
        Meeting.objects.filter(pk=meeting.pk).update(status="started", zoom_uuid="bench-uuid==")
        # The idle room: 30 people in it, as in bench_graphql.py's memory figure.
        quiet = Meeting.objects.create(
            school_class=school_class,
            host=teachers[0],
            title="Quiet room",
            start_time=timezone.now(),
            zoom_meeting_id="9001",
        )
        ParticipantSession.objects.bulk_create(
            ParticipantSession(
                meeting=quiet,
                participant_key=f"k{i}",
                role="guest",
                name=f"Guest {i}",
                joined_at=timezone.now(),
            )
            for i in range(30)
        )
        # A session of its own for each watcher (a storm's handshakes read as many sessions as
        # there are sockets), over the twenty teachers.
        watchers = max(ARGS.subscribers, ARGS.spread)
        sessions = [committed_session(teachers[i % len(teachers)]) for i in range(watchers)]
        return org, sessions, meeting.pk, quiet.pk


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Daphne:
    def __init__(self, port: int) -> None:
        self.port = port
        self.log = tempfile.NamedTemporaryFile(prefix="bench-fanout-", suffix=".log")  # noqa: SIM115
        self.proc = subprocess.Popen(
            # daphne as the web process runs it (config.webserver: its access log as JSON log
            # records, as in production), with BENCH_DAPHNE_ARGS added
            [sys.executable, "-m", "config.webserver", "-b", "127.0.0.1", "-p", str(port)]
            + os.environ.get("BENCH_DAPHNE_ARGS", "").split()
            + ["config.asgi:application"],
            cwd=ROOT,
            env=dict(os.environ, LOG_FORMAT="json"),
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        for _ in range(150):
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/healthz")
                urllib.request.urlopen(req, timeout=2).read()  # noqa: S310 - local
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"daphne on {port} did not start")

    def snapshot_reads(self) -> int:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/metrics")
        text = urllib.request.urlopen(req, timeout=30).read().decode()  # noqa: S310 - local
        found = SNAPSHOT_READS.search(text)
        return int(float(found.group(1))) if found else 0

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


FAILURES: list[str] = []

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy() -> float:
    """CPU seconds the whole machine has spent not idle (nor waiting on I/O) so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:8]]
    return (sum(values) - values[3] - values[4]) / CLOCK_TICKS


RETRIES: list[int] = []
MESSAGES = [0]  # JOINED messages the watchers received (each carries one or more joins)
ACKS: list[float] = []  # seconds from the start of a storm reconnect to graphql-ws's ack


async def connect(port, session, meeting_id, gate, *, retry: bool = False):
    """A graphql-ws connection, subscribed to the room when `meeting_id` is given; returns it
    with the seconds from the start to its snapshot (or to the ack). With `retry`, a failed
    attempt is retried as the app's graphql-ws client does (up to 5 times, waiting
    2^n s + 0.3-3 s at random)."""
    started = time.perf_counter()
    for attempt in range(6 if retry else 1):
        try:
            ws = await _connect(port, session, meeting_id, gate, started)
            RETRIES.append(attempt)
            return ws, time.perf_counter() - started
        except Exception:
            if not retry or attempt == 5:
                raise
            await asyncio.sleep(2**attempt + random.uniform(0.3, 3.0))  # noqa: S311 - jitter
    raise AssertionError("unreachable")


async def _connect(port, session, meeting_id, gate, started):
    async with gate:
        ws = await wsclient.connect(
            f"ws://{HOST}:{port}/graphql/",
            address=("127.0.0.1", port),
            subprotocols=["graphql-transport-ws"],
            origin=f"http://{HOST}:{port}",
            headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"},
            timeout=60,
        )
        await ws.send(json.dumps({"type": "connection_init"}))
        await ws.recv()
        ACKS.append(time.perf_counter() - started)
        if meeting_id is not None:
            payload = {"query": QUERY, "variables": {"id": str(meeting_id)}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            first = json.loads(await ws.recv())
            kind = first["payload"]["data"]["meetingParticipants"]["kind"]
            assert kind == "SNAPSHOT", first
        return ws


async def connect_all(ports, sessions, meeting_id, n, *, at_once=False):
    """`n` connections spread evenly over `ports`; failures counted. At most 100 handshakes in
    flight unless `at_once` (a reconnect storm)."""
    gate = asyncio.Semaphore(n if at_once else 100)
    jobs = [
        connect(ports[i % len(ports)], sessions[i % len(sessions)], meeting_id, gate, retry=at_once)
        for i in range(n)
    ]
    results = await asyncio.gather(*jobs, return_exceptions=True)
    ok = [r for r in results if not isinstance(r, BaseException)]
    FAILURES.extend(repr(r)[:120] for r in results if isinstance(r, BaseException))
    return [ws for ws, _ in ok], [seconds for _, seconds in ok]


async def watch(ws, names: set[str], received: list[tuple[str, float]], done: asyncio.Event):
    seen: set[str] = set()
    try:
        while seen != names and not done.is_set():
            message = json.loads(await ws.recv())
            event = message["payload"]["data"]["meetingParticipants"]
            if event["kind"] != "JOINED":
                continue
            MESSAGES[0] += 1
            now = time.perf_counter()
            for person in event["participants"]:
                if person["name"] in names:
                    received.append((person["name"], now))
                    seen.add(person["name"])
    except Exception as exc:  # noqa: BLE001 - counted in the figures
        FAILURES.append(repr(exc)[:120])


def play_joins(org, tag: str, names: list[str], results) -> None:
    """What the worker does for each join: store the event, process it (which publishes). Runs
    in a process of its own, as the worker does (forked: on a thread of the bench's process it
    shared the interpreter with 2,000 websocket clients, and the joins came as slowly as they
    let it); sends back when each join's processing began and its CPU seconds."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.connection = None  # the parent's sockets are the parent's
    sent: dict[str, float] = {}
    began = time.process_time()
    with schema_context(org.schema_name):
        for i, name in enumerate(names):
            body = {
                "event": "meeting.participant_joined",
                "event_ts": int(time.time() * 1000),
                "payload": {
                    "object": {
                        "id": "9000",
                        "uuid": "bench-uuid==",
                        "host_id": "h",
                        "participant": {
                            "user_name": name,
                            "participant_uuid": f"{tag}-{i}",
                            "join_time": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                        },
                    }
                },
            }
            event = WebhookEvent.objects.create(
                event=body["event"], dedupe_key=f"{tag}-{i}", zoom_meeting_id="9000", body=body
            )
            sent[name] = time.perf_counter()
            inbox_engine.webhook_event_process(event_id=event.pk)
            time.sleep(0.01)  # ~100 joins a second
    # perf_counter is CLOCK_MONOTONIC on Linux: the same clock in every process
    results.send((sent, time.process_time() - began))
    results.close()
    connections.close_all()


async def fan_out(org, daphnes, sessions, meeting_id, n, joins, tag) -> tuple[dict, list]:
    ports = [d.port for d in daphnes]
    sockets, _ = await connect_all(ports, sessions, meeting_id, n)
    names = [f"{tag} {i:03d}" for i in range(joins)]
    received: list[tuple[str, float]] = []
    done = asyncio.Event()
    watchers = [asyncio.create_task(watch(ws, set(names), received, done)) for ws in sockets]
    MESSAGES[0] = 0
    # CPU over the joins and their delivery: each daphne, the processing, the clients.
    pids = {f"daphne :{d.port}": d.proc.pid for d in daphnes} | {"clients": os.getpid()}
    cpu_before = {name: cpu_of(pid) for name, pid in pids.items()}
    receiving, sending = multiprocessing.Pipe(duplex=False)
    worker = multiprocessing.get_context("fork").Process(
        target=play_joins, args=(org, tag, names, sending)
    )
    worker.start()
    sending.close()
    sent, processing = await asyncio.to_thread(receiving.recv)
    await asyncio.to_thread(worker.join)
    await asyncio.wait(watchers, timeout=30)  # after the last join: 30 s to arrive
    cpu = {"processing": processing}
    cpu |= {name: cpu_of(pid) - cpu_before[name] for name, pid in pids.items()}
    done.set()
    for task in watchers:
        task.cancel()
    delays = [(at - sent[name]) * 1000 for name, at in received]
    per_name = Counter(name for name, _ in received)
    return {
        "subscribers": len(sockets),
        "expected": n * joins,
        "deliveries": sum(per_name.values()),
        "delays": delays,
        "cpu": cpu,
        "messages": MESSAGES[0],
    }, sockets


async def idle(port, sessions, meeting_id, n, *, subscribe: bool, pid: int) -> float:
    """KiB of daphne RSS per connection (subscribed or bare), after a warm-up of 50."""
    warm, _ = await connect_all([port], sessions, meeting_id if subscribe else None, 50)
    await asyncio.sleep(1)
    before = rss_kib(pid)
    sockets, _ = await connect_all([port], sessions, meeting_id if subscribe else None, n)
    await asyncio.sleep(2)
    after = rss_kib(pid)
    await asyncio.gather(*(ws.close() for ws in sockets + warm), return_exceptions=True)
    return (after - before) / max(1, len(sockets))


async def settle(ports) -> float:
    """Seconds until every daphne answers /healthz within 0.2 s (its backlog sent), at most 60."""
    started = time.perf_counter()
    while time.perf_counter() - started < 60:
        slowest = 0.0
        for port in ports:
            t0 = time.perf_counter()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/healthz")
            await asyncio.to_thread(lambda r=req: urllib.request.urlopen(r, timeout=30).read())  # noqa: S310
            slowest = max(slowest, time.perf_counter() - t0)
        if slowest < 0.2:
            break
        await asyncio.sleep(1)
    return time.perf_counter() - started


async def run(org, sessions, meeting_id, quiet_id, ports) -> dict:
    out: dict = {}
    if ARGS.parts != "c":
        await rooms(out, sessions, meeting_id, ports, org)
    if ARGS.parts in ("ab", "d"):
        return out
    for key, subscribe, port in (("c_sub", True, ports[2]), ("c_bare", False, ports[3])):
        fresh = Daphne(port)
        try:
            out[key] = await idle(
                port, sessions, quiet_id, ARGS.idle, subscribe=subscribe, pid=fresh.proc.pid
            )
            out[key + "_base"] = rss_kib(fresh.proc.pid)
        finally:
            fresh.stop()
    return out


async def rooms(out: dict, sessions, meeting_id, ports, org) -> None:
    """a, b and d: the room's watchers on one and two processes, then the storm."""
    one = Daphne(ports[0])
    two = None
    try:
        if ARGS.parts == "d":
            two = Daphne(ports[1])
            sockets, _ = await connect_all([one.port, two.port], sessions, meeting_id, ARGS.spread)
        else:
            failed = len(FAILURES)
            out["a"], sockets = await fan_out(
                org, [one], sessions, meeting_id, ARGS.subscribers, ARGS.joins, "A"
            )
            out["a"]["failed"] = len(FAILURES) - failed
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
            two = Daphne(ports[1])
            await settle([one.port, two.port])
            failed = len(FAILURES)
            out["b"], sockets = await fan_out(
                org, [one, two], sessions, meeting_id, ARGS.spread, ARGS.joins, "B"
            )
            out["b"]["failed"] = len(FAILURES) - failed
            if ARGS.parts == "ab":
                await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
                return
        # d. the deploy: everyone drops, everyone comes back at once
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
        out["settle"] = await settle([one.port, two.port])  # the last listeners leave
        failed = len(FAILURES)
        reads_before = one.snapshot_reads() + two.snapshot_reads()
        RETRIES.clear()
        ACKS.clear()
        profilers = pyspy.start({f"storm-daphne-{d.port}": d.proc.pid for d in (one, two)})
        cpu_before = [cpu_of(one.proc.pid), cpu_of(two.proc.pid), time.process_time()]
        busy_before = machine_busy()
        started = time.perf_counter()
        sockets, seconds = await connect_all(
            [one.port, two.port], sessions, meeting_id, ARGS.spread, at_once=True
        )
        cpu_after = [cpu_of(one.proc.pid), cpu_of(two.proc.pid), time.process_time()]
        busy = machine_busy() - busy_before
        pyspy.stop(profilers)
        out["d"] = {
            # CPU ms per reconnect: the two daphnes together, the clients, the whole machine
            "cpu_ms": [
                (after - before) * 1000 / ARGS.spread
                for before, after in zip(cpu_before, cpu_after, strict=True)
            ],
            "machine_ms": busy * 1000 / ARGS.spread,
            "subscribers": len(sockets),
            "expected": ARGS.spread,
            "seconds": seconds,
            "all_seconds": time.perf_counter() - started,
            "reads": one.snapshot_reads() + two.snapshot_reads() - reads_before,
            "retried": sum(1 for r in RETRIES if r),
            "failed": len(FAILURES) - failed,
            "acks": [a * 1000 for a in ACKS],
        }
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    finally:
        one.stop()
        if two is not None:
            two.stop()


def main() -> None:
    started = time.perf_counter()
    org, sessions, meeting_id, quiet_id = arrange()
    ports = (
        [ARGS.port_base + i for i in range(4)]
        if ARGS.port_base
        else [free_port() for _ in range(4)]
    )
    load = Path("/proc/loadavg").read_text().split()[:3]
    out = asyncio.run(run(org, sessions, meeting_id, quiet_id, ports))
    print(
        f"\nmachine: {platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average at start {' '.join(load)}, at end "
        f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}; "
        f"{time.perf_counter() - started:.0f} s in all\n"
    )
    print(
        "| case | subscribers | delivered / expected | missing | p50 ms | p99 ms | max ms "
        "| failed connections |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for key, what in (
        ("a", f"a. one room, one daphne, {ARGS.joins} joins at ~100/s"),
        ("b", f"b. one room, two daphnes, {ARGS.joins} joins at ~100/s"),
    ):
        if key not in out:
            continue
        r = out[key]
        d = r["delays"]
        print(
            f"| {what} | {r['subscribers']} | {r['deliveries']} / {r['expected']} | "
            f"{r['expected'] - r['deliveries']} | {statistics.median(d) if d else 0:.0f} | "
            f"{pct(d, 0.99):.0f} | {max(d) if d else 0:.0f} | {r['failed']} |"
        )
    for key in ("a", "b"):
        if key in out:
            cpu = ", ".join(f"{name} {seconds:.1f}" for name, seconds in out[key]["cpu"].items())
            r = out[key]
            each = r["deliveries"] / max(1, r["messages"])
            print(
                f"\n{key}: {r['messages']} JOINED messages ({each:.1f} joins each); CPU seconds"
                f" from the first join to the last delivery: {cpu}"
            )
    if "d" in out:
        d = out["d"]
        ms = [s * 1000 for s in d["seconds"]]
        print(
            f"| d. reconnect storm, two daphnes: to the SNAPSHOT | {d['subscribers']} | "
            f"{d['subscribers']} / {d['expected']} | {d['expected'] - d['subscribers']} | "
            f"{statistics.median(ms) if ms else 0:.0f} | {pct(ms, 0.99):.0f} | "
            f"{max(ms) if ms else 0:.0f} | {d['failed']} |"
        )
        print(
            f"| d. the same: to graphql-ws's ack (tenant, session and user looked up) | "
            f"{len(d['acks'])} | | | {statistics.median(d['acks']) if d['acks'] else 0:.0f} | "
            f"{pct(d['acks'], 0.99):.0f} | {max(d['acks']) if d['acks'] else 0:.0f} | |"
        )
        print(
            f"\nreconnect storm: all {d['subscribers']} had their snapshot "
            f"{d['all_seconds']:.1f} s after the start ({d['retried']} after a retry, as "
            f"graphql-ws retries); snapshot reads by the daphnes: {d['reads']}; the daphnes had "
            f"sent their backlog {out['settle']:.1f} s after the clients closed"
        )
        one_ms, two_ms, client_ms = d["cpu_ms"]
        print(
            f"\nCPU a reconnect over the storm: daphnes {one_ms + two_ms:.2f} ms "
            f"({one_ms:.2f} + {two_ms:.2f}), the clients (this process) {client_ms:.2f} ms, "
            f"the whole machine {d['machine_ms']:.2f} ms"
        )
    if "c_sub" in out:
        print(
            f"\nidle, {ARGS.idle} connections each on a fresh daphne: "
            f"{out['c_sub']:.1f} KiB per subscription (`meetingParticipants` of a room of 30), "
            f"{out['c_bare']:.1f} KiB per bare graphql-ws connection (no subscription)"
        )
    if FAILURES:
        print(f"\nfailures: {len(FAILURES)} (first: {FAILURES[0]})")


if __name__ == "__main__":
    main()
