"""GraphQL figures on a real daphne, each beside a baseline from the same run:

1. dashboard query latency, p50/p95, with 200 meetings of 30 participants each
   (baselines: `{ me { id } }`, the cheapest GraphQL request, and GET /healthz);
2. subscription fan-out: SUBSCRIBERS `meetingParticipants` subscribers on one meeting while
   JOINS students join; delivery latency p50/p99 from the moment processing of each join began,
   and deliveries missing;
3. daphne's memory per idle subscriber.

Runs against a scratch database `<DATABASE_URL's db>_gql`, dropped and made anew.
Usage: python bench/bench_graphql.py [subscribers] [joins]   (or `make bench`)
       python bench/bench_graphql.py --dashboard-only   (1 alone: a minute, no fan-out)
       python bench/bench_graphql.py --in-process [--profile]   (the dashboard and `me` through
       Django's test client, no HTTP server: CPU ms of the thread, median of 60; cProfile)
"""

import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DJANGO_DEBUG"] = "0"  # as in production: DEBUG records every query
os.environ.setdefault("LIVEROLL_SPARE_SCHEMAS", "0")
os.environ["CHANNELS_PREFIX"] = "liveroll-bench-gql:asgi"
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
parts = urlsplit(base_url)
bench_db = parts.path.lstrip("/") + "_gql"
os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + bench_db))

import psycopg  # noqa: E402

with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{bench_db}"')

import django  # noqa: E402

django.setup()

import websockets  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from attendance.inbox import engine as inbox_engine  # noqa: E402
from attendance.models import AttendanceRecord, ParticipantSession, WebhookEvent  # noqa: E402
from meetings.models import Meeting  # noqa: E402
from tenants import services  # noqa: E402
from tenants.accounts.models import Role  # noqa: E402
from tenants.accounts.services import user_create  # noqa: E402
from tenants.school.services import class_create, class_enrol  # noqa: E402
from tests.support import committed_session, free_port  # noqa: E402

