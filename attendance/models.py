from django.conf import settings
from django.db import models
from django.utils import timezone

# Recordings, transcripts and summaries are kept in attendance/recordings/ (same app label: their
# tables and migrations are attendance's); importing them here registers them with the app.
from attendance.recordings.models import Recording as Recording
from attendance.recordings.models import RecordingFile as RecordingFile
from attendance.recordings.models import RecordingSettings as RecordingSettings
from attendance.recordings.models import Summary as Summary
from attendance.recordings.models import Transcript as Transcript
from attendance.recordings.models import TranscriptCue as TranscriptCue


class WebhookEvent(models.Model):
    """The inbox: every verified Zoom event, stored before Zoom gets its 2xx, processed later
    by a worker. `dedupe_key` makes a redelivered event land once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"
        IGNORED = "ignored", "Ignored (unknown or irrelevant)"

    received_at = models.DateTimeField(default=timezone.now)
    event = models.CharField(max_length=80)
    event_ts = models.BigIntegerField(null=True, blank=True)  # Zoom's, in milliseconds
    dedupe_key = models.CharField(max_length=64, unique=True)
    zoom_meeting_id = models.CharField(max_length=32, blank=True)
    zoom_uuid = models.CharField(max_length=100, blank=True)
    body = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "received_at"], name="webhook_status_received"),
            models.Index(fields=["zoom_meeting_id"], name="webhook_zoom_meeting"),
            # What a worker draining one meeting asks for: its pending events, oldest first.
            models.Index(
                fields=["zoom_meeting_id", "received_at"],
                condition=models.Q(status="pending"),
                name="webhook_pending_meeting",
            ),
            # What the body purge asks for: handled events whose body is still there. Purged
            # rows leave the index, so a sweep reads only what it will blank.
            models.Index(
                fields=["processed_at"],
                condition=models.Q(status__in=["processed", "ignored"]) & ~models.Q(body={}),
                name="webhook_body_unpurged",
            ),
        ]


class ParticipantRole(models.TextChoices):
    HOST = "host", "Host"
    TEACHER = "teacher", "Teacher"
    STUDENT = "student", "Student"
    GUEST = "guest", "Guest"


class ParticipantEvent(models.Model):
    """One join or leave as Zoom reported it (or as the participants report filled in).
    Segments are derived from the whole set of these, so any arrival order gives the same
    segments."""

    class Kind(models.TextChoices):
        JOIN = "join", "Joined"
        LEAVE = "leave", "Left"

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE)
    webhook_event = models.OneToOneField(
        WebhookEvent, null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField(max_length=16, default="webhook")  # webhook | report
    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField()
    participant_key = models.CharField(max_length=200)
    zoom_participant_id = models.CharField(max_length=100, blank=True)  # payload `id`
    participant_uuid = models.CharField(max_length=100, blank=True)
    zoom_user_id = models.CharField(max_length=100, blank=True)  # per meeting, not a person
    registrant_id = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    leave_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["meeting", "participant_key"], name="pevent_meeting_key")]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "participant_key", "kind", "at"], name="pevent_unique"
            )
        ]


class ParticipantSession(models.Model):
    """One join/leave segment of one participant (seed 002's zoom_participants)."""

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="participant_sessions"
    )
    participant_key = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    role = models.CharField(max_length=10, choices=ParticipantRole.choices)
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    registrant_id = models.CharField(max_length=100, blank=True)
    zoom_participant_id = models.CharField(max_length=100, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)  # None: a leave seen without its join
    left_at = models.DateTimeField(null=True, blank=True)  # None: still in the room
    ip_hash = models.CharField(max_length=64, blank=True)
    leave_reason = models.CharField(max_length=500, blank=True)
    # How `user` was found (attendance.identity.MatchedBy) and whether Zoom or a teacher vouches
    # for it: a name or email typed into Zoom is a claim, counted only once a teacher confirms
    # it (or where the school's policy counts claims).
    matched_by = models.CharField(max_length=20, blank=True)
    verified = models.BooleanField(default=False)
    # Whom this participant is known not to be (a teacher rejected the match, or that person
    # is in the class verified): never matched to them again.
    not_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A guest (no account) matched through their personal Zoom registration; `user` stays None.
    guest = models.ForeignKey(
        "guests.Guest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["joined_at", "id"]
        indexes = [models.Index(fields=["meeting", "participant_key"], name="psession_meeting_key")]


class ParticipantIdentity(models.Model):
    """A teacher's answer to "who is this?", remembered for later classes."""

    class Kind(models.TextChoices):
        ZOOM_ID = "zoom_id", "Zoom user id"
        EMAIL = "email", "Email"
        NAME = "name", "Display name"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=254)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="identity_unique")]


class AttendancePolicy(models.Model):
    """The school's rule (one row per tenant). Default: present at 15 minutes or more."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    present_minutes = models.PositiveIntegerField(null=True, blank=True, default=15)
    present_share = models.FloatField(null=True, blank=True)  # 0..1 of the class
    grace_minutes = models.PositiveIntegerField(
        default=10, help_text="After the class ends, wait this long before final scoring."
    )
    # Off by default: a name or email typed into Zoom is anyone's to type, so counting it lets
    # one student mark an absent classmate present. A teacher confirms such a match in one step;
    # a school that trusts names (no personal join links) may count them at once.
    unverified_matches_count = models.BooleanField(
        default=False,
        help_text="Count participants matched only by a typed name or email before a teacher"
        " confirms them.",
    )
    updated_at = models.DateTimeField(auto_now=True)


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    PARTIAL = "partial", "Partial"
    ABSENT = "absent", "Absent"
    EXCUSED = "excused", "Excused"


class AttendanceRecord(models.Model):
    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="attendance_records"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendance_records"
    )
    computed_status = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    attended_seconds = models.PositiveIntegerField(default=0)
    first_joined_at = models.DateTimeField(null=True, blank=True)
    last_left_at = models.DateTimeField(null=True, blank=True)
    is_final = models.BooleanField(default=False)
    computed_at = models.DateTimeField(default=timezone.now)
    override_status = models.CharField(max_length=10, choices=AttendanceStatus.choices, blank=True)
    override_reason = models.CharField(max_length=500, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "student"], name="attendance_unique")
        ]

    @property
    def status(self) -> str:
        return self.override_status or self.computed_status


class GuestAttendance(models.Model):
    """A guest's attendance of one session, scored like a student's (absent if an invited guest
    never came) but kept apart: a guest is not a student of the class, and only those who manage
    the meeting see it."""

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="guest_attendance"
    )
    guest = models.ForeignKey("guests.Guest", on_delete=models.CASCADE, related_name="attendance")
    computed_status = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    attended_seconds = models.PositiveIntegerField(default=0)
    first_joined_at = models.DateTimeField(null=True, blank=True)
    last_left_at = models.DateTimeField(null=True, blank=True)
    is_final = models.BooleanField(default=False)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "guest"], name="guest_attendance_unique")
        ]

    @property
    def status(self) -> str:
        return self.computed_status
