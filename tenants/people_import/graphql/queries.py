from __future__ import annotations

import strawberry
from strawberry.types import Info

from tenants.graphql.context import require_admin
from tenants.ids import pk_or_zero
from tenants.people_import.graphql import types as t
from tenants.people_import.selectors import people_import_for


@strawberry.type
class PeopleImportQuery:
    @strawberry.field(
        description="An import of people: status, progress, counts and errors (admins); "
        "null if the school has no such import."
    )
    def people_import(self, info: Info, id: strawberry.ID) -> t.PeopleImport | None:
        require_admin(info)
        row = people_import_for(import_id=pk_or_zero(id))
        return t.people_import_from(row) if row is not None else None