DASHBOARD_ONLY = "--dashboard-only" in sys.argv
IN_PROCESS = "--in-process" in sys.argv
PROFILE = "--profile" in sys.argv
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
SUBSCRIBERS = int(ARGS[0]) if ARGS else 500
JOINS = int(ARGS[1]) if len(ARGS) > 1 else 100
HOST = "bench.localhost"
DASHBOARD = """{ meetings(when: UPCOMING, limit: 20) { totalCount items { id title status
  startTime teacher { name } participants { name role joinedAt } attendance { status } } } }"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


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
        teacher = user_create(email="t@bench.test", password=None, role=Role.TEACHER, name="T")
        students = [
            user_create(email=f"s{i}@bench.test", password=None, role=Role.STUDENT, name=f"S{i}")
            for i in range(30)
        ]
        school_class = class_create(name="Bench class", teachers=[teacher])
        class_enrol(school_class=school_class, students=students)
        start = timezone.now() + timedelta(hours=1)
        meetings = Meeting.objects.bulk_create(
            Meeting(
                school_class=school_class,
                host=teacher,
                title=f"Class {i}",
                start_time=start + timedelta(hours=i),
                zoom_meeting_id=str(9000 + i),
            )
            for i in range(200)
        )
        ParticipantSession.objects.bulk_create(
            ParticipantSession(
                meeting=m,
                participant_key=f"k{j}",
                user=s,
                role="student",
                name=s.name,
                joined_at=m.start_time,
            )
            for m in meetings
            for j, s in enumerate(students)
        )
        AttendanceRecord.objects.bulk_create(
            AttendanceRecord(meeting=m, student=s, computed_status="present")
            for m in meetings
            for s in students
        )
        live = meetings[0]
        Meeting.objects.filter(pk=live.pk).update(status="started", zoom_uuid="bench-uuid==")
        return org, committed_session(teacher), live.pk


def http_post(port, session, body) -> float:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql/",
        data=json.dumps(body).encode(),
        headers={
            "Host": HOST,
            "Content-Type": "application/json",
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken=b" + "x" * 31,
            "X-CSRFToken": "b" + "x" * 31,
            "Origin": f"http://{HOST}",
            "Referer": f"http://{HOST}/",
        },
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local
        payload = json.loads(response.read())
    assert "errors" not in payload, payload
    return (time.perf_counter() - started) * 1000


def http_get(port, path) -> float:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": HOST})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local
        response.read()
    return (time.perf_counter() - started) * 1000


def latencies(fn, runs=200) -> list[float]:
    for _ in range(10):
        fn()  # warm up
    return [fn() for _ in range(runs)]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


FAILURES: list[str] = []


async def subscriber(port, session, meeting_id, ready, received, names):
    """One subscriber; a failure is counted (and reported), not fatal to the run."""
    released = False

    def release():
        nonlocal released
        if not released:
            released = True
            ready.release()

    try:
        await _subscribe(port, session, meeting_id, release, received, names)
    except Exception as exc:  # noqa: BLE001 - reported in the figures
        FAILURES.append(repr(exc)[:120])
    finally:
        release()


async def _subscribe(port, session, meeting_id, release, received, names):
    uri = f"ws://{HOST}:{port}/graphql/"
    async with websockets.connect(
        uri,
        host="127.0.0.1",
        port=port,
        subprotocols=["graphql-transport-ws"],
        origin=f"http://{HOST}:{port}",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"},
        open_timeout=60,
        max_queue=None,
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        await ws.recv()
        query = (
            "subscription($id: ID!) { meetingParticipants(meetingId: $id) "
            "{ kind count participants { name } } }"
        )
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": query, "variables": {"id": str(meeting_id)}},
                }
            )
        )
        first = json.loads(await ws.recv())
        assert first["payload"]["data"]["meetingParticipants"]["kind"] == "SNAPSHOT", first
        release()
        while True:
            message = json.loads(await ws.recv())
            event = message["payload"]["data"]["meetingParticipants"]
            for person in event["participants"]:
                if person["name"] in names:
                    received.append((person["name"], time.perf_counter()))
            if event["kind"] == "JOINED" and event["participants"][0]["name"] == names[-1]:
                return


def play_joins(org, meeting_id, names, sent):
    """What the worker does for each join: store the event, process it (which publishes)."""
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
                            "participant_uuid": f"pu{i}",
                            "join_time": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                        },
                    }
                },
            }
            event = WebhookEvent.objects.create(
                event=body["event"], dedupe_key=f"bench-{i}", zoom_meeting_id="9000", body=body
            )
            sent[name] = time.perf_counter()
            inbox_engine.webhook_event_process(event_id=event.pk)
            time.sleep(0.01)  # a join storm of ~100 a second


async def fan_out(port, session, org, meeting_id) -> dict:
    names = [f"Joiner {i:03d}" for i in range(JOINS)]
    ready = asyncio.Semaphore(0)
    received: list[tuple[str, float]] = []
    tasks = []
    connect_started = time.perf_counter()
    for i in range(SUBSCRIBERS):
        tasks.append(
            asyncio.create_task(subscriber(port, session, meeting_id, ready, received, names))
        )
        if i % 25 == 24:
            # Ramp: every handshake queues for the one database thread, and daphne drops a
            # websocket the app has not accepted within 5 s.
            await asyncio.sleep(1.0)
    for _ in range(SUBSCRIBERS):
        await ready.acquire()
    connect_seconds = time.perf_counter() - connect_started
    rss_idle = rss_kib(DAPHNE.pid)
    sent: dict[str, float] = {}
    thread = threading.Thread(target=play_joins, args=(org, meeting_id, names, sent))
    thread.start()
    done, pending = await asyncio.wait(tasks, timeout=120)
    thread.join()
    for task in pending:
        task.cancel()
    delays = [(at - sent[name]) * 1000 for name, at in received if name in sent]
    return {
        "connect_seconds": connect_seconds,
        "rss_idle_kib": rss_idle,
        "delays": delays,
        "expected": SUBSCRIBERS * JOINS,
        "finished": len(done),
    }


DAPHNE = None


def in_process(session: str) -> None:
    """CPU of this thread per request, the view and schema in process (no server, no socket)."""
    import cProfile
    import pstats

    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    client.cookies[settings.SESSION_COOKIE_NAME] = session

    def cpu_ms(query: str, profiler=None) -> float:
        began = time.thread_time()
        if profiler is not None:
            profiler.enable()
        response = client.post("/graphql/", {"query": query}, content_type="application/json")
        if profiler is not None:
            profiler.disable()
        assert response.status_code == 200 and "errors" not in response.json(), response.content
        return (time.thread_time() - began) * 1000

    for _ in range(10):
        cpu_ms(DASHBOARD)
    profiler = cProfile.Profile() if PROFILE else None
    dashboard = [cpu_ms(DASHBOARD, profiler) for _ in range(60)]
    me = [cpu_ms("{ me { id } }") for _ in range(60)]
    print("\n| in process (60 runs) | CPU ms median | p90 |\n|---|---:|---:|")
    for name, values in (("dashboard", dashboard), ("`{ me { id } }`", me)):
        print(f"| {name} | {statistics.median(values):.1f} | {pct(values, 0.9):.1f} |")
    print(f"\nload average: {Path('/proc/loadavg').read_text().strip()}")
    if profiler is not None:
        # BENCH_SORT (cumulative, tottime…) and BENCH_FILTER (a regular expression of paths)
        stats = pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "tottime"))
        stats.print_stats(os.environ.get("BENCH_FILTER", ""), 30)


def main():
    global DAPHNE
    org, session, live_id = arrange()
    if IN_PROCESS:
        in_process(session)
        return
    port = int(os.environ.get("BENCH_PORT") or free_port())  # BENCH_PORT: daphne's port
    env = dict(os.environ)
    DAPHNE = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "config.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("BENCH_DAPHNE_LOG", os.devnull), "w"),  # noqa: SIM115 - lives as long as daphne
    )
    try:
        for _ in range(100):
            try:
                http_get(port, "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        dashboard = latencies(lambda: http_post(port, session, {"query": DASHBOARD}))
        me = latencies(lambda: http_post(port, session, {"query": "{ me { id } }"}))
        health = latencies(lambda: http_get(port, "/healthz"))
        rss_before = rss_kib(DAPHNE.pid)
        fan = None if DASHBOARD_ONLY else asyncio.run(fan_out(port, session, org, live_id))
    finally:
        DAPHNE.send_signal(signal.SIGTERM)
        DAPHNE.wait(timeout=20)

    print(
        f"\nmachine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; one daphne process"
    )
    print("\n| request (200 runs, sequential) | p50 ms | p95 ms |\n|---|---|---|")
    for name, values in [
        ("dashboard: 20 of 200 meetings, 30 participants each", dashboard),
        ("baseline: `{ me { id } }`", me),
        ("baseline: GET /healthz", health),
    ]:
        print(f"| {name} | {statistics.median(values):.1f} | {pct(values, 0.95):.1f} |")
    print(f"\nload average: {Path('/proc/loadavg').read_text().strip()}")
    if fan is None:
        return
    delays = fan["delays"]
    print(f"\nfan-out: {SUBSCRIBERS} subscribers on one meeting, {JOINS} joins at ~100/s")
    print(
        "| deliveries | expected | missing | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|"
    )
    if delays:
        print(
            f"| {len(delays)} | {fan['expected']} | {fan['expected'] - len(delays)} | "
            f"{statistics.median(delays):.0f} | {pct(delays, 0.99):.0f} | {max(delays):.0f} |"
        )
    if FAILURES:
        print(f"\nsubscribers that failed: {len(FAILURES)} (first: {FAILURES[0]})")
    per_sub = (fan["rss_idle_kib"] - rss_before) / SUBSCRIBERS
    print(
        f"\nsubscribers connected in {fan['connect_seconds']:.1f} s; daphne RSS "
        f"{rss_before / 1024:.0f} MiB before, {fan['rss_idle_kib'] / 1024:.0f} MiB with "
        f"{SUBSCRIBERS} idle subscriptions: {per_sub:.0f} KiB each"
    )


if __name__ == "__main__":
    main()
