"""The audit log's retention purge over a school with 1,000,000 audit entries.

The school's audit log holds ENTRIES rows spread evenly over the last 365 days (each with an IP
hash, an actor label and a small JSON body, like the entries the platform writes), bulk-loaded
with one INSERT … SELECT FROM generate_series, oldest first (the order a real log is written in,
so the oldest entries fill the table's first pages). The purge (tenants.lifecycle.services.
audit_entries_purge, the default 90 days) deletes about three quarters of them in batches of
PURGE_BATCH rows, each its own transaction.

Measured, in one process:
- the table's size (pg_total_relation_size: heap, indexes and TOAST) before;
- the purge: time, rows deleted, batches, and the slowest batch (how long one transaction
  holds its row locks);
- the size right after the purge, after a plain VACUUM (what autovacuum does: the space becomes
  reusable, the file keeps its size) and after VACUUM FULL (the table rewritten: the size drops);
- baseline: the same purge run again with nothing left to delete.

Runs against a scratch database `<DATABASE_URL's db>_retention`, dropped and made anew.
Usage: python bench/bench_retention.py [entries]   (default 1000000; or `make bench`)
"""

import os
import platform
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DJANGO_DEBUG"] = "0"  # as in production: DEBUG records every query
os.environ.setdefault("LIVEROLL_SPARE_SCHEMAS", "0")
os.environ["CHANNELS_PREFIX"] = "liveroll-bench-retention:asgi"
os.environ["DRAMATIQ_NAMESPACE"] = "liveroll-bench-retention"
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
parts = urlsplit(base_url)
bench_db = parts.path.lstrip("/") + "_retention"
os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + bench_db))

import psycopg  # noqa: E402

with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{bench_db}"')

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from tenants import services as tenant_services  # noqa: E402
from tenants.lifecycle import services  # noqa: E402

ENTRIES = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
TABLE = "audit_auditentry"


def arrange() -> str:
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    tenant_services.template_migrate()
    org = tenant_services.organisation_onboard(
        name="Bench", slug="bench", admin_email="a@bench.test", admin_password="x" * 16
    )
    with schema_context(org.schema_name), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {TABLE}
                (created_at, actor_label, action, target_type, target_id, ip_hash, details)
            SELECT now() - ((%s - i)::float / %s) * interval '365 days',
                   'teacher' || (i %% 250) || '@bench.test',
                   (ARRAY['user.login', 'meeting.scheduled', 'zoom.webhook.refused',
                          'attendance.override'])[1 + i %% 4],
                   'meetings.meeting', (i %% 5000)::text,
                   md5(i::text) || md5((i * 7)::text),
                   jsonb_build_object('meeting', i %% 5000, 'via', 'api')
            FROM generate_series(1, %s) AS i
            """,
            [ENTRIES, ENTRIES, ENTRIES],
        )
        cursor.execute(f"ANALYZE {TABLE}")
    return org.schema_name


def size() -> tuple[int, int, int]:
    """(total, heap, indexes) of the audit table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_total_relation_size(%s::regclass), pg_relation_size(%s::regclass),"
            " pg_indexes_size(%s::regclass)",
            [TABLE, TABLE, TABLE],
        )
        total, heap, indexes = cursor.fetchone()
        return int(total), int(heap), int(indexes)


def count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return int(cursor.fetchone()[0])


def mb(sizes: tuple[int, int, int]) -> str:
    total, heap, indexes = (f"{n / 1_048_576:.1f}" for n in sizes)
    return f"{total} MB (heap {heap}, indexes {indexes})"


def main() -> None:
    started = time.perf_counter()
    schema = arrange()
    print(f"arranged {ENTRIES:,} entries in {time.perf_counter() - started:.1f} s")
    batch_times: list[float] = []

    def timed_deletes(execute, sql, params, many, context):
        # Each DELETE is one batch (one transaction): how long it holds its row locks.
        if not sql.lstrip().startswith("DELETE"):
            return execute(sql, params, many, context)
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            batch_times.append(time.perf_counter() - t0)

    with schema_context(schema):
        rows_before, size_before = count(), size()

        with connection.execute_wrapper(timed_deletes):
            t0 = time.perf_counter()
            deleted = services.audit_entries_purge()
            purge_seconds = time.perf_counter() - t0

        rows_after, size_after = count(), size()
        t0 = time.perf_counter()
        services.audit_entries_purge()
        baseline_seconds = time.perf_counter() - t0

        connection.ensure_connection()
        with connection.cursor() as cursor:
            t0 = time.perf_counter()
            cursor.execute(f"VACUUM {TABLE}")
            vacuum_seconds = time.perf_counter() - t0
        size_vacuum = size()
        with connection.cursor() as cursor:
            t0 = time.perf_counter()
            cursor.execute(f"VACUUM FULL {TABLE}")
            full_seconds = time.perf_counter() - t0
        size_full = size()

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}"
    )
    print(f"load average at the end (1, 5, 15 min): {os.getloadavg()}")
    print(f"rows before {rows_before:,}, deleted {deleted:,}, after {rows_after:,}")
    print(
        f"purge: {purge_seconds:.2f} s ({deleted / purge_seconds:,.0f} rows/s), "
        f"{len(batch_times)} batches of ≤{services.PURGE_BATCH}, "
        f"slowest batch {max(batch_times) * 1000:.0f} ms, "
        f"median {sorted(batch_times)[len(batch_times) // 2] * 1000:.0f} ms"
    )
    print(f"baseline (nothing to delete): {baseline_seconds * 1000:.0f} ms")
    print(f"size before:            {mb(size_before)}")
    print(f"size after purge:       {mb(size_after)}")
    print(f"size after VACUUM:      {mb(size_vacuum)}  ({vacuum_seconds:.2f} s)")
    print(f"size after VACUUM FULL: {mb(size_full)}  ({full_seconds:.2f} s)")


if __name__ == "__main__":
    main()
