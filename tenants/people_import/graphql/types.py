from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from tenants.graphql.types import ROLE_FROM_CODE, Role
from tenants.people_import.models import PeopleImport as PeopleImportRow
from tenants.people_import.selectors import (
    CREATE,
    UNCHANGED,
    UPDATE,
    ImportPlan,
    RowError,
    class_names,
)
from tenants.people_import.services import MAX_STORED_ERRORS

MAX_PREVIEW_ROWS = 1000


@strawberry.enum(description="Where an import of people is.")
class PeopleImportStatus(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@strawberry.type(description="One problem of a CSV file of people.")
class ImportRowError:
    line: int | None = strawberry.field(
        description="The file's line where the row starts (1 is the header); null: the file."
    )
    column: str | None = strawberry.field(description="The column (email, role...), or null.")
    message: str


@strawberry.enum(description="What the import does with a row.")
class ImportAction(Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@strawberry.type(description="A row of a dry run that the import would take, and what it does.")
class ImportPreviewRow:
    line: int = strawberry.field(description="The file's line where the row starts.")
    email: str
    name: str
    role: Role
    action: ImportAction
    classes: list[str] = strawberry.field(description="The classes' names, as the school has them.")
    parent_emails: list[str]


@strawberry.type(description="What an import would do (a dry run): nothing was written.")
class PeopleImportReport:
    total: int = strawberry.field(description="Rows of the file, the header aside.")
    created: int
    updated: int
    unchanged: int
    rejected: int
    error_count: int
    errors: list[ImportRowError] = strawberry.field(
        description=f"The first {MAX_STORED_ERRORS} errors, by line."
    )
    rows: list[ImportPreviewRow] = strawberry.field(
        description=f"The first {MAX_PREVIEW_ROWS} rows it would take, by line (rejected rows "
        "are in `errors`)."
    )


@strawberry.type(description="An import of people, run by a worker (admins).")
class PeopleImport:
    id: strawberry.ID
    status: PeopleImportStatus
    total: int
    processed: int = strawberry.field(description="Rows done so far (of `total`).")
    created: int
    updated: int
    unchanged: int
    rejected: int
    invited: int
    error_count: int
    errors: list[ImportRowError] = strawberry.field(
        description=f"The first {MAX_STORED_ERRORS} errors, by line."
    )
    failure: str = strawberry.field(description="Why a failed import stopped.")
    send_invitations: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def _error(e: RowError) -> ImportRowError:
    return ImportRowError(line=e.line, column=e.column, message=e.message)


def report_from(plan: ImportPlan) -> PeopleImportReport:
    shown = sorted(plan.people, key=lambda p: p.line)[:MAX_PREVIEW_ROWS]
    names = class_names(ids={c for p in shown for c in p.class_ids})
    return PeopleImportReport(
        rows=[
            ImportPreviewRow(
                line=p.line,
                email=p.email,
                name=p.name,
                role=ROLE_FROM_CODE.get(p.role, Role.STUDENT),
                action=ImportAction(p.action),
                classes=[names[c] for c in p.class_ids if c in names],
                parent_emails=list(p.parent_emails),
            )
            for p in shown
        ],
        total=plan.total,
        created=plan.count(CREATE),
        updated=plan.count(UPDATE),
        unchanged=plan.count(UNCHANGED),
        rejected=plan.rejected,
        error_count=len(plan.errors),
        errors=[_error(e) for e in plan.errors[:MAX_STORED_ERRORS]],
    )


def people_import_from(row: PeopleImportRow) -> PeopleImport:
    return PeopleImport(
        id=strawberry.ID(str(row.pk)),
        status=PeopleImportStatus(row.status),
        total=row.total,
        processed=row.processed,
        created=row.created,
        updated=row.updated,
        unchanged=row.unchanged,
        rejected=row.rejected,
        invited=row.invited,
        error_count=row.error_count,
        errors=[
            ImportRowError(line=e.get("line"), column=e.get("column"), message=e["message"])
            for e in row.errors
        ],
        failure=row.failure,
        send_invitations=row.send_invitations,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )
