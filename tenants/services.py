"""Onboarding and lifecycle of organisations (tenants).

A new tenant never runs migrations. Its schema is either a spare (a migrated schema kept ready,
renamed on sign-up: milliseconds) or a clone of the migrated, empty template schema (about a
second). Both are kept current by `manage.py migrate_platform`, which every deploy runs.
"""

import logging
import re
import time
import uuid
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.clone import CloneSchema
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from tenants.accounts.models import Language, Role, User, timezone_validate
from tenants.audit.services import audit_record
from tenants.models import Domain, Organisation
from tenants.selectors import organisation_data_found

logger = logging.getLogger(__name__)

SLUG_RE = re.compile(r"^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$")
RESERVED_SLUGS = frozenset(
    [
        "admin",
        "api",
        "app",
        "assets",
        "auth",
        "billing",
        "blog",
        "cdn",
        "dashboard",
        "dev",
        "docs",
        "ftp",
        "graphql",
        "help",
        "information_schema",
        "liveroll",
        "localhost",
        "login",
        "logout",
        "mail",
        "media",
        "ns1",
        "ns2",
        "oauth",
        "public",
        "signup",
        "smtp",
        "staging",
        "static",
        "status",
        "support",
        "tenant_template",
        "test",
        "webhooks",
        "ws",
        "www",
        "zoom",
    ]
)
RESERVED_PREFIXES = ("pg", "spare", "template")


class TemplateBehindError(Exception):
    """The template schema lacks migrations the code has: cloning it would make broken tenants."""


