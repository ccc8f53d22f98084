from django.db import migrations, models


def unset_default_english(apps, schema_editor):
    """Until now every person got "en" by default, so "en" said nothing about their choice.
    It becomes "" (unset: their browser, then the school's language), except for those whose
    audit log shows they chose a language themselves (setMyPreferences)."""
    User = apps.get_model("accounts", "User")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    chose = AuditEntry.objects.filter(
        action="user.preferences", details__has_key="language", actor_id__isnull=False
    ).values("actor_id")
    User.objects.filter(language="en").exclude(pk__in=chose).update(language="")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_user_deleted_at_anonymised_at"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="language",
            field=models.CharField(
                blank=True,
                choices=[("en", "English"), ("bn", "বাংলা")],
                default="",
                help_text="Empty: the browser's language on pages, the school's default in mails.",
                max_length=8,
            ),
        ),
        migrations.RunPython(unset_default_english, migrations.RunPython.noop),
    ]
