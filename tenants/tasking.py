"""Tenancy for dramatiq actors.

A message carries the schema that was active when it was sent (`tenant_schema` option); the
worker activates that schema before the actor runs and returns to public afterwards. A message
for a schema that no longer exists (tenant deleted, or renamed) is skipped with a log line.

Every actor declares its tenancy (`tenancy="tenant"` or `"platform"`); declaring none fails at
import. A tenant actor's message without a tenant schema (none, or public) is skipped and logged,
never run in public; a platform actor always runs in public.

Periodic jobs use `send_to_each_tenant`, one message per tenant, so one tenant's failure or
slowness does not hold up the others.
"""

import functools
import logging
from typing import Any

import dramatiq
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context
from dramatiq.broker import MessageProxy

from tenants.connection import tenant_connection

logger = logging.getLogger(__name__)

OPTION = "tenant_schema"

# Every actor says where it runs, as an actor option: `@dramatiq.actor(tenancy=TENANT, ...)`.
TENANCY = "tenancy"
TENANT = "tenant"  # runs in the schema its message carries; never in public
PLATFORM = "platform"  # runs in public (the organisations, the spare pool), whoever sent it
TENANCIES = frozenset({TENANT, PLATFORM})

# Actors of installed packages, which we cannot annotate. django_dramatiq's `delete_old_tasks`
# (its Task table, in public) is declared whenever rundramatiq starts; nothing here sends it.
THIRD_PARTY_TENANCY: dict[str, str] = {"delete_old_tasks": PLATFORM}


class ActorTenancyUndeclared(dramatiq.middleware.MiddlewareError):
    """An actor declared without `tenancy`: raised when its module is imported."""


def current_schema() -> str:
    return tenant_connection().schema_name or str(get_public_schema_name())


def actor_tenancy(actor: dramatiq.Actor[..., Any]) -> str | None:
    tenancy = actor.options.get(TENANCY, THIRD_PARTY_TENANCY.get(actor.actor_name))
    return tenancy if tenancy in TENANCIES else None


def _tenancy_of(broker: dramatiq.Broker, actor_name: str) -> str:
    """The tenancy of a message's actor; one this process has not declared counts as a tenant
    actor, the stricter of the two."""
    try:
        actor = broker.get_actor(actor_name)
    except dramatiq.errors.ActorNotFound:
        return TENANT
    return actor_tenancy(actor) or TENANT


@functools.cache
def _organisation_exists_sql() -> str:
    from tenants.models import Organisation

    table = connection.ops.quote_name(Organisation._meta.db_table)
    public = connection.ops.quote_name(str(get_public_schema_name()))
    column = connection.ops.quote_name(Organisation._meta.get_field("schema_name").column)
    return f"SELECT EXISTS (SELECT 1 FROM {public}.{table} WHERE {column} = %s)"  # noqa: S608 - our names


def _organisation_exists(schema: str) -> bool:
    """Whether a school still has this schema: one statement of our own before every message
    (built by the ORM, the look cost a worker more than PostgreSQL's work for it)."""
    with connection.cursor() as cursor:
        cursor.execute(_organisation_exists_sql(), [schema])
        return bool(cursor.fetchone()[0])


class TenantMiddleware(dramatiq.Middleware):
    @property
    def actor_options(self) -> set[str]:
        return {TENANCY}

    def before_declare_actor(
        self, broker: dramatiq.Broker, actor: dramatiq.Actor[..., Any]
    ) -> None:
        # A MiddlewareError is the one exception dramatiq lets out of a hook: the import fails.
        if actor_tenancy(actor) is None:
            raise ActorTenancyUndeclared(
                f"actor {actor.actor_name!r} must declare {TENANCY}={TENANT!r} or "
                f"{TENANCY}={PLATFORM!r} (tenants.tasking)"
            )

    def before_enqueue(
        self, broker: dramatiq.Broker, message: dramatiq.Message[Any], delay: int
    ) -> None:
        if _tenancy_of(broker, message.actor_name) == PLATFORM:
            message.options[OPTION] = get_public_schema_name()
            return
        # Set once, at first send: retries re-enqueue the same message and keep its schema.
        message.options.setdefault(OPTION, current_schema())

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        tenant_connection().set_schema_to_public()
        if _tenancy_of(broker, message.actor_name) == PLATFORM:
            return
        schema = message.options.get(OPTION)
        if not schema or schema == get_public_schema_name():
            # A tenant actor in public would read and write no tenant's data, or the wrong one.
            logger.error(
                "skipping %s (%s): a tenant actor's message carries no tenant schema (%r)",
                message.actor_name,
                message.message_id,
                schema,
            )
            raise dramatiq.middleware.SkipMessage()
        # The schema first, then the look for its school: the look sets the search_path the
        # actor needs (one SET a message, not one for public and one for the school).
        tenant_connection().set_schema(schema)
        if not _organisation_exists(schema):
            tenant_connection().set_schema_to_public()
            logger.warning(
                "skipping %s (%s): tenant schema %r no longer exists",
                message.actor_name,
                message.message_id,
                schema,
            )
            raise dramatiq.middleware.SkipMessage()

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        tenant_connection().set_schema_to_public()

    def after_skip_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        tenant_connection().set_schema_to_public()


def send_in_schema(
    actor: dramatiq.Actor[..., Any], schema_name: str, *args: Any, **kwargs: Any
) -> dramatiq.Message[Any]:
    """Send `actor` to run in `schema_name`, whatever schema is active here."""
    with schema_context(schema_name):
        return actor.send(*args, **kwargs)


def send_to_each_tenant(actor: dramatiq.Actor[..., Any], *args: Any, **kwargs: Any) -> int:
    """Fan a periodic job out: one message per live tenant (active or suspended)."""
    from tenants.selectors import organisation_list_serving

    with schema_context(get_public_schema_name()):
        schemas = list(organisation_list_serving().values_list("schema_name", flat=True))
    for schema_name in schemas:
        send_in_schema(actor, schema_name, *args, **kwargs)
    return len(schemas)