def slug_validate(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not slug:
        raise ValidationError(_("Choose a subdomain."), code="required")
    if not SLUG_RE.match(slug):
        raise ValidationError(
            _(
                "Use 1 to 32 lowercase letters, digits and hyphens, starting with a letter and "
                "not ending with a hyphen."
            ),
            code="invalid",
        )
    if "--" in slug:
        raise ValidationError(_("A subdomain cannot contain two hyphens in a row."), code="invalid")
    # The schema the slug becomes must be free too: "tenant-template" is the template's schema,
    # "information-schema" PostgreSQL's own.
    schema = schema_name_for(slug)
    if (
        slug in RESERVED_SLUGS
        or schema in RESERVED_SLUGS
        or schema == settings.LIVEROLL_TEMPLATE_SCHEMA
        or slug.startswith(RESERVED_PREFIXES)
    ):
        raise ValidationError(
            _("“%(slug)s” is reserved. Choose another subdomain.") % {"slug": slug},
            code="reserved",
        )
    if Organisation.objects.filter(slug=slug).exists() or schema_exists(schema):
        raise ValidationError(_("“%(slug)s” is already taken.") % {"slug": slug}, code="taken")
    return slug


def schema_name_for(slug: str) -> str:
    return slug.replace("-", "_")


def tenant_host(slug: str) -> str:
    return f"{slug}.{settings.LIVEROLL_BASE_DOMAIN}"


def tenant_url(slug: str, path: str = "/") -> str:
    port = settings.LIVEROLL_PUBLIC_PORT
    default_port = {"http": "80", "https": "443"}[settings.LIVEROLL_PUBLIC_URL_SCHEME]
    netloc = tenant_host(slug) if port in ("", default_port) else f"{tenant_host(slug)}:{port}"
    return f"{settings.LIVEROLL_PUBLIC_URL_SCHEME}://{netloc}{path}"


# --- the template schema -------------------------------------------------------------------

_template_checked = False


def _pending_migrations(schema_name: str) -> list[tuple[str, str]]:
    with schema_context(schema_name):
        loader = MigrationLoader(connection, ignore_no_migrations=True)
        labels = {app.label for app in apps.get_app_configs() if app.name in settings.TENANT_APPS}
        # Every migration, not only the leaves: a template that lost an early record while a
        # later one is applied is behind too, and cloning would fake the lost one.
        return sorted(
            node
            for node in loader.graph.nodes
            if node[0] in labels and node not in loader.applied_migrations
        )


def template_migrate(*, verbosity: int = 0) -> None:
    """Create the template schema if missing and bring it to the latest migrations. It must hold
    no rows of its own beyond Django's bookkeeping: they would be copied into every tenant."""
    global _template_checked
    name = settings.LIVEROLL_TEMPLATE_SCHEMA
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
    call_command(
        "migrate_schemas", schema_name=name, tenant=True, interactive=False, verbosity=verbosity
    )
    _template_checked = False


def template_check_current() -> None:
    """Refuse to clone a template that is missing or behind (cloning would fake the missing
    migrations). Checked once per process: code does not change under a running process."""
    global _template_checked
    if _template_checked:
        return
    name = settings.LIVEROLL_TEMPLATE_SCHEMA
    if not schema_exists(name):
        raise TemplateBehindError(f"template schema {name!r} is missing: run migrate_platform")
    pending = _pending_migrations(name)
    if pending:
        raise TemplateBehindError(
            f"template schema {name!r} lacks {len(pending)} migrations "
            f"(first: {pending[0][0]}.{pending[0][1]}): run migrate_platform"
        )
    _template_checked = True


def _clone_template(schema_name: str) -> None:
    # "DATA" copies django_migrations (and contenttypes) with the tables, so the clone needs no
    # `migrate --fake` pass; the template holds no other rows.
    CloneSchema().clone_schema(
        settings.LIVEROLL_TEMPLATE_SCHEMA, schema_name, "DATA", set_connection=False
    )


# --- spare schemas -------------------------------------------------------------------------


def spare_pool_fill(*, target: int | None = None) -> int:
    """Top the pool of spare schemas up to `target` (default LIVEROLL_SPARE_SCHEMAS).
    Returns how many were made. Safe to run from several processes at once."""
    target = settings.LIVEROLL_SPARE_SCHEMAS if target is None else target
    made = 0
    template_check_current()
    while True:
        with schema_context(get_public_schema_name()), transaction.atomic():
            # One filler at a time: the advisory lock ends with the transaction.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('liveroll.spare_pool'))")
            have = Organisation.objects.filter(status=Organisation.Status.SPARE).count()
            if have >= target:
                return made
            token = uuid.uuid4().hex[:12]
            schema_name = f"spare_{token}"
            _clone_template(schema_name)
            Organisation.objects.create(
                schema_name=schema_name,
                slug=f"spare-{token}",
                name="(spare)",
                status=Organisation.Status.SPARE,
            )
            made += 1


def _spare_claim(*, name: str, slug: str, schema_name: str) -> Organisation | None:
    spare: Organisation | None = (
        Organisation.objects.select_for_update(skip_locked=True)
        .filter(status=Organisation.Status.SPARE)
        .order_by("created_at")
        .first()
    )
    if spare is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA "{spare.schema_name}" RENAME TO "{schema_name}"')
    spare.schema_name = schema_name
    spare.name = name
    spare.slug = slug
    spare.status = Organisation.Status.ACTIVE
    spare.save()
    return spare


# --- onboarding and lifecycle --------------------------------------------------------------


def organisation_onboard(
    *,
    name: str,
    slug: str,
    admin_email: str,
    admin_password: str,
    admin_name: str = "",
    onboarded_by: str = "signup",
    admin_email_confirmed: bool = False,
    timezone_name: str = "UTC",
    language: str = Language.ENGLISH,
) -> Organisation:
    """Create a tenant that its admin can log in to at once. All or nothing: a failure leaves
    no organisation, domain or schema behind. The admin is mailed a link to confirm their
    address (the school reaches Zoom once it is confirmed), unless `admin_email_confirmed`
    says it is known already (the demo seed, tests, an operator who knows it). `timezone_name`
    is the school's default zone for its people (IANA), `language` its default language."""
    from tenants.confirmation import confirmation_queue

    started = time.perf_counter()
    slug = slug_validate(slug)
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the school a name."), code="required")
    timezone_validate(timezone_name)
    if language not in Language.values:
        raise ValidationError("Unknown language.", code="invalid")
    schema_name = schema_name_for(slug)
    template_check_current()
    try:
        with schema_context(get_public_schema_name()), transaction.atomic():
            org = _spare_claim(name=name, slug=slug, schema_name=schema_name)
            source = "spare"
            if org is None:
                source = "clone"
                _clone_template(schema_name)
                org = Organisation.objects.create(schema_name=schema_name, name=name, slug=slug)
            Domain.objects.create(domain=tenant_host(slug), tenant=org, is_primary=True)
            org.admin_email_confirmed_at = timezone.now() if admin_email_confirmed else None
            org.timezone = timezone_name
            org.language = language
            org.save(update_fields=["admin_email_confirmed_at", "timezone", "language"])
            with schema_context(schema_name):
                admin = User.objects.create_user(
                    admin_email,
                    admin_password,
                    name=admin_name,
                    role=Role.ADMIN,
                    is_staff=True,
                )
                audit_record(
                    actor=admin,
                    actor_label=onboarded_by,
                    action="organisation.onboarded",
                    target=org,
                    details={"slug": slug, "source": source},
                )
                if not admin_email_confirmed:
                    # Sent once the school is committed (mail_queue hands it over on commit).
                    confirmation_queue(organisation=org, user=admin)
    except IntegrityError as exc:
        # Two sign-ups raced for one slug: the loser gets the same message as a taken slug.
        raise ValidationError(
            _("“%(slug)s” is already taken.") % {"slug": slug}, code="taken"
        ) from exc
    if settings.LIVEROLL_SPARE_SCHEMAS and source == "spare":
        from tenants.actors import spare_pool_refill

        transaction.on_commit(spare_pool_refill.send)
    logger.info(
        "onboarded tenant %s from %s in %.0f ms",
        slug,
        source,
        (time.perf_counter() - started) * 1000,
    )
    return org


def organisation_timezone_set(
    *, organisation: Organisation, timezone_name: str, actor: User | None, ip: str | None = None
) -> Organisation:
    """The school's default zone (IANA; ValidationError otherwise). `actor`: the school's
    admin (audited in the school), or None for an operator (their admin keeps its own log)."""
    try:
        timezone_validate(timezone_name)
    except ValidationError as exc:
        raise ValidationError({"timezone": exc.error_list}) from exc
    return _organisation_setting_save(
        organisation=organisation, field="timezone", value=timezone_name, actor=actor, ip=ip
    )


def organisation_language_set(
    *, organisation: Organisation, language: str, actor: User | None, ip: str | None = None
) -> Organisation:
    """The school's default language (one of Language; ValidationError otherwise): pages for
    people who chose none and whose browser asks for none we speak, and their mails."""
    if language not in Language.values:
        known = ", ".join(Language.values)
        raise ValidationError(
            {"language": [ValidationError(f"Unknown language (one of {known}).", "invalid")]}
        )
    return _organisation_setting_save(
        organisation=organisation, field="language", value=language, actor=actor, ip=ip
    )


def _organisation_setting_save(
    *, organisation: Organisation, field: str, value: str, actor: User | None, ip: str | None
) -> Organisation:
    """Saves one of the school's own settings (it lives in public) and audits the change in
    the school as `organisation.<field>` when a school's admin made it."""
    before = getattr(organisation, field)
    if before == value:
        return organisation
    with schema_context(get_public_schema_name()):
        setattr(organisation, field, value)
        organisation.save(update_fields=[field])
    if actor is not None:
        audit_record(
            actor=actor,
            action=f"organisation.{field}",
            target=organisation,
            ip=ip,
            details={"from": before, "to": value},
        )
    return organisation


def organisation_suspend(*, organisation: Organisation, reason: str, by: str) -> Organisation:
    with schema_context(get_public_schema_name()):
        organisation.status = Organisation.Status.SUSPENDED
        organisation.suspended_reason = reason
        organisation.save(update_fields=["status", "suspended_reason"])
    with schema_context(organisation.schema_name):
        audit_record(
            actor_label=by,
            action="organisation.suspended",
            target=organisation,
            details={"reason": reason},
        )
    return organisation


def organisation_reactivate(*, organisation: Organisation, by: str) -> Organisation:
    with schema_context(get_public_schema_name()):
        organisation.status = Organisation.Status.ACTIVE
        organisation.suspended_reason = ""
        organisation.save(update_fields=["status", "suspended_reason"])
    with schema_context(organisation.schema_name):
        audit_record(actor_label=by, action="organisation.reactivated", target=organisation)
    return organisation


# --- first sign-in and abandoned sign-ups --------------------------------------------------


def organisation_first_signin_record(*, organisation: object) -> None:
    """Note on the school (public schema) when anyone first signs in to it: what tells operators
    an abandoned sign-up from a school in use. `organisation` is the connection's tenant, which
    on the operators' site is no Organisation at all. Written once: later sign-ins cost nothing
    beyond this attribute check, and the UPDATE's condition keeps racing sign-ins to one write."""
    if not isinstance(organisation, Organisation) or organisation.first_signin_at is not None:
        return
    now = timezone.now()
    with schema_context(get_public_schema_name()):
        Organisation.objects.filter(pk=organisation.pk, first_signin_at__isnull=True).update(
            first_signin_at=now
        )
    organisation.first_signin_at = now


class PurgeRefusedError(Exception):
    """The school is not an abandoned sign-up: it stays."""


def _purge_refusal(*, organisation: Organisation, days: int, now: datetime) -> str | None:
    if organisation.status == Organisation.Status.SPARE or (
        organisation.schema_name == get_public_schema_name()
    ):
        return "not a school"
    if organisation.first_signin_at is not None:
        return f"someone signed in to it on {organisation.first_signin_at:%Y-%m-%d}"
    if organisation.created_at >= now - timedelta(days=days):
        return f"signed up on {organisation.created_at:%Y-%m-%d}, less than {days} days ago"
    if not schema_exists(organisation.schema_name):
        return None  # nothing left to lose: let the row go too
    data = organisation_data_found(schema_names=[organisation.schema_name])
    if data:
        return "it holds data (" + ", ".join(data[organisation.schema_name]) + ")"
    return None


def organisation_purge(
    *,
    organisation: Organisation,
    by: str,
    days: int | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> None:
    """Delete an abandoned sign-up: its schema, its row and its host names. Refuses (raises
    PurgeRefusedError, deleting nothing) a school anyone ever signed in to, one younger than
    `days` (default LIVEROLL_ABANDONED_SIGNUP_DAYS) or one holding any data. The school's own
    audit log goes with its schema, so the purge is recorded in the public schema's."""
    days = settings.LIVEROLL_ABANDONED_SIGNUP_DAYS if days is None else days
    now = now or timezone.now()
    with schema_context(get_public_schema_name()), transaction.atomic():
        # Locked so that a sign-in recording itself waits, then finds no row.
        org = Organisation.objects.select_for_update().get(pk=organisation.pk)
        refusal = _purge_refusal(organisation=org, days=days, now=now)
        if refusal is not None:
            raise PurgeRefusedError(f"{org.slug} is kept: {refusal}")
        if dry_run:
            return
        details = {
            "slug": org.slug,
            "name": org.name,
            "schema": org.schema_name,
            "signed_up": org.created_at.isoformat(),
            "domains": sorted(org.domains.values_list("domain", flat=True)),
        }
        audit_record(actor_label=by, action="organisation.purged", target=org, details=details)
        # PostgreSQL will not drop a table with deferred foreign-key checks still pending in
        # this transaction (rows written earlier in it, as when an outer transaction onboarded
        # the school): run them now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        org.delete(force_drop=True)  # the schema, then the row; its domains cascade
    logger.warning("purged abandoned sign-up %s by %s: %s", details["slug"], by, details)
