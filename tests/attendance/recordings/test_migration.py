"""attendance/0007 on a school's data: a recording stored before it (its files a sealed JSON
list on the row) comes out with a RecordingFile row per file and its start, length and size.
Run with Django's MigrationExecutor on a throwaway clone of the tenant template, inside the
test's transaction (PostgreSQL's DDL is transactional: the clone goes with the rollback)."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.clone import CloneSchema

from meetings.models import Meeting
from tenants.accounts.models import Role, User

pytestmark = pytest.mark.django_db

BEFORE = ("attendance", "0006_webhook_body_unpurged_index")
AFTER = ("attendance", "0007_recordings_transcripts_summaries")
SCHEMA = "migration_0007_test"


@pytest.fixture
def throwaway_schema(worlds):
    """A clone of the migrated template, the connection in it; back to public afterwards."""
    CloneSchema().clone_schema(
        settings.LIVEROLL_TEMPLATE_SCHEMA, SCHEMA, "DATA", set_connection=False
    )
    connection.set_schema(SCHEMA)
    yield SCHEMA
    connection.set_schema_to_public()


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state(target).apps


def test_stored_file_lists_become_rows(throwaway_schema):
    # given: a session (today's models: other apps' tables are as they are) and its recording
    # as attendance stored it before 0007
    host = User.objects.create(email="host@old.test", role=Role.TEACHER)
    meeting = Meeting.objects.create(
        host=host, title="Old class", start_time=datetime(2026, 1, 5, 9, tzinfo=UTC)
    )
    Recording = _migrate(BEFORE).get_model("attendance", "Recording")
    old = Recording.objects.create(
        meeting_id=meeting.pk,
        zoom_uuid="old-uuid==",
        share_url="https://zoom.us/rec/share/old",
        files=[
            {
                "id": "f-mp4",
                "file_type": "MP4",
                "play_url": "https://zoom.us/rec/play/mp4",
                "recording_start": "2026-01-05T09:00:05Z",
                "recording_end": "2026-01-05T09:50:05Z",
                "file_size": 5000,
            },
            {"file_type": "CHAT", "file_size": "not a number"},  # no id, odd size
            "not a file",
        ],
    )
    empty = Recording.objects.create(meeting_id=meeting.pk, zoom_uuid="empty==", files=[])

    # when (the rows' foreign-key checks done now, as if they had been written long ago:
    # PostgreSQL does not alter a table with checks pending on it)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    apps = _migrate(AFTER)

    # then: a row per file, with what the list held
    Recording = apps.get_model("attendance", "Recording")
    RecordingFile = apps.get_model("attendance", "RecordingFile")
    rows = {f.zoom_file_id: f for f in RecordingFile.objects.filter(recording_id=old.pk)}
    assert set(rows) == {"f-mp4", "stored-1"}
    mp4 = rows["f-mp4"]
    assert (mp4.file_type, mp4.file_size, mp4.status) == ("MP4", 5000, "completed")
    assert mp4.play_url == "https://zoom.us/rec/play/mp4"
    assert mp4.recording_start == datetime(2026, 1, 5, 9, 0, 5, tzinfo=UTC)
    assert (rows["stored-1"].file_type, rows["stored-1"].file_size) == ("CHAT", 0)
    # and the recording its start, length and size
    migrated = Recording.objects.get(pk=old.pk)
    assert migrated.start_time == datetime(2026, 1, 5, 9, 0, 5, tzinfo=UTC)
    assert (migrated.duration_seconds, migrated.total_size) == (3000, 5000)
    assert (migrated.status, migrated.share_url) == ("available", "https://zoom.us/rec/share/old")
    assert not RecordingFile.objects.filter(recording_id=empty.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT play_url FROM attendance_recordingfile WHERE zoom_file_id = 'f-mp4'")
        assert cursor.fetchone()[0].startswith("enc:")  # still sealed at rest


def test_migrations_hold_their_expressions_without_importing_the_apps_code():
    """A migration that imports a model module runs whatever that module says later: the
    search column's expression is written out in 0008, and it is the model's (no changes)."""
    import ast
    from importlib import import_module
    from pathlib import Path

    from django.db import models
    from django.db.migrations.autodetector import MigrationAutodetector
    from django.db.migrations.state import ProjectState

    from attendance.recordings.models import TranscriptCue

    module = import_module("attendance.migrations.0008_transcriptcue_search")
    imported = {
        alias.name if isinstance(node, ast.Import) else node.module
        for node in ast.walk(ast.parse(Path(module.__file__).read_text(encoding="utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if name and name.startswith("attendance")}
    frozen = next(
        op.field
        for op in module.Migration.operations
        if getattr(op, "name", "") == "search" and hasattr(op, "field")
    )
    live = TranscriptCue._meta.get_field("search")
    assert isinstance(frozen, models.GeneratedField)
    same = MigrationAutodetector(
        ProjectState(), ProjectState()
    ).deep_deconstruct  # what makemigrations compares
    assert same(frozen) == same(live)
