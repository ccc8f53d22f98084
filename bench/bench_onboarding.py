"""Tenant onboarding time: sign-up request to a tenant that can log in, three ways, same run.

Each goes through the sign-up page (form, organisation, domain, admin user with its password
hash) and is checked by logging in; only the way the schema is made differs:
- migrate: CREATE SCHEMA + every tenant migration (django-tenants' default way)
- clone:   an empty spare pool, so the migrated template is cloned
- spare:   spare schemas ready, so one is renamed

Runs against a scratch database `<DATABASE_URL's db>_bench`, dropped and made anew.
Usage: python bench/bench_onboarding.py [runs]   (or `make bench`)
"""

import os
import platform
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ.setdefault("LIVEROLL_SPARE_SCHEMAS", "0")  # the bench fills spares itself
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
parts = urlsplit(base_url)
bench_db = parts.path.lstrip("/") + "_bench"
os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + bench_db))

import psycopg  # noqa: E402

with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{bench_db}"')

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from tenants import services  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
PASSWORD = "bench-password-123"


def signup(slug: str) -> float:
    client = Client(HTTP_HOST="localhost")
    started = time.perf_counter()
    response = client.post(
        "/",
        {
            "school_name": f"School {slug}",
            "slug": slug,
            "admin_email": f"admin@{slug}.test",
            "password": PASSWORD,
        },
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.content[:500]
    tenant = Client(HTTP_HOST=services.tenant_host(slug))
    login = tenant.post(
        "/accounts/login/", {"username": f"admin@{slug}.test", "password": PASSWORD}
    )
    assert login.status_code == 302, f"{slug}: admin cannot log in"
    return elapsed


def make_schema_by_migrating(schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema}"')
    call_command("migrate_schemas", schema_name=schema, tenant=True, interactive=False, verbosity=0)
    connection.set_schema_to_public()


def signup_by_migrating(slug: str) -> float:
    clone = services._clone_template
    services._clone_template = make_schema_by_migrating
    try:
        return signup(slug)
    finally:
        services._clone_template = clone


def summary(name: str, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    return f"| {name} | {len(ms)} | {statistics.median(ms):.0f} | {ms[0]:.0f} | {ms[-1]:.0f} |"


def main() -> None:
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    services.template_migrate()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
            [os.environ.get("LIVEROLL_TEMPLATE_SCHEMA", "tenant_template")],
        )
        tables = cursor.fetchone()[0]

    results = {"migrate": [], "clone": [], "spare": []}
    fill_started = time.perf_counter()
    services.spare_pool_fill(target=RUNS)
    fill_seconds = time.perf_counter() - fill_started
    # Migration-based creation runs between the sign-ups, so that drift on a noisy machine
    # touches every method alike.
    for i in range(RUNS):  # spares ready: each sign-up renames one
        results["spare"].append(signup(f"renamed{i}"))
        results["migrate"].append(signup_by_migrating(f"migrated{i}"))
    for i in range(RUNS):  # the pool is empty now: each sign-up clones the template
        results["clone"].append(signup(f"cloned{i}"))
        results["migrate"].append(signup_by_migrating(f"migratedb{i}"))

    print(f"\nTenant onboarding, {RUNS} runs each, {tables} tables per tenant schema")
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print("\n| method | runs | median ms | min ms | max ms |\n|---|---|---|---|---|")
    for name in ("migrate", "clone", "spare"):
        print(summary(name, results[name]))
    print(f"\nfilling {RUNS} spares in the background took {fill_seconds:.1f} s")


if __name__ == "__main__":
    main()
