"""The database connection as django-tenants makes it, typed.

django-tenants' backend adds the schema to Django's connection (`schema_name`, `set_schema`, ...);
Django's types do not know it, so code that mypy checks reads it through `tenant_connection()`.
"""

from typing import Any, Protocol, cast

from django.db import connection


class TenantConnection(Protocol):
    schema_name: str

    def set_schema(self, schema_name: str, include_public: bool = True) -> None: ...

    def set_schema_to_public(self) -> None: ...

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None: ...


def tenant_connection() -> TenantConnection:
    """Django's default connection (a per-thread proxy), seen with django-tenants' methods."""
    return cast(TenantConnection, connection)
