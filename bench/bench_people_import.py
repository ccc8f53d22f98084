"""Importing a school's people from one CSV file: 10,000 students in classes, with parents.

The file (made here): 100 teachers (one class each), 6,000 parents, 10,000 students, each student
in 2 of the 100 classes and with 1 or 2 parents (every parent has one to three children in the
file): 16,100 rows. The classes exist beforehand (an import does not make classes).

Measured, each `RUNS` times in a fresh school (medians), in one process (the worker's code is
called directly: no broker):
- the dry run (read, check every row against the school; nothing written);
- the import (the same checks again, then the writes in batches of 500) into the empty school;
- the same file again: its time, and that it changed nothing (created/updated 0, row counts of
  people, enrolments, teachers and parent links the same);
- memory, in a separate pass (tracemalloc slows Python): the peak of Python allocations during
  the dry run and the import at 2,500, 5,000 and 10,000 students (the file grows with them),
  and the process's RSS before and after.

Runs against a scratch database `<DATABASE_URL's db>_pimport_bench`, dropped and made anew.
Usage: python bench/bench_people_import.py [runs]   (default 3; or `make bench`)
"""

import json
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DJANGO_DEBUG"] = "0"  # as in production: DEBUG records every query
os.environ.setdefault("LIVEROLL_SPARE_SCHEMAS", "0")
os.environ["CHANNELS_PREFIX"] = "liveroll-bench-pimport:asgi"
os.environ["DRAMATIQ_NAMESPACE"] = "liveroll-bench-pimport"
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
parts = urlsplit(base_url)
bench_db = parts.path.lstrip("/") + "_pimport_bench"
os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + bench_db))

import psycopg  # noqa: E402

with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{bench_db}"')

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from tenants import services as tenant_services  # noqa: E402
from tenants.accounts.models import User  # noqa: E402
from tenants.people_import.models import PeopleImport  # noqa: E402
from tenants.people_import.services import people_import_dry_run, people_import_run  # noqa: E402
from tenants.school.models import Enrolment, ParentLink, SchoolClass  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
STUDENTS = 10_000
CLASSES = 100
HEADER = "email,name,role,classes,parent_emails\n"


def school_file(students: int) -> str:
    parents = students * 6 // 10
    rows = [HEADER]
    rows += [f"t{c}@bench.test,Teacher {c},teacher,Class {c},\n" for c in range(CLASSES)]
    rows += [f"p{p}@bench.test,Parent {p},parent,,\n" for p in range(parents)]
    for s in range(students):
        classes = f"Class {s % CLASSES};Class {(s * 7 + 3) % CLASSES}"
        mum = f"p{s % parents}@bench.test"
        family = mum if s % 3 else f"{mum};p{(s + 1) % parents}@bench.test"
        rows.append(f"s{s}@bench.test,Student {s},student,{classes},{family}\n")
    return "".join(rows)


def school_make(n: int) -> str:
    org = tenant_services.organisation_onboard(
        name=f"Bench {n}", slug=f"bench{n}", admin_email=f"a@bench{n}.test", admin_password="x" * 16
    )
    with schema_context(org.schema_name):
        SchoolClass.objects.bulk_create(SchoolClass(name=f"Class {c}") for c in range(CLASSES))
    return org.schema_name


def counts() -> tuple[int, int, int, int]:
    return (
        User.objects.count(),
        Enrolment.objects.count(),
        SchoolClass.teachers.through.objects.count(),
        ParentLink.objects.count(),
    )


def import_run(text: str) -> PeopleImport:
    job = PeopleImport.objects.create(csv_text=text)
    result = people_import_run(import_id=job.pk)
    assert result is not None and result.status == "done", result and result.failure
    return result


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    tenant_services.template_migrate()
    text = school_file(STUDENTS)
    rows = text.count("\n") - 1
    body = json.dumps({"query": "mutation($csv: String!) {...}", "variables": {"csv": text}})
    print(
        f"file: {rows:,} rows, {len(text):,} characters; a GraphQL request carrying it: "
        f"{len(body.encode()):,} bytes (Django's DATA_UPLOAD_MAX_MEMORY_SIZE: "
        f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,})"
    )
    print(f"load average before: {os.getloadavg()}")
    dry, first, again = [], [], []
    for n in range(RUNS):
        with schema_context(school_make(n)):
            seconds, plan = timed(lambda: people_import_dry_run(csv_text=text))
            assert plan.count("create") == rows and not plan.errors, plan.errors[:3]
            dry.append(seconds)
            seconds, job = timed(import_run, text)
            first.append(seconds)
            assert (job.created, job.rejected) == (rows, 0), (job.created, job.rejected)
            before = counts()
            seconds, job2 = timed(import_run, text)
            again.append(seconds)
            after = counts()
            print(
                f"run {n + 1}: dry run {dry[-1]:.2f} s, import {first[-1]:.2f} s "
                f"({job.created:,} created), again {again[-1]:.2f} s "
                f"(created {job2.created}, updated {job2.updated}, unchanged {job2.unchanged:,}; "
                f"rows before/after {before} / {after}: {'same' if before == after else 'CHANGED'})"
            )
    print(f"load average after: {os.getloadavg()}")

    def med(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"

    print(f"dry run: {med(dry)}; import: {med(first)}; the same file again: {med(again)}")
    print(f"RSS peak before the memory pass: {rss_mb():.0f} MB")
    for size in (2_500, 5_000, 10_000):
        sized = school_file(size)
        with schema_context(school_make(100 + size)):
            tracemalloc.start()
            people_import_dry_run(csv_text=sized)
            dry_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            import_run(sized)
            import_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        print(
            f"{size:>6,} students ({len(sized) / 1e6:.2f} M characters): Python peak "
            f"dry run {dry_peak / 1e6:.1f} MB, import {import_peak / 1e6:.1f} MB"
        )
    print(f"RSS peak after: {rss_mb():.0f} MB")
    print(f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")


if __name__ == "__main__":
    main()
