import os
import traceback
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import get_public_schema_name, schema_exists

from tenants import services
from tenants.models import Organisation
from tenants.schema_migrations import schemas_behind, schemas_migrate


def default_jobs() -> int:
    return settings.LIVEROLL_MIGRATE_JOBS or len(os.sched_getaffinity(0)) or 1


class Command(BaseCommand):
    help = (
        "Deploy-time migration: the public schema, every tenant and spare schema that lacks a "
        "migration (several at once), then the template that new tenants are cloned from, then "
        "the pool of spare schemas. Exits non-zero, naming them, if any schema failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-spares", action="store_true", help="Do not refill spares.")
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="Schemas migrated at once (default: MIGRATE_JOBS, else the CPU count).",
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=100,
            help="Print progress after this many schemas (and every 5 seconds).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity: int = options["verbosity"]
        jobs: int = options["jobs"] or default_jobs()
        # The per-schema `migrate` output only at -v 2: at 1, a line per school drowns the rest.
        schema_verbosity = max(0, verbosity - 1)
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=schema_verbosity)
        self.stdout.write("public schema is current")

        tenant_schemas = list(
            Organisation.objects.exclude(schema_name=get_public_schema_name())
            .order_by("schema_name")
            .values_list("schema_name", flat=True)
        )
        run = schemas_migrate(
            schemas=tenant_schemas,
            jobs=jobs,
            verbosity=schema_verbosity,
            progress=self._progress,
            progress_every=options["progress_every"],
        )
        self.stdout.write(
            f"tenant schemas: {run.checked} checked, {len(run.behind)} behind, "
            f"{len(run.migrated)} migrated, {len(run.failed)} failed "
            f"({jobs} at a time, {run.seconds:.1f} s)"
        )
        # (schema, one line, traceback)
        failed = [(f.schema, f.summary, f.error) for f in run.failed]

        template = settings.LIVEROLL_TEMPLATE_SCHEMA
        if schema_exists(template) and not schemas_behind(schemas=[template]):
            self.stdout.write("template schema is current")
        else:
            try:
                services.template_migrate(verbosity=schema_verbosity)
            except Exception as exc:  # noqa: BLE001 - reported with the others below
                failed.append((template, repr(exc), traceback.format_exc()))
            else:
                self.stdout.write("template schema migrated")

        if failed:
            for schema, summary, error in failed:
                self.stderr.write(f"schema {schema} failed: {error if verbosity > 1 else summary}")
            names = ", ".join(schema for schema, _, _ in failed)
            # No spares from a template that may be half-migrated: the pool refills next time.
            raise CommandError(f"{len(failed)} schema(s) failed to migrate: {names}")
        if not options["no_spares"]:
            made = services.spare_pool_fill()
            self.stdout.write(f"spare schemas made: {made}")

    def _progress(self, done: int, total: int, failed: int) -> None:
        self.stdout.write(f"tenant schemas migrated: {done}/{total} ({failed} failed)")
        self.stdout.flush()
