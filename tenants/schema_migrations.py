"""Bringing every tenant schema up to the code's migrations, deploy after deploy.

Django's `migrate` in a schema that is already current still costs about a second here (the
loader reads every migration file, then the post_migrate handlers check every content type and
permission), which is 20 minutes for 1,000 schools before anything is applied. So each schema's
`django_migrations` is first compared with the migration graph (one query per hundred schemas),
and only the schemas that lack a migration are migrated, by forked worker processes.
"""

import multiprocessing
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from tenants.connection import tenant_connection

# Schemas compared in one query: each takes a lock on one table until the query ends, and
# PostgreSQL's lock table is shared by every session (max_locks_per_transaction × connections).
CHECK_BATCH = 100


@dataclass(frozen=True)
class SchemaFailure:
    schema: str
    error: str  # the traceback

    @property
    def summary(self) -> str:
        lines = [line for line in self.error.strip().splitlines() if line.strip()]
        return lines[-1] if lines else "failed"


@dataclass
class MigrationRun:
    checked: int
    behind: list[str]
    migrated: list[str] = field(default_factory=list)
    failed: list[SchemaFailure] = field(default_factory=list)
    seconds: float = 0.0


# (done, total, failed) -> None; called every few seconds and every `progress_every` schemas
Progress = Callable[[int, int, int], None]


