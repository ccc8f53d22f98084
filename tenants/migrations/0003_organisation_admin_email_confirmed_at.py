from django.db import migrations, models


def grandfather_existing_schools(apps, schema_editor):
    """Schools that signed up before emails were confirmed keep reaching Zoom: their sign-up
    date counts as the confirmation. Spare schemas stay unconfirmed (a sign-up claims them)."""
    Organisation = apps.get_model("tenants", "Organisation")
    Organisation.objects.exclude(status="spare").exclude(schema_name="public").update(
        admin_email_confirmed_at=models.F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0002_organisation_first_signin_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="admin_email_confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="admin email confirmed"),
        ),
        migrations.RunPython(grandfather_existing_schools, migrations.RunPython.noop),
    ]
