"""Recording links sealed at rest (AES-GCM, tenants.crypto). The columns become text, then
every stored row is sealed in place; a link that is not http(s) (`javascript:` was accepted
before) is dropped on the way."""

import json
from urllib.parse import urlsplit

from django.db import migrations

import tenants.fields


def _link(value: object) -> str:
    if not isinstance(value, str) or urlsplit(value.strip()).scheme.lower() not in (
        "https",
        "http",
    ):
        return ""
    return value.strip()


def seal_rows(apps, schema_editor):
    from tenants.crypto import secret_encrypt

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, share_url, files FROM attendance_recording")
        rows = cursor.fetchall()
        for pk, share_url, files in rows:
            parsed = json.loads(files) if files else []
            for entry in parsed if isinstance(parsed, list) else []:
                if isinstance(entry, dict):
                    entry["play_url"] = _link(entry.get("play_url"))
            link = _link(share_url)
            cursor.execute(
                "UPDATE attendance_recording SET share_url = %s, files = %s WHERE id = %s",
                [
                    secret_encrypt(link, context="attendance.recording.share_url") if link else "",
                    secret_encrypt(json.dumps(parsed), context="attendance.recording.files"),
                    pk,
                ],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0002_webhook_pending_meeting"),
    ]

    operations = [
        migrations.AlterField(
            model_name="recording",
            name="files",
            field=tenants.fields.EncryptedJSONField(blank=True, default=list),
        ),
        migrations.AlterField(
            model_name="recording",
            name="share_url",
            field=tenants.fields.EncryptedTextField(blank=True, default=""),
        ),
        migrations.RunPython(seal_rows, migrations.RunPython.noop),
    ]
