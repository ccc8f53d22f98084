"""Many schools: what grows with the number of tenant schemas, and where the wall is.

Creates `--schools` schools (spare pool refilled in bulk with the project's spare_pool_fill,
then organisation_onboard claims them), in two halves, and measures:
  a) `migrate_platform` with nothing to apply at half and at all schools, --jobs 1 vs --jobs 2;
     baseline: Django's `migrate` run in a current schema (what every school cost before);
  b) a throwaway migration adding a column to every school, applied by migrate_platform;
  c) PostgreSQL's catalog (pg_class and pg_attribute rows, catalog bytes, database size) per
     school, against the database before any school;
  d) the first ORM query in a school on a fresh connection against the second, and against the
     public schema; the backend's cache memory (relcache, catcache) per school visited;
  e) a real daphne's RSS after one sign-in page + sign-in on every school's host; baseline: the
     same requests against one school.

All of it in a scratch database `<DATABASE_URL's db>_schools`, made anew and dropped at the end,
with a bench-only app (a temporary package, one model) whose throwaway migration is (b): nothing
is added to the product. Passwords use Django's MD5 hasher here (PBKDF2's 210 ms per school is
measured in bench_onboarding.py, not here).

Usage: python bench/bench_many_schools.py --schools 2000   (about an hour on 2 busy cores)
       python bench/bench_many_schools.py --schools 40     (the quick run: about 2 minutes)
"""

import argparse
import logging
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8140"))
PASSWORD = "bench-password-123"
TEMPLATE = "tenant_template"
PROJECT_REFILL = 10  # spares made by the project's spare_pool_fill in each half, for its rate

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--schools", type=int, default=2000)
parser.add_argument("--sample", type=int, default=200, help="schools visited for (d)")
parser.add_argument("--keep", action="store_true", help="keep the scratch database")
ARGS = parser.parse_args()

# --- the scratch database and the bench-only app ----------------------------------------------

base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
parts = urlsplit(base_url)
BENCH_DB = parts.path.lstrip("/") + "_schools"
ADMIN_URL = urlunsplit(parts._replace(path="/postgres"))
BENCH_URL = urlunsplit(parts._replace(path="/" + BENCH_DB))

TMP = Path(tempfile.mkdtemp(prefix="many_schools_"))
APP = TMP / "schoolsbench"
(APP / "migrations").mkdir(parents=True)
(APP / "__init__.py").write_text("")
(APP / "migrations" / "__init__.py").write_text("")
(APP / "models.py").write_text(
    "from django.db import models\n\n\n"
    "class BenchNote(models.Model):\n    text = models.CharField(max_length=100)\n"
)
(APP / "migrations" / "0001_initial.py").write_text(
    "from django.db import migrations, models\n\n\n"
    "class Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n"
    "    operations = [migrations.CreateModel(name='BenchNote', fields=[\n"
    "        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),\n"
    "        ('text', models.CharField(max_length=100))])]\n"
)
(TMP / "schoolsbench_settings.py").write_text(
    "from config.settings.local import *  # noqa\n"
    "TENANT_APPS = [*TENANT_APPS, 'schoolsbench']\n"
    "INSTALLED_APPS = [*INSTALLED_APPS, 'schoolsbench']\n"
    "PASSWORD_HASHERS = ['django.contrib.auth.hashers.MD5PasswordHasher']\n"
)
COLUMN_MIGRATION = (
    "from django.db import migrations, models\n\n\n"
    "class Migration(migrations.Migration):\n"
    "    dependencies = [('schoolsbench', '0001_initial')]\n"
    "    operations = [migrations.AddField(model_name='benchnote', name='score',\n"
    "        field=models.IntegerField(default=0))]\n"
)

