"""API tokens expire and die with a password change. Existing tokens get the default lifetime
from when they were made, and the fingerprint of their owner's current password (so they keep
working until either changes)."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.utils.crypto import salted_hmac

# The same salt as tenants.accounts.services.password_fingerprint (copied: a migration must
# not change when the code does).
SALT = "liveroll.accounts.ApiToken.password_fingerprint"


def fill(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    days = getattr(settings, "LIVEROLL_API_TOKEN_DAYS", 90)
    for token in ApiToken.objects.select_related("user"):
        token.expires_at = token.created_at + timedelta(days=days)
        token.password_fingerprint = salted_hmac(
            SALT, token.user.password, algorithm="sha256"
        ).hexdigest()
        token.save(update_fields=["expires_at", "password_fingerprint"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_apitoken")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="password_fingerprint",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
    ]
