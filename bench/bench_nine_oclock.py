"""Nine o'clock: 1,000 students of 30 classes open their personal join links within a minute.

A real daphne (config.asgi) and the Zoom sandbox (`manage.py run_zoom_sandbox`, its own
process) run against a scratch database `<DATABASE_URL's db>_nine` (dropped and made anew) with
one onboarded school whose Zoom is the sandbox (Server-to-Server account), 30 classes and 1,000
students. Each student opens `/join/<token>/` from the email link, not signed in, on a device of
their own (a new connection, no cookie: the first use binds the device), at a random moment of
the minute; the answer must be a 302 to the student's own registrant link on the sandbox.

Scenarios, each on 30 fresh meetings (one per class, starting in two minutes):
- registered: the worker registered everyone beforehand (done here, before the minute);
- on the fly: nobody is registered yet; each join registers its student at the sandbox, with
  the sandbox limiting the account to 30 requests/s (Zoom Pro's "light" limit) and the platform's
  own Redis token bucket at its defaults;
- and the same arrivals against `GET /healthz` (Django's cheapest path) as a baseline.

Measured: redirect latency p50 / p99 / max, errors (anything but the right 302), joins audited
(`join.redirected` rows), students registered at Zoom during the minute, Zoom 429s the platform
saw, daphne CPU. The median of the runs is printed as a table.

Usage: python bench/bench_nine_oclock.py [runs] [students] [seconds]
       (default 3 runs of 1,000 students over 60 s; fewer only to check that it works)
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
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("LIVEROLL_SPARE_SCHEMAS", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")
NAMESPACE = "liveroll-bench-nine"
os.environ["DRAMATIQ_NAMESPACE"] = NAMESPACE
os.environ["CHANNELS_PREFIX"] = NAMESPACE


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SANDBOX_PORT = free_port()
SANDBOX = f"http://127.0.0.1:{SANDBOX_PORT}"
os.environ["ZOOM_SANDBOX_PORT"] = str(SANDBOX_PORT)
os.environ["ZOOM_SANDBOX_URL"] = SANDBOX  # the settings allow it as a stand-in for Zoom
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
parts = urlsplit(base_url)
nine_db = parts.path.lstrip("/") + "_nine"
os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + nine_db))

import psycopg  # noqa: E402

with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{nine_db}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{nine_db}"')

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from devtools.management.commands.seed_demo import seed_zoom_settings  # noqa: E402
from meetings import services as meeting_services  # noqa: E402
from meetings.joining.links import join_path  # noqa: E402
from meetings.models import Registrant  # noqa: E402
from tenants import services  # noqa: E402
from tenants.accounts.models import Role, User  # noqa: E402
from tenants.accounts.services import user_create  # noqa: E402
from tenants.audit.models import AuditEntry  # noqa: E402
from tenants.school.models import Enrolment, SchoolClass  # noqa: E402
from tenants.school.services import class_create  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
STUDENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
SECONDS = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
CLASSES = 30
TEACHERS = 6
SANDBOX_RPS = 30  # Zoom Pro, "light" requests per second per account
SLUG = "nine"
HOST = f"{SLUG}.localhost"
LOAD_AT_START = os.getloadavg()
LOGS = Path("/tmp")


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


# --- processes ---------------------------------------------------------------------------------


def start(command: list[str], name: str, env: dict) -> subprocess.Popen:
    log = open(LOGS / f"bench_nine_oclock.{name}.log", "w")  # noqa: SIM115 - lives with it
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_http(url: str, what: str, headers: dict | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start: see {LOGS}/bench_nine_oclock.*.log")


def sandbox_config(**data) -> None:
    request = urllib.request.Request(
        f"{SANDBOX}/_sandbox/config",
        data=json.dumps(data).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).close()  # noqa: S310 - loopback


def redis_flush() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    for pattern in (f"{NAMESPACE}*", "liveroll:throttle:join.*", "liveroll:zoom:ratelimit:nine*"):
        for key in client.scan_iter(match=pattern, count=1000):
            client.delete(key)


# --- the school --------------------------------------------------------------------------------


@dataclass
class School:
    schema: str
    teachers: list[int]
    classes: list[int]


def school_setup() -> School:
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    services.template_migrate()
    org = services.organisation_onboard(
        name="Nine O'Clock School",
        slug=SLUG,
        admin_email=f"admin@{SLUG}.test",
        admin_password="bench-password-123",
        onboarded_by="bench",
    )
    with schema_context(org.schema_name):
        seed_zoom_settings(sandbox=SANDBOX, webhook_secret="nine-webhook-secret")
        teachers = [
            user_create(email=f"t{i}@{SLUG}.test", password=None, role=Role.TEACHER, name=f"T {i}")
            for i in range(TEACHERS)
        ]
        students = User.objects.bulk_create(
            User(email=f"s{i:04d}@{SLUG}.test", name=f"Student {i:04d}", role=Role.STUDENT)
            for i in range(STUDENTS)
        )
        classes = [
            class_create(name=f"Class {c:02d}", teachers=[teachers[c % TEACHERS]])
            for c in range(CLASSES)
        ]
        Enrolment.objects.bulk_create(
            Enrolment(school_class=classes[i % CLASSES], student=s) for i, s in enumerate(students)
        )
    return School(org.schema_name, [t.pk for t in teachers], [c.pk for c in classes])


def meetings_make(school: School, label: str, classes: list[int] | None = None) -> dict[int, int]:
    """One meeting per class on the sandbox, starting in two minutes: {class id: meeting id}."""
    made = {}
    with schema_context(school.schema):
        for n, class_id in enumerate(school.classes if classes is None else classes):
            school_class = SchoolClass.objects.get(pk=class_id)
            teacher = school_class.teachers.get()
            meeting = meeting_services.meeting_schedule(
                actor=teacher,
                school_class=school_class,
                title=f"{label} {n:02d}",
                start_time=timezone.now() + timedelta_minutes(2),
            )
            made[class_id] = meeting.pk
    return made


def timedelta_minutes(minutes: float):
    from datetime import timedelta

    return timedelta(minutes=minutes)


def register_all(school: School, meetings: dict[int, int]) -> int:
    """What the worker does beforehand, here and fast (the platform's limiter opened up)."""
    settings.ZOOM_RATE_LIMITS = {"light": 5000.0, "medium": 5000.0, "heavy": 5000.0}
    try:
        with schema_context(school.schema):
            report = meeting_services.registrants_sync(meeting_ids=list(meetings.values()))
    finally:
        del settings.ZOOM_RATE_LIMITS
    if report.failed or report.deferred:
        raise RuntimeError(f"registration failed: {report.failed[:3]} deferred={report.deferred}")
    return report.registered


@dataclass
class Visit:
    path: str
    expect: str  # the Location prefix a right answer carries ("" for the baseline)
    due: float = 0.0
    latency: float = 0.0
    status: int = 0
    location: str = ""
    error: str = ""


def plan_for(school: School, meetings: dict[int, int]) -> list[Visit]:
    visits = []
    with schema_context(school.schema):
        rows = Enrolment.objects.filter(school_class_id__in=meetings).values_list(
            "school_class_id", "student_id"
        )
        for class_id, student_id in rows:
            path = join_path(meeting_id=meetings[class_id], kind="u", subject_id=student_id)
            visits.append(Visit(path=path, expect=f"{SANDBOX}/w/"))
    return visits


def arrivals(visits: list[Visit], seconds: float, seed: int) -> None:
    """Each visit at a uniformly random moment of the window (a Poisson-like minute)."""
    rng = random.Random(seed)
    for visit in visits:
        visit.due = rng.uniform(0, seconds)


# --- load --------------------------------------------------------------------------------------


async def visit_once(port: int, visit: Visit) -> None:
    """One student's device: a new connection, no cookie, the link opened once."""
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET {visit.path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
        )
        raw = await reader.read()
        writer.close()
    except OSError as exc:
        visit.error = f"connection: {exc}"
        return
    visit.latency = time.perf_counter() - started
    head = raw.split(b"\r\n\r\n", 1)[0].decode(errors="replace").split("\r\n")
    visit.status = int(head[0].split()[1])
    for line in head[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "location":
            visit.location = value.strip()
    if visit.expect and not (visit.status == 302 and visit.location.startswith(visit.expect)):
        visit.error = f"{visit.status} {visit.location[:40]}"
    elif not visit.expect and visit.status != 200:
        visit.error = str(visit.status)


async def drive(port: int, visits: list[Visit]) -> float:
    began = time.monotonic()

    async def one(visit: Visit) -> None:
        await asyncio.sleep(max(0.0, began + visit.due - time.monotonic()))
        await visit_once(port, visit)

    await asyncio.gather(*(one(v) for v in visits))
    return time.monotonic() - began


def zoom_429s() -> int:
    log = (LOGS / "bench_nine_oclock.daphne.log").read_text(errors="replace")
    return log.count("status=429")


def scenario(
    port: int, daphne_pid: int, school: School, visits: list[Visit], meetings: dict[int, int]
) -> dict:
    audited_before = registered_before = 0
    if meetings:
        with schema_context(school.schema):
            audited_before = AuditEntry.objects.filter(action="join.redirected").count()
            registered_before = Registrant.objects.filter(
                meeting_id__in=meetings.values(), status=Registrant.Status.REGISTERED
            ).count()
    limited_before = zoom_429s()
    cpu_before = cpu_seconds(daphne_pid)
    elapsed = asyncio.run(drive(port, visits))
    cpu = cpu_seconds(daphne_pid) - cpu_before
    if os.environ.get("BENCH_DUMP"):  # (due s, latency ms, status) per visit, for a closer look
        with open(os.environ["BENCH_DUMP"], "a") as dump:
            for v in sorted(visits, key=lambda v: v.due):
                dump.write(f"{len(visits)} {v.due:.3f} {v.latency * 1000:.1f} {v.status}\n")
    latencies = [v.latency * 1000 for v in visits if not v.error]
    errors = [v.error for v in visits if v.error]
    figures = {
        "requests": len(visits),
        "elapsed_s": elapsed,
        "p50_ms": pct(latencies, 50),
        "p99_ms": pct(latencies, 99),
        "max_ms": max(latencies) if latencies else None,
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:3],
        "daphne_cpu_ms_per_request": cpu / len(visits) * 1000,
        "zoom_429s": zoom_429s() - limited_before,
    }
    if meetings:
        with schema_context(school.schema):
            figures["audited"] = (
                AuditEntry.objects.filter(action="join.redirected").count() - audited_before
            )
            figures["registered_during"] = (
                Registrant.objects.filter(
                    meeting_id__in=meetings.values(), status=Registrant.Status.REGISTERED
                ).count()
                - registered_before
            )
    return figures


def warm_up(port: int, school: School) -> None:
    """A few joins (registered on the fly) before measuring: imports, connection pools and
    the account's Zoom token are ready afterwards, as on a server that has been up a while."""
    sandbox_config(rate_limit_per_second=None)
    meetings = meetings_make(school, "warm-up", classes=school.classes[:1])
    visits = plan_for(school, meetings)[:10]
    asyncio.run(drive(port, visits))
    failed = [v.error for v in visits if v.error]
    if failed:
        raise RuntimeError(f"warm-up joins failed: {failed[:3]}")


def one_run(port: int, daphne_pid: int, school: School, run: int) -> dict:
    results = {}
    sandbox_config(rate_limit_per_second=None)
    registered = meetings_make(school, f"run{run} registered")
    register_all(school, registered)
    visits = plan_for(school, registered)
    arrivals(visits, SECONDS, seed=run)
    results["registered"] = scenario(port, daphne_pid, school, visits, registered)

    on_the_fly = meetings_make(school, f"run{run} on the fly")
    sandbox_config(rate_limit_per_second=SANDBOX_RPS)
    visits = plan_for(school, on_the_fly)
    arrivals(visits, SECONDS, seed=1000 + run)
    results["on the fly"] = scenario(port, daphne_pid, school, visits, on_the_fly)
    sandbox_config(rate_limit_per_second=None)

    baseline = [Visit(path="/healthz", expect="") for _ in range(STUDENTS)]
    arrivals(baseline, SECONDS, seed=2000 + run)
    results["baseline"] = scenario(port, daphne_pid, school, baseline, {})
    for name, figures in results.items():
        print(f"run {run + 1} {name}: {json.dumps(figures, default=str)}", flush=True)
    return results


# --- report ------------------------------------------------------------------------------------


def median_of(runs: list[dict], scenario_name: str, key: str):
    values = [r[scenario_name].get(key) for r in runs]
    values = [v for v in values if isinstance(v, int | float)]
    return statistics.median(values) if values else None


def fmt(value, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


ROWS = [
    ("answer p50 / p99 / max ms", ("p50_ms", "p99_ms", "max_ms"), 1),
    ("errors (anything but the student's own 302)", ("errors",), 0),
    ("joins audited (`join.redirected`)", ("audited",), 0),
    ("students registered at Zoom during the minute", ("registered_during",), 0),
    ("Zoom 429s the platform saw", ("zoom_429s",), 0),
    ("daphne CPU ms per request", ("daphne_cpu_ms_per_request",), 1),
]
SCENARIOS = ("registered", "on the fly", "baseline")


def report(runs: list[dict]) -> None:
    print(
        f"\nNine o'clock: {STUDENTS} students of {CLASSES} classes open their join links at random"
        f" moments of {SECONDS:.0f} s (each a new connection, no cookie: the email link on a"
        f" first device); median of {len(runs)} runs. on the fly: the sandbox limits the account"
        f" to {SANDBOX_RPS} requests/s. baseline: GET /healthz at the same moments."
    )
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; one daphne process, the sandbox and the load"
        f" generator on the same machine; load average at the start {LOAD_AT_START[0]:.1f},"
        f" at the end {os.getloadavg()[0]:.1f} (other work on the machine adds noise)"
    )
    print("\n| figure | " + " | ".join(SCENARIOS) + " |")
    print("|---|" + "---|" * len(SCENARIOS))
    for label, keys, digits in ROWS:
        cells = [" / ".join(fmt(median_of(runs, s, k), digits) for k in keys) for s in SCENARIOS]
        print(f"| {label} | " + " | ".join(cells) + " |")
    for name in ("registered", "on the fly"):
        p99s = " / ".join(fmt(r[name]["p99_ms"], 1) for r in runs)
        print(f"\n{name}: p99 of each run {p99s} ms", end="")
    print()


def main() -> None:
    env = dict(os.environ)
    python = sys.executable
    sandbox = start(
        [python, "manage.py", "run_zoom_sandbox", "--port", str(SANDBOX_PORT)], "sandbox", env
    )
    processes = [sandbox]
    try:
        wait_http(f"{SANDBOX}/", "the sandbox")
        sandbox_config(meeting_create_daily_limit=1_000_000)  # 60 meetings a run
        school = school_setup()
        redis_flush()
        port = free_port()
        daphne = start(
            [python, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            "daphne",
            env,
        )
        processes.append(daphne)
        wait_http(f"http://127.0.0.1:{port}/healthz", "daphne", {"Host": "localhost"})
        warm_up(port, school)
        runs = [one_run(port, daphne.pid, school, run) for run in range(RUNS)]
    finally:
        for process in reversed(processes):
            stop(process)
        redis_flush()
    report(runs)


if __name__ == "__main__":
    main()
