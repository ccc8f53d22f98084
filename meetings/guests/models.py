from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenants.fields import EncryptedTextField


class Guest(models.Model):
    """Someone without an account invited to one meeting, or to every session of a series.
    Written only by `meetings.guests.services`."""

    meeting = models.ForeignKey(
        "meetings.Meeting", null=True, blank=True, on_delete=models.CASCADE, related_name="guests"
    )
    series = models.ForeignKey(
        "meetings.MeetingSeries",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="guests",
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["invited_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(meeting__isnull=False, series__isnull=True)
                | Q(meeting__isnull=True, series__isnull=False),
                name="guest_meeting_or_series",
            ),
            # One live invitation per address and meeting (or series); a revoked one may be
            # followed by a new one.
            models.UniqueConstraint(
                fields=["meeting", "email"],
                condition=Q(revoked_at__isnull=True, meeting__isnull=False),
                name="guest_unique_meeting_email",
            ),
            models.UniqueConstraint(
                fields=["series", "email"],
                condition=Q(revoked_at__isnull=True, series__isnull=False),
                name="guest_unique_series_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class GuestRegistrant(models.Model):
    """A guest's registration at Zoom for one session, with their personal Zoom join URL (a
    secret: it only ever leaves the server in the join redirect). The guests' counterpart of
    `meetings.Registrant`, which holds the school's people."""

    class Status(models.TextChoices):
        REGISTERED = "registered", "Registered"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="registrants")
    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="guest_registrants"
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    zoom_registrant_id = models.CharField(max_length=100, blank=True, db_index=True)
    join_url = EncryptedTextField()
    last_error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["guest", "meeting"], name="guest_registrant_unique")
        ]
