"""`migrate_platform` migrates the schemas that lack a migration, several at once, skips those
that are current, and names any that fail while the others are still migrated."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django_tenants.signals import schema_migrated
from django_tenants.utils import schema_context

from tenants import services
from tenants.models import Organisation
from tenants.schema_migrations import schemas_behind

TEMPLATE = settings.LIVEROLL_TEMPLATE_SCHEMA


pytestmark = pytest.mark.django_db


def _spares_make(count: int) -> list[str]:
    before = set(Organisation.objects.values_list("pk", flat=True))
    have = Organisation.objects.filter(status=Organisation.Status.SPARE).count()
    services.spare_pool_fill(target=have + count)
    return list(
        Organisation.objects.exclude(pk__in=before)
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )


@pytest.fixture
def spares(worlds):
    """Three spare schemas, inside the test's transaction."""
    return _spares_make(3)


def _unapply_latest(schema: str, app: str = "meetings") -> tuple[str, str]:
    """Reverse `app`'s latest migration in `schema` with Django itself: the schema is then
    exactly as when the code gains a migration."""
    with schema_context(schema):
        loader = MigrationLoader(connection)
        (leaf,) = (node for node in loader.graph.leaf_nodes() if node[0] == app)
        (parent,) = (node for node in loader.graph.node_map[leaf].parents if node[0] == app)
        MigrationExecutor(connection).migrate([parent])
    connection.set_schema_to_public()
    return leaf


def _recorded(schema: str, migration: tuple[str, str]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT 1 FROM "{schema}".django_migrations WHERE app = %s AND name = %s', migration
        )
        return cursor.fetchone() is not None


def test_only_the_schemas_behind_are_migrated(spares):
    # given: one school and the template lack the latest migration, the others are current
    latest = _unapply_latest(spares[1])
    _unapply_latest(TEMPLATE)
    assert schemas_behind(schemas=[*spares, TEMPLATE]) == [spares[1], TEMPLATE]
    ran: list[str] = []

    def count(sender, schema_name, **kwargs):
        ran.append(schema_name)

    schema_migrated.connect(count)
    try:
        # when (one at a time, in this process: every schema `migrate` ran in is counted)
        call_command("migrate_platform", jobs=1, no_spares=True, stdout=StringIO())
    finally:
        schema_migrated.disconnect(count)

    # then: `migrate` ran in those two only (the public schema is always migrated)
    assert [schema for schema in ran if schema != "public"] == [spares[1], TEMPLATE]
    assert _recorded(spares[1], latest)
    assert schemas_behind(schemas=[*spares, TEMPLATE]) == []


@pytest.fixture(scope="module")
def parallel_run(worlds, django_db_blocker):
    """migrate_platform --jobs 2 over three committed schools: two behind, and one whose history
    says it has no tables (so `migrate` fails creating the first, which exists). Run here, before
    any test transaction, because forked workers see committed rows only; dropped afterwards."""
    with django_db_blocker.unblock():
        spares = _spares_make(3)
        broken = spares[1]
        try:
            latest = _unapply_latest(spares[0])
            _unapply_latest(spares[2])
            with connection.cursor() as cursor:
                cursor.execute(f'DELETE FROM "{broken}".django_migrations')
            out, err = StringIO(), StringIO()
            with pytest.raises(CommandError) as raised:
                call_command(
                    "migrate_platform",
                    jobs=2,
                    progress_every=1,
                    no_spares=True,
                    stdout=out,
                    stderr=err,
                )
            yield {
                "spares": spares,
                "broken": broken,
                "error": str(raised.value),
                "out": out.getvalue(),
                "err": err.getvalue(),
                "migrated": [s for s in (spares[0], spares[2]) if _recorded(s, latest)],
                "behind": schemas_behind(schemas=spares),
            }
        finally:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                for schema in spares:
                    cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            Organisation.objects.filter(schema_name__in=spares).delete()


def test_parallel_run_names_a_failing_school_and_migrates_the_others(parallel_run):
    spares, broken = parallel_run["spares"], parallel_run["broken"]
    assert parallel_run["error"] == f"1 schema(s) failed to migrate: {broken}"
    assert "3 behind, 2 migrated, 1 failed (2 at a time" in parallel_run["out"]
    assert "tenant schemas migrated: 3/3 (1 failed)" in parallel_run["out"]
    assert f"schema {broken} failed: " in parallel_run["err"]
    assert "already exists" in parallel_run["err"]
    assert parallel_run["migrated"] == [spares[0], spares[2]]
    assert parallel_run["behind"] == [broken]


def test_a_schema_missing_any_migration_record_is_behind(spares):
    with connection.cursor() as cursor:
        # an early migration's record (not a leaf) lost
        cursor.execute(
            f"DELETE FROM \"{spares[0]}\".django_migrations WHERE app = 'auth' AND name LIKE '0001%%'"
        )
        # no record table at all
        cursor.execute(f'DROP TABLE "{spares[1]}".django_migrations')
        # a duplicated record (the table has no unique constraint) changes nothing
        cursor.execute(
            f'INSERT INTO "{spares[2]}".django_migrations (app, name, applied)'
            f' SELECT app, name, applied FROM "{spares[2]}".django_migrations LIMIT 1'
        )

        assert schemas_behind(schemas=spares) == spares[:2]


def test_migrate_jobs_default_comes_from_the_setting(settings):
    from tenants.management.commands.migrate_platform import default_jobs

    settings.LIVEROLL_MIGRATE_JOBS = 3
    assert default_jobs() == 3
