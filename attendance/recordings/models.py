"""A class's cloud recording, its files, its transcript (cue by cue, searchable) and its summary,
and the school's choices about them. Their app label is attendance's (these modules are imported
by attendance/models.py); the code that writes them is attendance/recordings/services.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tenants.fields import EncryptedTextField

# A school may keep recordings from one day to ten years; unset keeps them until deleted.
RETENTION_DAYS_MIN = 1
RETENTION_DAYS_MAX = 3650


class RecordingSettings(models.Model):
    """The school's choices about recordings: one row per school (absent: the defaults, which
    show recordings to those who manage the class only and keep them until deleted)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    students_may_view = models.BooleanField(
        default=False, help_text="The class's students may play recordings and read transcripts."
    )
    parents_may_view = models.BooleanField(
        default=False,
        help_text="Parents of the class's students may play recordings and read transcripts.",
    )
    retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(RETENTION_DAYS_MIN), MaxValueValidator(RETENTION_DAYS_MAX)],
        help_text="Days after the class when its recording, transcript and summary are deleted, "
        "here and at Zoom (empty: kept until someone deletes them).",
    )
    # An OpenAI-compatible chat-completions endpoint that writes summaries instead of the local
    # summariser (empty: local). The key is write-only, sealed like Zoom's secrets.
    summary_endpoint = models.URLField(max_length=500, blank=True)
    summary_api_key = EncryptedTextField()
    summary_model = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "recording settings"
        verbose_name_plural = "recording settings"


class Recording(models.Model):
    """One cloud recording of a session (Zoom's `uuid` of the meeting instance)."""

    class Status(models.TextChoices):
        AVAILABLE = "available", "Available"
        DELETED = "deleted", "Deleted"  # here and at Zoom; the row stays for the audit trail

    class Source(models.TextChoices):
        WEBHOOK = "webhook", "recording.completed"
        RECONCILE = "reconcile", "asked Zoom"

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="recordings"
    )
    zoom_uuid = models.CharField(max_length=100)
    # Sealed at rest: Zoom's links open the recording without a sign-in (a passcode rides
    # along in some), so they are secrets. Only https links on Zoom's hosts are kept.
    share_url = EncryptedTextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AVAILABLE)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.WEBHOOK)
    start_time = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(default=0)
    total_size = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "zoom_uuid"], name="recording_unique")
        ]


class RecordingFile(models.Model):
    """One file of a recording: a video, the audio, the transcript, the chat."""

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="files")
    zoom_file_id = models.CharField(max_length=100)
    file_type = models.CharField(max_length=32)  # MP4, M4A, TRANSCRIPT, CHAT, CC, TIMELINE, ...
    recording_type = models.CharField(max_length=64, blank=True)  # shared_screen_with_speaker_view
    file_extension = models.CharField(max_length=16, blank=True)
    file_size = models.BigIntegerField(default=0)
    recording_start = models.DateTimeField(null=True, blank=True)
    recording_end = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=32, blank=True)  # Zoom's: completed, processing
    # Sealed like the share link; Zoom's download tokens are never stored (a fresh one is
    # asked for each time someone downloads).
    play_url = EncryptedTextField()
    download_url = EncryptedTextField()

    class Meta:
        ordering = ["recording_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recording", "zoom_file_id"], name="recording_file_unique"
            )
        ]

    @property
    def duration_seconds(self) -> int:
        if self.recording_start is None or self.recording_end is None:
            return 0
        return max(0, int((self.recording_end - self.recording_start).total_seconds()))


class Transcript(models.Model):
    """A session's transcript: one per meeting, fetched from Zoom's VTT file and parsed into
    cues. `status` tells the app where the fetch stands."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be fetched"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    meeting = models.OneToOneField(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="transcript"
    )
    recording = models.ForeignKey(
        Recording, null=True, blank=True, on_delete=models.SET_NULL, related_name="transcripts"
    )
    zoom_file_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    cue_count = models.PositiveIntegerField(default=0)
    skipped_cues = models.PositiveIntegerField(default=0)  # malformed cues, counted not fatal
    duration_seconds = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The Zoom meeting instance it was asked for (a session held twice has two; the
    # meeting's own zoom_uuid follows the latest).
    zoom_uuid = models.CharField(max_length=100, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


# Transcript search (attendance/recordings/search.py). PostgreSQL has no Bengali stemmer; the
# `english` configuration stems English and keeps every other script's words whole, as written
# (its stemmer and stop words touch Latin letters only), so Bengali words are found by prefix
# at query time. Text is read in NFC, without ZERO WIDTH (NON-)JOINER: they only shape glyphs,
# and this machine's C.UTF-8 splits words at them while the embedded server's does not.
SEARCH_CONFIG = "english"
SEARCH_IGNORED = "\u200c\u200d"


def search_text(expression: str | models.Expression) -> models.Func:
    """A text column as the index reads it (the snippets read it the same way). Plain `Func`s
    (no class of ours): a migration holds the expression as written, with no import of this
    module."""
    return models.Func(
        models.Func(
            expression, template="normalize(%(expressions)s, NFC)", output_field=models.TextField()
        ),
        models.Value(SEARCH_IGNORED),
        models.Value(""),
        function="translate",
        output_field=models.TextField(),
    )


def search_document(expression: str | models.Expression) -> models.Func:
    """The search vector of a text column (an immutable expression: a stored generated
    column)."""
    return models.Func(
        search_text(expression),
        template=f"to_tsvector('{SEARCH_CONFIG}'::regconfig, %(expressions)s)",
        output_field=SearchVectorField(),
    )


class TranscriptCue(models.Model):
    """One cue of a transcript: who spoke, when (milliseconds into the recording), what."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="cues")
    # The meeting again, so that search filters by meeting (and class, and date) without a join
    # through the transcript.
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    start_ms = models.PositiveIntegerField()
    end_ms = models.PositiveIntegerField()
    speaker = models.CharField(max_length=200, blank=True)
    # Who the speaker is, where the name matched a participant of the session.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    participant = models.ForeignKey(
        "attendance.ParticipantSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField()
    # Kept by the database from `text` (written by nobody here); searched through its GIN index.
    search = models.GeneratedField(
        expression=search_document("text"), output_field=SearchVectorField(), db_persist=True
    )

    class Meta:
        ordering = ["transcript_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["transcript", "position"], name="cue_position_unique")
        ]
        indexes = [GinIndex(fields=["search"], name="cue_search")]


class Summary(models.Model):
    """What a session was about and what was asked of people, written after its transcript."""

    class Method(models.TextChoices):
        LOCAL = "local", "Picked from the transcript"
        REMOTE = "remote", "Written by the school's model"

    meeting = models.OneToOneField(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="summary"
    )
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    # [{"text": str, "speaker": str, "start_ms": int | None}]
    action_items = models.JSONField(default=list)
    method = models.CharField(max_length=16, choices=Method.choices)
    model = models.CharField(max_length=100, blank=True)  # the remote model's name
    # Why the local summariser wrote it although the school configured a model.
    fallback_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "summaries"