ENV = {
    **os.environ,
    "DATABASE_URL": BENCH_URL,
    "DJANGO_SETTINGS_MODULE": "schoolsbench_settings",
    "PYTHONPATH": f"{TMP}{os.pathsep}{ROOT}",
    "LIVEROLL_SPARE_SCHEMAS": "0",  # the bench fills the pool itself; no refill actor
    "DJANGO_DEBUG": "0",
}
os.environ.update({k: ENV[k] for k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG")})
os.environ["LIVEROLL_SPARE_SCHEMAS"] = "0"
os.environ["DATABASE_POOL"] = "0"
sys.path[:0] = [str(TMP), str(ROOT)]

import psycopg  # noqa: E402

with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{BENCH_DB}"')

import django  # noqa: E402

django.setup()
logging.getLogger("tenants.services").setLevel(logging.WARNING)  # a line per school onboarded

import requests  # noqa: E402
from django.db import connection  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from tenants import services  # noqa: E402
from tenants.models import Organisation  # noqa: E402
from tenants.school.models import SchoolClass  # noqa: E402

rows: list[tuple[str, str, str]] = []  # (measure, value, note)


def row(measure: str, value: str, note: str = "") -> None:
    rows.append((measure, value, note))
    print(f"  {measure}: {value} {note}", flush=True)


def manage(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=ENV,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def catalog() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_attribute),"
            " (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c"
            "  JOIN pg_namespace n ON n.oid = c.relnamespace"
            "  WHERE n.nspname = 'pg_catalog' AND c.relkind = 'r'),"
            " pg_database_size(current_database())"
        )
        pg_class, pg_attribute, catalog_bytes, db_bytes = cursor.fetchone()
    return {
        "pg_class": pg_class,
        "pg_attribute": pg_attribute,
        "catalog_bytes": int(catalog_bytes),
        "db_bytes": db_bytes,
    }


def spares_bulk_make(count: int) -> None:
    """Spare schemas as spare_pool_fill makes them (schema + SPARE row), but from a pg_dump of
    the template replayed with the name changed: the project's clone (a PL/pgSQL walk of the
    catalog) took 5-11 s a schema on this loaded machine, which would make 2,000 take hours."""
    import uuid

    dump = subprocess.run(
        ["pg_dump", "--dbname", BENCH_URL, "-n", TEMPLATE, "--no-owner", "--no-acl", "--inserts"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # psql meta-commands (\restrict in recent pg_dump) are not SQL
    script = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))

    def make(share: int) -> None:
        with psycopg.connect(BENCH_URL, autocommit=True) as conn:
            for _ in range(share):
                token = uuid.uuid4().hex[:12]
                with conn.transaction():
                    conn.execute(script.replace(TEMPLATE, f"spare_{token}"))
                    conn.execute("SET search_path = public")
                    conn.execute(
                        "INSERT INTO tenants_organisation (schema_name, slug, name, status,"
                        " created_at, suspended_reason, admins_require_two_factor, timezone,"
                        " language) VALUES (%s, %s, '(spare)', 'spare', now(), '', false, 'UTC',"
                        " 'en')",
                        [f"spare_{token}", f"spare-{token}"],
                    )

    # two connections: the work is PostgreSQL's, on both cores
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(make, [count // 2, count - count // 2]))


def schools_add(count: int, start: int) -> None:
    cloned = min(count, PROJECT_REFILL)
    started = time.perf_counter()
    services.spare_pool_fill(target=cloned)
    filled = time.perf_counter() - started
    row(
        f"spare_pool_fill (the project's clone), {cloned} schemas",
        f"{filled / cloned * 1000:.0f} ms each",
        f"({cloned / filled:.2f} schemas/s)",
    )
    started = time.perf_counter()
    spares_bulk_make(count - cloned)
    bulk = time.perf_counter() - started
    row(
        f"bench bulk refill (template dump replayed), {count - cloned} schemas",
        f"{bulk / max(1, count - cloned) * 1000:.0f} ms each",
        f"({(count - cloned) / bulk:.2f} schemas/s)",
    )
    started = time.perf_counter()
    for i in range(start, start + count):
        services.organisation_onboard(
            name=f"School {i}",
            slug=f"s{i:05d}",
            admin_email=f"admin@s{i:05d}.test",
            admin_password=PASSWORD,
            admin_email_confirmed=True,
        )
    onboarded = time.perf_counter() - started
    row(
        f"organisation_onboard from the pool, {count} schools",
        f"{onboarded / count * 1000:.0f} ms each",
        f"({count / onboarded:.1f} schools/s; MD5 password hasher)",
    )


def migrate_noop(at: int) -> None:
    for jobs in (1, 2):
        seconds = manage("migrate_platform", "--no-spares", f"--jobs={jobs}")
        row(f"migrate_platform, nothing to apply, {at} schools, --jobs {jobs}", f"{seconds:.1f} s")


def migrate_baseline(sample: list[str], schools: int) -> None:
    """Django's migrate in a current schema, as migrate_schemas ran it in every school."""
    from django.core.management import call_command

    times = []
    for schema in sample:
        started = time.perf_counter()
        call_command(
            "migrate_schemas", schema_name=schema, tenant=True, interactive=False, verbosity=0
        )
        times.append(time.perf_counter() - started)
    connection.set_schema_to_public()
    each = statistics.median(times)
    row(
        "baseline: Django's migrate in one current school",
        f"{each * 1000:.0f} ms",
        f"(median of {len(sample)}; × {schools} schools = {each * schools / 60:.1f} min serial)",
    )


def first_queries(schemas: list[str]) -> None:
    def cache_bytes() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(sum(total_bytes), 0) FROM pg_backend_memory_contexts")
            return int(cursor.fetchone()[0])

    def timed(query) -> float:
        started = time.perf_counter()
        query()
        return (time.perf_counter() - started) * 1000

    connection.close()
    connection.ensure_connection()
    public_first = timed(lambda: list(Organisation.objects.all()[:1]))
    public_second = timed(lambda: list(Organisation.objects.all()[:1]))
    before = cache_bytes()
    first, second = [], []
    for schema in schemas:
        with schema_context(schema):
            first.append(timed(lambda: list(SchoolClass.objects.all()[:1])))
            second.append(timed(lambda: list(SchoolClass.objects.all()[:1])))
    after = cache_bytes()
    row(
        "public schema, fresh connection: 1st / 2nd query",
        f"{public_first:.2f} / {public_second:.2f} ms",
    )
    row(
        f"a school's 1st / 2nd query, one connection visiting {len(schemas)}",
        f"{statistics.median(first):.2f} / {statistics.median(second):.2f} ms",
        "(medians; each 1st includes SET search_path)",
    )
    row(
        "backend memory (relcache, catcache, all contexts) per school visited",
        f"{(after - before) / len(schemas) / 1024:.0f} KiB",
        f"({before / 2**20:.1f} → {after / 2**20:.1f} MiB in one backend)",
    )
    connection.close()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def backends_private_kib() -> int:
    """Private memory (RssAnon: relcache, catcache, plans; not shared buffers) of the database
    backends that serve daphne (every backend of the bench database but this process's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("RssAnon:"):
                total += int(line.split()[1])
    return total


def web_memory(slugs: list[str]) -> None:
    daphne = subprocess.Popen(
        [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(PORT)]
        + ["config.asgi:application"],
        env=ENV,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{PORT}"
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)

        def sign_in(slug: str) -> None:
            session = requests.Session()
            host = {"Host": services.tenant_host(slug)}
            page = session.get(f"{base}/accounts/login/", headers=host, timeout=30)
            assert page.status_code == 200, (slug, page.status_code)
            response = session.post(
                f"{base}/accounts/login/",
                headers={**host, "Referer": f"http://{host['Host']}/accounts/login/"},
                data={
                    "username": f"admin@{slug}.test",
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": session.cookies["csrftoken"],
                },
                allow_redirects=False,
                timeout=30,
            )
            assert response.status_code == 302, (slug, response.status_code)

        sign_in(slugs[0])
        warm = rss_kib(daphne.pid)
        repeats = min(len(slugs), 500)
        for _ in range(repeats):
            sign_in(slugs[0])
        one_school = rss_kib(daphne.pid)
        backends_one = backends_private_kib()
        started = time.perf_counter()
        for slug in slugs:
            sign_in(slug)
        seconds = time.perf_counter() - started
        every_school = rss_kib(daphne.pid)
        backends_every = backends_private_kib()
        row(
            "daphne RSS after one sign-in",
            f"{warm / 1024:.0f} MiB",
        )
        row(
            f"baseline: after {repeats} more sign-ins to one school",
            f"{one_school / 1024:.0f} MiB",
            f"(+{(one_school - warm) / 1024:.1f} MiB)",
        )
        row(
            f"after a sign-in on each of {len(slugs)} schools",
            f"{every_school / 1024:.0f} MiB",
            f"(+{(every_school - one_school) / 1024:.1f} MiB, "
            f"{(every_school - one_school) / len(slugs):.1f} KiB per school; "
            f"{len(slugs) / seconds:.0f} sign-ins/s)",
        )
        row(
            "its database backends' private memory (RssAnon), one school → every school",
            f"{backends_one / 1024:.0f} → {backends_every / 1024:.0f} MiB",
            f"({(backends_every - backends_one) / len(slugs):.1f} KiB per school)",
        )
    finally:
        daphne.send_signal(signal.SIGTERM)
        daphne.wait(timeout=30)


def column_migrate(schools: int, *, name: str, jobs: int, number: int) -> None:
    previous = "0001_initial" if number == 2 else f"{number - 1:04d}_column"
    migration = COLUMN_MIGRATION.replace("0001_initial", previous).replace("'score'", f"'{name}'")
    (APP / "migrations" / f"{number:04d}_column.py").write_text(migration)
    seconds = manage("migrate_platform", "--no-spares", f"--jobs={jobs}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_name = 'schoolsbench_benchnote' AND column_name = %s",
            [name],
        )
        (added,) = cursor.fetchone()
    assert added == schools + 1, (added, schools)  # and the template
    row(
        f"migration adding a column to {schools} schools + template, --jobs {jobs}",
        f"{seconds:.0f} s",
        f"({seconds / (schools + 1) * 1000:.0f} ms a school)",
    )


def main() -> None:
    schools = ARGS.schools
    half = schools // 2
    print(
        f"many schools: {schools} schools, {platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load {Path('/proc/loadavg').read_text().strip()}",
        flush=True,
    )
    started = time.perf_counter()
    manage("migrate_platform", "--no-spares")
    empty = catalog()

    schools_add(half, 0)
    migrate_noop(half)
    schools_add(schools - half, half)
    migrate_noop(schools)
    active = Organisation.objects.filter(status=Organisation.Status.ACTIVE).order_by("slug")
    schemas = list(active.values_list("schema_name", flat=True))
    slugs = list(active.values_list("slug", flat=True))
    migrate_baseline(schemas[:20], schools)

    full = catalog()
    row(
        "catalog per school: pg_class / pg_attribute rows",
        f"{(full['pg_class'] - empty['pg_class']) / schools:.0f} / "
        f"{(full['pg_attribute'] - empty['pg_attribute']) / schools:.0f}",
        f"({full['pg_class']} / {full['pg_attribute']} in all)",
    )
    row(
        "catalog tables / database size per school",
        f"{(full['catalog_bytes'] - empty['catalog_bytes']) / schools / 1024:.0f} / "
        f"{(full['db_bytes'] - empty['db_bytes']) / schools / 1024:.0f} KiB",
        f"(catalog {full['catalog_bytes'] / 2**20:.0f} MiB, database "
        f"{full['db_bytes'] / 2**20:.0f} MiB in all; empty: {empty['db_bytes'] / 2**20:.0f} MiB)",
    )

    first_queries(schemas[: ARGS.sample])
    web_memory(slugs)

    column_migrate(schools, name="score", jobs=2, number=2)
    if schools <= 500:  # the serial baseline doubles the longest step: quick runs only
        column_migrate(schools, name="rank", jobs=1, number=3)
    load = Path("/proc/loadavg").read_text().strip()
    print(f"\ntotal {time.perf_counter() - started:.0f} s; load {load}")
    print("| measure | value | note |\n|---|---|---|")
    for measure, value, note in rows:
        print(f"| {measure} | {value} | {note} |")


if __name__ == "__main__":
    try:
        main()
    finally:
        connection.close()
        shutil.rmtree(TMP, ignore_errors=True)
        if not ARGS.keep:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
