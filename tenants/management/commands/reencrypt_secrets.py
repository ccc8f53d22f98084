from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, schema_context

from tenants.crypto import key_ring, secret_decrypt, secret_encrypt, secret_key_id
from tenants.fields import EncryptedTextField
from tenants.selectors import organisation_list_serving


def encrypted_columns():
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


def reencrypt_schema(schema_name: str) -> int:
    """Reseal every secret of one schema under the current key. Returns how many changed."""
    current = key_ring().current_id
    changed = 0
    with schema_context(schema_name), transaction.atomic():
        existing = set(connection.introspection.table_names())
        for model, field in encrypted_columns():
            table = model._meta.db_table
            if table not in existing:
                continue  # a shared-only or tenant-only table absent from this schema
            context = field.context()
            # Identifiers come from model metadata and are quoted; values are parameters.
            table_q, pk_q, col_q = (
                connection.ops.quote_name(name)
                for name in (table, model._meta.pk.column, field.column)
            )
            select = f"SELECT {pk_q}, {col_q} FROM {table_q} WHERE {col_q} <> '' FOR UPDATE"  # noqa: S608
            update = f"UPDATE {table_q} SET {col_q} = %s WHERE {pk_q} = %s"  # noqa: S608
            with connection.cursor() as cursor:
                cursor.execute(select)
                for pk, stored in cursor.fetchall():
                    if secret_key_id(stored) == current:
                        continue
                    plain = secret_decrypt(stored, context=context)
                    cursor.execute(update, [secret_encrypt(plain, context=context), pk])
                    changed += 1
    return changed


class Command(BaseCommand):
    help = (
        "Reseal every encrypted secret in every schema under the current (first) key of "
        "LIVEROLL_ENCRYPTION_KEYS. Run after putting a new key first; then the old key can go."
    )

    def handle(self, *args, **options):
        schemas = [get_public_schema_name()] + list(
            organisation_list_serving().values_list("schema_name", flat=True)
        )
        total = 0
        for index, schema_name in enumerate(schemas, 1):
            changed = reencrypt_schema(schema_name)
            total += changed
            self.stdout.write(f"[{index}/{len(schemas)}] {schema_name}: {changed} resealed")
        self.stdout.write(
            self.style.SUCCESS(f"{total} secrets now under key {key_ring().current_id}")
        )
