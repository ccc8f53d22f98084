from django.db.models import QuerySet

from tenants.models import Domain, Organisation


def organisation_list_serving() -> QuerySet[Organisation]:
    """Tenants whose data is live (active or suspended): what periodic jobs fan out over."""
    return Organisation.objects.exclude(status=Organisation.Status.SPARE).exclude(
        schema_name="public"
    )


def organisation_by_host(*, host: str) -> Organisation | None:
    domain = (
        Domain.objects.select_related("tenant")
        .exclude(tenant__status=Organisation.Status.SPARE)
        .filter(domain=host.lower())
        .first()
    )
    return domain.tenant if domain else None


def organisation_by_schema(*, schema_name: str) -> Organisation | None:
    return Organisation.objects.filter(schema_name=schema_name).first()
