from django.db import migrations, models


def backfill_first_signin(apps, schema_editor):
    """Schools that existed before the column was added would all look never-signed-in, hence
    abandoned and purgeable: take the earliest sign-in recorded in each school's own schema."""
    Organisation = apps.get_model("tenants", "Organisation")
    with schema_editor.connection.cursor() as cursor:
        for org in Organisation.objects.exclude(status="spare").exclude(schema_name="public"):
            cursor.execute(
                "SELECT 1 FROM information_schema.tables"
                " WHERE table_schema = %s AND table_name = 'accounts_user'",
                [org.schema_name],
            )
            if cursor.fetchone() is None:
                continue
            # schema_name is validated by django-tenants (lowercase letters, digits, _).
            cursor.execute(f'SELECT min(last_login) FROM "{org.schema_name}".accounts_user')  # noqa: S608
            (first,) = cursor.fetchone()
            if first is not None:
                Organisation.objects.filter(pk=org.pk).update(first_signin_at=first)


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="first_signin_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="first sign-in"),
        ),
        migrations.RunPython(backfill_first_signin, migrations.RunPython.noop),
    ]
