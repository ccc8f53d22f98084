from __future__ import annotations

import strawberry
from strawberry.types import Info

from tenants.graphql.context import client_ip, require_admin
from tenants.graphql.errors import FieldError, typed_errors
from tenants.people_import.graphql import types as t
from tenants.people_import.services import people_import_dry_run, people_import_queue


@strawberry.type
class ImportPeoplePayload:
    report: t.PeopleImportReport | None = strawberry.field(
        default=None, description="A dry run's answer: what the import would do."
    )
    job: t.PeopleImport | None = strawberry.field(
        default=None, description="The import, queued for a worker: follow it with peopleImport."
    )
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class PeopleImportMutation:
    @strawberry.mutation(
        description="Import people from a CSV file (admins; columns in the README). dryRun: "
        "answers at once with what would be created, updated or rejected and writes nothing; "
        "otherwise queues the import as a job. Running the same file again changes nothing."
    )
    @typed_errors(ImportPeoplePayload)
    def import_people(
        self, info: Info, csv: str, dry_run: bool, send_invitations: bool = False
    ) -> ImportPeoplePayload:
        admin = require_admin(info)
        if dry_run:
            return ImportPeoplePayload(report=t.report_from(people_import_dry_run(csv_text=csv)))
        job = people_import_queue(
            csv_text=csv, by=admin, send_invitations=send_invitations, ip=client_ip(info)
        )
        return ImportPeoplePayload(job=t.people_import_from(job))
