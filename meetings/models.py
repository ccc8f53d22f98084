import secrets
from datetime import time

from django.conf import settings
from django.db import models

from tenants.fields import EncryptedTextField

ZOOM_API_BASE_URL = "https://api.zoom.us/v2"
ZOOM_OAUTH_BASE_URL = "https://zoom.us"


class ZoomSettings(models.Model):
    """The school's Zoom app: one row per tenant schema. Secrets are sealed at rest and
    write-only in every UI and API."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    client_id = models.CharField(max_length=200, blank=True)
    client_secret = EncryptedTextField()
    account_id = models.CharField(
        max_length=200,
        blank=True,
        help_text="For Server-to-Server OAuth; blank for user OAuth only.",
    )
    webhook_secret_token = EncryptedTextField()
    api_base_url = models.URLField(default=ZOOM_API_BASE_URL)
    oauth_base_url = models.URLField(default=ZOOM_OAUTH_BASE_URL)
    # Server-to-Server: the Zoom user that hosts meetings made on the account ("me" = the
    # account owner), and the cached account token.
    account_host_user = models.CharField(max_length=200, default="me")
    account_access_token = EncryptedTextField()
    account_token_expires_at = models.DateTimeField(null=True, blank=True)
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_result = models.CharField(max_length=40, blank=True)
    last_test_message = models.CharField(max_length=500, blank=True)
    # What Zoom answered the last test, when it did: its HTTP status and error code.
    last_test_zoom_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_test_zoom_code = models.CharField(max_length=50, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Zoom settings"
        verbose_name_plural = "Zoom settings"

    def __str__(self) -> str:
        return "Zoom settings"

    @property
    def has_app_credentials(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @property
    def has_account_credentials(self) -> bool:
        return self.has_app_credentials and bool(self.account_id)


class ZoomConnection(models.Model):
    """A teacher's own Zoom account, connected by OAuth."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"
        REVOKED = "revoked", "Disconnected"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="zoom_connection"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    zoom_user_id = models.CharField(max_length=100, blank=True)
    zoom_email = models.EmailField(blank=True)
    zoom_account_id = models.CharField(max_length=100, blank=True)
    access_token = EncryptedTextField()
    refresh_token = EncryptedTextField()
    expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.TextField(blank=True)
    connected_at = models.DateTimeField(auto_now_add=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.user} → {self.zoom_email or '?'} ({self.status})"

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.ACTIVE and bool(self.refresh_token)


class TargetAudience(models.TextChoices):
    # Seed 002's audiences: who may see (and join) a meeting.
    ALL = "all", "Everyone in the school"
    STUDENTS = "students", "All students"
    TEACHERS = "teachers", "All teachers"
    CLASS = "class", "The class"
    PERSONAL = "personal", "Invited people only"


# The audiences that reach the whole school rather than one class or invited people.
SCHOOL_WIDE_AUDIENCES = frozenset(
    {TargetAudience.ALL, TargetAudience.STUDENTS, TargetAudience.TEACHERS}
)


def _school_days_default() -> list[int]:
    return [0, 1, 2, 3, 4]  # Monday to Friday (Python weekdays, Monday = 0)


