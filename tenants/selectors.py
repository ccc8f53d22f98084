from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation.trans_real import parse_accept_lang_header
from django_tenants.utils import get_public_schema_name, schema_context

from tenants.accounts.models import User
from tenants.connection import tenant_connection
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


# --- time zones -----------------------------------------------------------------------------


def school_timezone() -> str:
    """The default zone of the school whose schema is in use ("UTC" outside a school). Read
    from the tenant the request already loaded when there is one; otherwise one query."""
    schema = tenant_connection().schema_name
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Organisation) and tenant.schema_name == schema:
        return tenant.timezone or "UTC"
    if schema == get_public_schema_name():
        return "UTC"
    zone = (
        Organisation.objects.filter(schema_name=schema).values_list("timezone", flat=True).first()
    )
    return zone or "UTC"


def person_timezone(*, user: User | None, school_zone: str | None = None) -> str:
    """The IANA zone a person's times are shown in: their own once they chose one, else the
    school's default. `school_zone` saves the look-up when the caller has it already (a loop
    over many people)."""
    if user is not None and user.timezone:
        return user.timezone
    return school_zone if school_zone is not None else school_timezone()


# --- languages ------------------------------------------------------------------------------


def language_supported(code: str | None) -> str | None:
    """`code` ("bn", "bn-BD", "en-US", …) as one of settings.LANGUAGES, or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def language_from_browser(accept_language: str) -> str | None:
    """The first language of an Accept-Language header that we speak, or None."""
    for code, _quality in parse_accept_lang_header(accept_language[:500]):
        found = language_supported(code) if code != "*" else None
        if found:
            return found
    return None


def school_language(*, school: Organisation | None = None) -> str:
    """The default language of `school`, else of the school whose schema is in use (the
    platform's outside a school)."""
    if school is None:
        schema = tenant_connection().schema_name
        tenant = getattr(connection, "tenant", None)
        if isinstance(tenant, Organisation) and tenant.schema_name == schema:
            school = tenant
        elif schema != get_public_schema_name():
            school = Organisation.objects.filter(schema_name=schema).first()
    found = language_supported(school.language) if school is not None else None
    return found or language_supported(settings.LANGUAGE_CODE) or "en"


def person_language(
    *,
    user: User | None,
    accept_language: str = "",
    school: Organisation | None = None,
    picked: str = "",
) -> str:
    """The language a person reads pages and mails in: their own choice, else their browser's
    (pages only: a mail has no browser) — one picked in this browser before signing in
    (`picked`, the language cookie the app's switch sets), else its Accept-Language — else the
    school's default."""
    own = language_supported(user.language) if user is not None else None
    return (
        own
        or language_supported(picked[:16])
        or language_from_browser(accept_language)
        or school_language(school=school)
    )


# --- abandoned sign-ups ---------------------------------------------------------------------

# Tenant tables that hold no school data: Django's bookkeeping (copied from the template), the
# audit log (onboarding writes to it) and sessions (they expire; nobody signed in anyway).
# accounts.user is data beyond the one admin that onboarding makes, or once anyone signed in.
# The outbox too: sign-up itself mails the admin a confirmation link.
_NOT_DATA = frozenset(
    [
        "contenttypes.contenttype",
        "auth.permission",
        "sessions.session",
        "audit.auditentry",
        "mail.outboundmail",
    ]
)


def _tenant_data_checks() -> list[tuple[str, str]]:
    """(label, SQL condition over `{s}`, the quoted schema) for every table of the tenant apps
    that counts as a school's data. Read from the model registry, so a table added by any app
    (classes, meetings, attendance, …) counts without this module knowing it."""
    quote = connection.ops.quote_name
    checks: list[tuple[str, str]] = []
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.app_config.name not in settings.TENANT_APPS or opts.proxy or not opts.managed:
            continue
        if opts.label_lower in _NOT_DATA:
            continue
        # Identifiers only, from the model registry and quoted; schema names are validated.
        table = "{s}." + quote(opts.db_table)
        if opts.label_lower == "accounts.user":
            cond = (
                f"(SELECT count(*) FROM {table}) > 1"  # noqa: S608
                f" OR EXISTS (SELECT 1 FROM {table} WHERE last_login IS NOT NULL)"
            )
        else:
            cond = f"EXISTS (SELECT 1 FROM {table})"  # noqa: S608
        checks.append((opts.label_lower, cond))
    return checks


def organisation_data_found(*, schema_names: list[str]) -> dict[str, list[str]]:
    """For each schema, the tables in which it holds data (see `_tenant_data_checks`); a schema
    without any is left out. One query however many schemas: the operators' list asks it for a
    page of schools at once."""
    public = get_public_schema_name()
    schema_names = [name for name in schema_names if name != public]
    if not schema_names:
        return {}
    quote = connection.ops.quote_name
    parts: list[str] = []
    params: list[str] = []
    checks = _tenant_data_checks()
    with schema_context(public), connection.cursor() as cursor:
        # A school whose schema is gone (a half-finished manual clean-up) holds nothing; asking
        # its tables would fail the whole page.
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [schema_names])
        existing = {row[0] for row in cursor.fetchall()}
    for schema in (name for name in schema_names if name in existing):
        for label, cond in checks:
            parts.append(f"SELECT %s, %s WHERE {cond.format(s=quote(schema))}")
            params += [schema, label]
    found: dict[str, list[str]] = {}
    if not parts:
        return found
    with schema_context(public), connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for schema, label in cursor.fetchall():
            found.setdefault(schema, []).append(label)
    return found


def organisation_list_abandoned(
    *, days: int | None = None, now: datetime | None = None
) -> QuerySet[Organisation]:
    """Schools signed up more than `days` (default LIVEROLL_ABANDONED_SIGNUP_DAYS) ago that
    nobody ever signed in to. Whether they hold data is checked per school when purging."""
    days = settings.LIVEROLL_ABANDONED_SIGNUP_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return (
        organisation_list_serving()
        .filter(first_signin_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
    )
