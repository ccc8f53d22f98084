"""The school's reminder rules, each person's choices, and the ledger of reminders sent."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

DEFAULT_OFFSETS = (30,)
# Bounds of the school's offsets: at most this many, each from 1 minute to a day ahead.
MAX_OFFSETS = 4
MIN_OFFSET_MINUTES = 1
MAX_OFFSET_MINUTES = 24 * 60


def default_offsets() -> list[int]:
    return list(DEFAULT_OFFSETS)


class ReminderPolicy(models.Model):
    """The school's reminder rules: one row per tenant schema (absent: the defaults). Changed
    by admins through `meetings.reminders.services.reminder_policy_set`."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    offsets_minutes = ArrayField(
        models.PositiveSmallIntegerField(),
        default=default_offsets,
        help_text="Minutes before each session's start at which reminders go out.",
    )
    absence_notices_allowed = models.BooleanField(
        default=True,
        help_text="Parents may opt in to a notice when their child is marked absent.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "reminder policy"
        verbose_name_plural = "reminder policy"

    def __str__(self) -> str:
        return "Reminder policy"


class ReminderPreference(models.Model):
    """One person's choices (absent: reminders on, absence notices off)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="reminder_preference",
    )
    reminders_enabled = models.BooleanField(default=True)
    absence_notices_enabled = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)


class ReminderDelivery(models.Model):
    """A reminder sent: one row per session, person, offset and start time. The unique key is
    the sweep's claim (an INSERT ... ON CONFLICT DO NOTHING), so two sweeps at once, a retry or
    a restart remind each person once; a moved session has a new start time, so it reminds
    again, at its new time only. Rows of sessions past are purged hourly."""

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    offset_minutes = models.PositiveSmallIntegerField()
    start_time = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user", "offset_minutes", "start_time"],
                name="reminder_delivery_unique",
            )
        ]