class SchedulingPolicy(models.Model):
    """The school's rules for scheduling classes: one row per tenant schema (absent: the
    defaults). Changed by admins through `meetings.services.scheduling_policy_set`."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    teachers_may_address_school = models.BooleanField(
        default=False,
        help_text="Teachers may publish classes to the whole school, all students or all "
        "teachers; otherwise only admins may.",
    )
    # School hours, in the school's timezone (Organisation.timezone): where suggested times
    # (meetings.availability) fall. A class may still be scheduled outside them.
    day_start = models.TimeField(default=time(8, 0))
    day_end = models.TimeField(default=time(18, 0))
    school_days = models.JSONField(
        default=_school_days_default, help_text="Days classes are held, Monday = 0."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "scheduling policy"
        verbose_name_plural = "scheduling policy"

    def __str__(self) -> str:
        return "Scheduling policy"


class MeetingSeries(models.Model):
    """A recurring class: one Zoom meeting (type 8) with many occurrences, each a Meeting."""

    school_class = models.ForeignKey(
        "school.SchoolClass", null=True, blank=True, on_delete=models.CASCADE
    )
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    title = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="UTC")
    recurrence = models.JSONField(help_text="The RecurrenceRule, as stored by meetings.services.")
    zoom_meeting_id = models.CharField(max_length=32, blank=True, db_index=True)
    # When Zoom made the series-wide changes applied here, by field (epoch milliseconds): see
    # Meeting.zoom_changed_at.
    zoom_changed_at = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "meeting series"


class Meeting(models.Model):
    """One class session: the unit of status, participants and attendance. An occurrence of a
    recurring series, or a meeting on its own."""

    class Kind(models.TextChoices):
        INSTANT = "instant", "Instant"
        SCHEDULED = "scheduled", "Scheduled"
        RECURRING = "recurring", "Recurring"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        STARTED = "started", "Started"
        ENDED = "ended", "Ended"
        CANCELLED = "cancelled", "Cancelled"

    class Account(models.TextChoices):
        # Whose Zoom the meeting lives on: needed to act on it later with the right token.
        NONE = "", "Not on Zoom yet"
        USER = "user", "Host's own Zoom"
        ACCOUNT = "account", "School's Zoom account"

    school_class = models.ForeignKey(
        "school.SchoolClass",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meetings",
    )
    series = models.ForeignKey(
        MeetingSeries, null=True, blank=True, on_delete=models.CASCADE, related_name="meetings"
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hosted_meetings"
    )
    title = models.CharField(max_length=200)
    # Zoom's own limit for a meeting's agenda, which this becomes; it is also in every member's
    # calendar feed and every meetings page, so it cannot be unbounded.
    description = models.CharField(max_length=2000, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SCHEDULED)
    start_time = models.DateTimeField(db_index=True)
    duration_minutes = models.PositiveIntegerField(default=60)
    timezone = models.CharField(max_length=64, default="UTC")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.SCHEDULED, db_index=True
    )
    target_audience = models.CharField(
        max_length=16, choices=TargetAudience.choices, default=TargetAudience.CLASS
    )
    invitees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="meeting_invitations"
    )
    zoom_settings = models.JSONField(default=dict, blank=True)  # Zoom meeting settings overrides
    registration_enabled = models.BooleanField(default=True)
    zoom_account = models.CharField(max_length=8, choices=Account.choices, blank=True, default="")
    zoom_meeting_id = models.CharField(max_length=32, blank=True, db_index=True)
    zoom_occurrence_id = models.CharField(max_length=32, blank=True)
    zoom_uuid = models.CharField(max_length=100, blank=True, db_index=True)
    # The Zoom user that holds the meeting (Zoom's `host_id`): on a host's own Zoom, only that
    # user's connection can see it, so only its "does not exist" means the meeting is gone
    # (meetings.services.zoom_changes; the host here may have changed since, to a successor).
    zoom_host_id = models.CharField(max_length=100, blank=True)
    join_url = EncryptedTextField()
    start_url = EncryptedTextField()
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    # Zoom is the source of truth (meetings.services.zoom_changes): when Zoom made each change
    # applied here, by field (epoch milliseconds), so that an older change arriving late does not
    # undo a newer one; and when reconciliation last compared the session with Zoom.
    zoom_changed_at = models.JSONField(default=dict, blank=True)
    zoom_checked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_time", "id"]

    def __str__(self) -> str:
        return f"{self.title} @ {self.start_time:%Y-%m-%d %H:%M}"

    @property
    def end_time(self):
        from datetime import timedelta

        return self.start_time + timedelta(minutes=self.duration_minutes)

    @property
    def on_zoom(self) -> bool:
        return bool(self.zoom_meeting_id)


class Registrant(models.Model):
    """A person's registration for one meeting, with their personal Zoom join URL (sealed at
    rest; it leaves the platform only as the join route's redirect)."""

    class Status(models.TextChoices):
        REGISTERED = "registered", "Registered"
        FAILED = "failed", "Failed"
        # Cancelled at Zoom (the meeting was cancelled, or the student left the class): the
        # join link is refused here and at Zoom.
        CANCELLED = "cancelled", "Cancelled"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations"
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    zoom_registrant_id = models.CharField(max_length=100, blank=True, db_index=True)
    join_url = EncryptedTextField()
    last_error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="registrant_unique")
        ]


class CalendarEvent(models.Model):
    """The calendar entry of a meeting (seed 002: created with each meeting). Published in
    every viewer's ICS feed; `sequence` grows with each change so calendars update it."""

    class Status(models.TextChoices):
        CONFIRMED = "CONFIRMED", "Confirmed"
        CANCELLED = "CANCELLED", "Cancelled"

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="calendar_event")
    uid = models.CharField(max_length=200, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CONFIRMED)
    updated_at = models.DateTimeField(auto_now=True)


def _feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A user's private ICS feed address (`/calendar/<token>.ics`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)
