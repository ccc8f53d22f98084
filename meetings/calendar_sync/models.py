"""The school's calendar provider apps, people's connections to their calendars, and what has
been written there. Written only by `meetings.calendar_sync.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tenants.fields import EncryptedTextField


class Provider(models.TextChoices):
    GOOGLE = "google", "Google Calendar"
    MICROSOFT = "microsoft", "Microsoft Outlook"


class CalendarApp(models.Model):
    """A provider's OAuth app, entered by the school's admin (as Zoom's is): one row per
    provider. The secret is sealed at rest and write-only in every UI and API."""

    provider = models.CharField(max_length=16, choices=Provider.choices, unique=True)
    client_id = models.CharField(max_length=200, blank=True)
    client_secret = EncryptedTextField()
    # Microsoft Entra: the directory people sign in through ("common": any work, school or
    # personal account). Unused for Google.
    directory_tenant = models.CharField(max_length=100, blank=True, default="common")
    # Blank: the provider itself. Otherwise an origin from LIVEROLL_CALENDAR_ALLOWED_STAND_INS
    # (development and tests: the sandbox's stand-in), never a host a school chooses.
    stand_in = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.get_provider_display()} app"

    @property
    def has_credentials(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @property
    def usable(self) -> bool:
        return self.enabled and self.has_credentials


class CalendarConnection(models.Model):
    """A person's own calendar at a provider, connected by OAuth. Refreshes are serialised on
    this row (SELECT … FOR UPDATE): Microsoft rotates refresh tokens."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"
        # The person disconnected: the events written are being removed, then the row goes.
        DISCONNECTING = "disconnecting", "Disconnecting"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_connections"
    )
    provider = models.CharField(max_length=16, choices=Provider.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    account_email = models.CharField(max_length=254, blank=True)
    # The calendar written to: Google's "primary", Microsoft's default calendar ("").
    calendar_id = models.CharField(max_length=255, blank=True)
    access_token = EncryptedTextField()
    refresh_token = EncryptedTextField()
    expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.TextField(blank=True)
    connected_at = models.DateTimeField(auto_now_add=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # The last whole sync: started, finished, and its progress while it runs.
    sync_started_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    sync_total = models.PositiveIntegerField(default=0)
    sync_done = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "provider"], name="calendar_connection_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.get_provider_display()} ({self.status})"

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.ACTIVE and bool(self.refresh_token)


class SyncedEvent(models.Model):
    """One session as written to one connected calendar: the provider's event id, so that
    every later write is an update of that event, and a fingerprint of what was written, so
    that an unchanged session costs no call. `key` is ours, fixed before the first write
    (Google's client-chosen event id, Microsoft's `transactionId`): a create that is retried
    after a lost answer finds the event it made instead of making a second one."""

    connection = models.ForeignKey(
        CalendarConnection, on_delete=models.CASCADE, related_name="events"
    )
    # SET_NULL: a session deleted here (its class deleted) leaves the row, so that the next
    # sync deletes the event it wrote.
    meeting = models.ForeignKey(
        "meetings.Meeting", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    key = models.CharField(max_length=64)
    remote_id = models.CharField(max_length=1024, blank=True)
    etag = models.CharField(max_length=255, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    # What the calendar holds now: the event, or nothing (the session was cancelled and its
    # event deleted there).
    removed = models.BooleanField(default=False)
    written_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "meeting"], name="synced_event_unique"),
            models.UniqueConstraint(fields=["connection", "key"], name="synced_event_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.connection} · meeting {self.meeting_id} → {self.remote_id or '?'}"
