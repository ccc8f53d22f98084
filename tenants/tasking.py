"""Tenancy for dramatiq actors.

A message carries the schema that was active when it was sent (`tenant_schema` option); the
worker activates that schema before the actor runs and returns to public afterwards. A message
for a schema that no longer exists (tenant deleted, or renamed) is skipped with a log line.
Periodic jobs use `send_to_each_tenant`, one message per tenant, so one tenant's failure or
slowness does not hold up the others.
"""

import logging

import dramatiq
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

logger = logging.getLogger(__name__)

OPTION = "tenant_schema"


def current_schema() -> str:
    return connection.schema_name or get_public_schema_name()


class TenantMiddleware(dramatiq.Middleware):
    def before_enqueue(self, broker, message, delay):
        # Set once, at first send: retries re-enqueue the same message and keep its schema.
        message.options.setdefault(OPTION, current_schema())

    def before_process_message(self, broker, message):
        from tenants.selectors import organisation_by_schema

        schema = message.options.get(OPTION) or get_public_schema_name()
        connection.set_schema_to_public()
        if (
            schema != get_public_schema_name()
            and organisation_by_schema(schema_name=schema) is None
        ):
            logger.warning(
                "skipping %s (%s): tenant schema %r no longer exists",
                message.actor_name,
                message.message_id,
                schema,
            )
            raise dramatiq.middleware.SkipMessage()
        connection.set_schema(schema)

    def after_process_message(self, broker, message, *, result=None, exception=None):
        connection.set_schema_to_public()

    def after_skip_message(self, broker, message):
        connection.set_schema_to_public()


def send_in_schema(actor: dramatiq.Actor, schema_name: str, *args, **kwargs) -> dramatiq.Message:
    """Send `actor` to run in `schema_name`, whatever schema is active here."""
    with schema_context(schema_name):
        return actor.send(*args, **kwargs)


def send_to_each_tenant(actor: dramatiq.Actor, *args, **kwargs) -> int:
    """Fan a periodic job out: one message per live tenant (active or suspended)."""
    from tenants.selectors import organisation_list_serving

    with schema_context(get_public_schema_name()):
        schemas = list(organisation_list_serving().values_list("schema_name", flat=True))
    for schema_name in schemas:
        send_in_schema(actor, schema_name, *args, **kwargs)
    return len(schemas)
