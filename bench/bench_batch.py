"""One processing batch in process: the worker's CPU and SQL statements for a batch of
single joins (the common batch in a rush) and of 20 joins, in a real school schema, with the
real engine (attendance.inbox.engine) and Redis for its realtime messages.

Runs against a scratch database `<DATABASE_URL's db>_batch`, dropped and made anew.
Usage: python bench/bench_batch.py [batches]          (default 60 single-join batches)
       python bench/bench_batch.py 60 --profile       (and cProfile's top functions)
"""

import cProfile
import os
import platform
import pstats
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DJANGO_DEBUG"] = "0"  # as in production: DEBUG records every query
os.environ.setdefault("LIVEROLL_SPARE_SCHEMAS", "0")
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
parts = urlsplit(base_url)
bench_db = parts.path.lstrip("/") + "_batch"
os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + bench_db))

import psycopg  # noqa: E402

with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{bench_db}"')

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from attendance.inbox import engine  # noqa: E402
from attendance.models import WebhookEvent  # noqa: E402
from meetings.models import Meeting  # noqa: E402
from tenants import services  # noqa: E402
from tenants.accounts.models import Role  # noqa: E402
from tenants.accounts.services import user_create  # noqa: E402
from tenants.school.services import class_create, class_enrol  # noqa: E402

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
BATCHES = int(ARGS[0]) if ARGS else 60
PROFILE = "--profile" in sys.argv
ZOOM_ID = "86000000001"
UUID = "batch-uuid=="
STUDENTS = 30


def arrange() -> str:
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    services.template_migrate()
    org = services.organisation_onboard(
        name="Batch",
        slug="batch",
        admin_email="a@batch.test",
        admin_password="x" * 16,
        admin_email_confirmed=True,
    )
    with schema_context(org.schema_name):
        teacher = user_create(email="t@batch.test", password=None, role=Role.TEACHER, name="T")
        students = [
            user_create(email=f"s{i}@batch.test", password=None, role=Role.STUDENT, name=f"S{i}")
            for i in range(STUDENTS)
        ]
        school_class = class_create(name="Batch class", teachers=[teacher])
        class_enrol(school_class=school_class, students=students)
        Meeting.objects.create(
            school_class=school_class,
            host=teacher,
            title="Batch",
            start_time=timezone.now() - timedelta(minutes=5),
            duration_minutes=60,
            status=Meeting.Status.STARTED,
            zoom_meeting_id=ZOOM_ID,
            zoom_uuid=UUID,
            zoom_account=Meeting.Account.USER,
        )
    return org.schema_name


def join(n: int) -> WebhookEvent:
    """A join as the intake stores it; every third participant types a student's email."""
    at = timezone.now()
    participant = {
        "user_id": str(16_000_000 + n),
        "user_name": f"Student {n:05d}",
        "id": f"zid{n:05d}",
        "participant_uuid": f"{UUID}-p{n:05d}",
        "join_time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "email": f"s{n % STUDENTS}@batch.test" if n % 3 == 0 else "",
    }
    body = {
        "event": "meeting.participant_joined",
        "event_ts": int(at.timestamp() * 1000),
        "payload": {
            "account_id": "acct",
            "object": {
                "id": ZOOM_ID,
                "uuid": UUID,
                "host_id": "batch-host",
                "topic": "Batch",
                "type": 2,
                "start_time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "timezone": "UTC",
                "duration": 60,
                "participant": participant,
            },
        },
    }
    return WebhookEvent(
        dedupe_key=f"batch-{n}",
        event=body["event"],
        event_ts=body["event_ts"],
        zoom_meeting_id=ZOOM_ID,
        zoom_uuid=UUID,
        body=body,
    )


def run(size: int, batches: int, first: int, profiler: cProfile.Profile | None):
    """`batches` batches of `size` joins each: CPU ms of this thread and statements, per batch."""
    cpu, statements = [], []
    n = first
    for _ in range(batches):
        events = WebhookEvent.objects.bulk_create([join(n + i) for i in range(size)])
        n += size
        with CaptureQueriesContext(connection) as captured:
            began = time.thread_time()
            if profiler is not None:
                profiler.enable()
            engine.webhook_event_process(event_id=events[0].pk)
            if profiler is not None:
                profiler.disable()
            cpu.append((time.thread_time() - began) * 1000)
        statements.append(len(captured.captured_queries))
        assert not WebhookEvent.objects.filter(status=WebhookEvent.Status.PENDING).exists()
    return cpu, statements, n


def main() -> None:
    schema = arrange()
    profiler = cProfile.Profile() if PROFILE else None
    with schema_context(schema):
        _, _, n = run(1, 10, 0, None)  # warm-up: connections, caches, first plans
        single_cpu, single_sql, n = run(1, BATCHES, n, profiler)
        if "--sql" in sys.argv:  # the statements of one more single-join batch
            with CaptureQueriesContext(connection) as captured:
                run(1, 1, n, None)
                n += 1
            for query in captured.captured_queries:
                print(query["sql"][:300])
        twenty_cpu, twenty_sql, n = run(20, max(5, BATCHES // 6), n, None)
    print(
        f"\nmachine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {n} participants in one meeting at the end"
    )
    print("\n| batch | worker CPU ms, median (p90) | SQL statements |\n|---|---:|---:|")
    for name, cpu, sql in [
        (f"1 join ({BATCHES} batches)", single_cpu, single_sql),
        (f"20 joins ({len(twenty_cpu)} batches)", twenty_cpu, twenty_sql),
    ]:
        p90 = sorted(cpu)[int(0.9 * (len(cpu) - 1))]
        median = statistics.median(cpu)
        print(f"| {name} | {median:.2f} ({p90:.2f}) | {statistics.median(sql):.0f} |")
    print(f"\nload average: {Path('/proc/loadavg').read_text().strip()}")
    if profiler is not None:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