def migrations_required() -> frozenset[tuple[str, str]]:
    """Every (app, migration) that `migrate` would have recorded in a current schema: each node
    of the graph, not only the leaves (a schema that lost an early record is behind too), and for
    a squashed migration the ones it replaces, which is what Django records when applying it and
    what its loader looks for."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    required: set[tuple[str, str]] = set()
    for key in loader.graph.nodes:
        replaces = loader.replacements.get(key)
        if replaces is not None:
            required.update(replaces.replaces)
        else:
            required.add(key)
    return frozenset(required)


def schemas_behind(*, schemas: Sequence[str]) -> list[str]:
    """The schemas, of those given, that lack any migration of the code (or its record table)."""
    required = sorted(migrations_required())
    apps = [app for app, _ in required]
    names = [name for _, name in required]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = 'django_migrations' AND c.relkind = 'r' AND n.nspname = ANY(%s)",
            [list(schemas)],
        )
        with_table = {name for (name,) in cursor.fetchall()}
        current: set[str] = set()
        candidates = [schema for schema in schemas if schema in with_table]
        for start in range(0, len(candidates), CHECK_BATCH):
            batch = candidates[start : start + CHECK_BATCH]
            union = " UNION ALL ".join(
                # Schema names quoted, every value bound.
                f"SELECT %s AS schema, app, name FROM {connection.ops.quote_name(schema)}"  # noqa: S608
                ".django_migrations"
                for schema in batch
            )
            # Counted DISTINCT: django_migrations has no unique constraint.
            query = (
                "SELECT r.schema, count(DISTINCT (r.app, r.name))"  # noqa: S608
                f" FROM ({union}) AS r"
                " JOIN unnest(%s::text[], %s::text[]) AS required(app, name)"
                " ON required.app = r.app AND required.name = r.name"
                " GROUP BY r.schema"
            )
            cursor.execute(query, [*batch, apps, names])
            current.update(schema for schema, found in cursor.fetchall() if found == len(required))
    return [schema for schema in schemas if schema not in current]


def schemas_migrate(
    *,
    schemas: Sequence[str],
    jobs: int,
    verbosity: int = 0,
    progress: Progress | None = None,
    progress_seconds: float = 5.0,
    progress_every: int = 100,
) -> MigrationRun:
    """Migrate those of `schemas` that are behind, `jobs` at a time. A schema that fails is
    reported in the result and the others go on."""
    started = time.perf_counter()
    behind = schemas_behind(schemas=schemas)
    run = MigrationRun(checked=len(schemas), behind=behind)
    last_report = time.perf_counter()

    def report(*, force: bool = False) -> None:
        nonlocal last_report
        done = len(run.migrated) + len(run.failed)
        now = time.perf_counter()
        if progress and (force or now - last_report >= progress_seconds):
            progress(done, len(behind), len(run.failed))
            last_report = now

    def record(schema: str, error: str | None) -> None:
        if error is None:
            run.migrated.append(schema)
        else:
            run.failed.append(SchemaFailure(schema=schema, error=error))
        done = len(run.migrated) + len(run.failed)
        report(force=done % progress_every == 0 or done == len(behind))

    if jobs <= 1 or len(behind) <= 1:
        for schema in behind:
            record(*_schema_migrate(schema, verbosity, in_process=True))
        tenant_connection().set_schema_to_public()
    else:
        _parallel(
            behind,
            jobs=jobs,
            verbosity=verbosity,
            record=record,
            idle=report,
            tick=progress_seconds,
        )
    run.seconds = time.perf_counter() - started
    return run


@contextmanager
def recorder_table_lookup() -> Iterator[None]:
    """Django's migration recorder learns whether `django_migrations` exists by listing every
    table (django-tenants: those of the connection's schema), which scans all of pg_class: 0.5 s
    at 2,000 schools, four or five times per schema migrated, so migrating N schools cost O(N²).
    Meanwhile it asks the same question of the catalog's index on names, for the same schema.
    Forked workers inherit it."""
    original = MigrationRecorder.has_table

    def has_table(self: MigrationRecorder) -> bool:
        # _has_table: the recorder's own cache, kept as Django keeps it
        if self._has_table:  # type: ignore[attr-defined]
            return True
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p'))",
                [
                    getattr(self.connection, "schema_name", "public"),
                    self.Migration._meta.db_table,
                ],
            )
            found = bool(cursor.fetchone()[0])
        self._has_table = found  # type: ignore[attr-defined]
        return found

    MigrationRecorder.has_table = has_table  # type: ignore[method-assign]
    try:
        yield
    finally:
        MigrationRecorder.has_table = original  # type: ignore[method-assign]


def _parallel(
    schemas: Iterable[str],
    *,
    jobs: int,
    verbosity: int,
    record: Callable[[str, str | None], None],
    idle: Callable[[], None],
    tick: float,
) -> None:
    # A forked child shares its parent's sockets: the parent's connections, and the psycopg
    # pool with its threads, are closed before forking so no child ever writes to them, and a
    # child drops (never closes) anything it inherited all the same (_child_start).
    connections.close_all()
    for conn in connections.all():
        if getattr(conn, "pool", None) is not None:
            conn.close_pool()  # type: ignore[attr-defined]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_child_start
    ) as pool:
        pending: set[Future[tuple[str, str | None]]] = {
            pool.submit(_schema_migrate, schema, verbosity) for schema in schemas
        }
        while pending:
            done, pending = wait(pending, timeout=tick, return_when=FIRST_COMPLETED)
            for future in done:
                record(*future.result())
            idle()


def _child_start() -> None:
    for conn in connections.all(initialized_only=True):
        conn.connection = None


def _schema_migrate(
    schema: str, verbosity: int, in_process: bool = False
) -> tuple[str, str | None]:
    """`migrate` in one schema, as django-tenants' executors run it. Returns (schema, traceback
    or None); never raises, so that one school's failure stops no other. `in_process`: may run
    inside the caller's transaction (as the standard executor may), which it then leaves open."""
    from django_tenants.migration_executors.base import run_migrations

    options = _migrate_options(
        {
            "verbosity": verbosity,
            "interactive": False,
            "database": DEFAULT_DB_ALIAS,
            # checked once by the command that started the run, not again per schema
            "skip_checks": True,
        }
    )
    try:
        run_migrations([], options, "parallel", schema, allow_atomic=in_process)
    except Exception:  # noqa: BLE001 - reported per schema; the run goes on with the others
        error = traceback.format_exc()
        if not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            connections[DEFAULT_DB_ALIAS].close()  # whatever the failure left, not reused
        return schema, error
    return schema, None


def _migrate_options(overrides: dict[str, object]) -> dict[str, object]:
    """Every option of the migrate command at its default, as `call_command` would give."""
    from django_tenants.utils import get_tenant_base_migrate_command_class

    command = get_tenant_base_migrate_command_class()()
    parser = command.create_parser("manage.py", "migrate")
    options: dict[str, object] = vars(parser.parse_args([]))
    options.update(overrides)
    return options
