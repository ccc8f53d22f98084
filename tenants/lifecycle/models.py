"""The school's retention settings and people's data exports."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

# An admin may keep audit entries longer or shorter than the default, within these bounds:
# shorter than a month loses what an investigation needs; longer than three years is hoarding.
AUDIT_DAYS_MIN = 30
AUDIT_DAYS_MAX = 1095


class RetentionPolicy(models.Model):
    """The school's retention choices: one row per tenant schema (absent: the defaults from
    the settings). Written only by tenants.lifecycle.services."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    audit_days = models.PositiveIntegerField(
        validators=[MinValueValidator(AUDIT_DAYS_MIN), MaxValueValidator(AUDIT_DAYS_MAX)],
        help_text=f"Days audit entries (and their IP hashes) are kept: "
        f"{AUDIT_DAYS_MIN}–{AUDIT_DAYS_MAX}.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "retention policy"
        verbose_name_plural = "retention policy"

    def __str__(self) -> str:
        return f"Audit entries kept {self.audit_days} days"


class DataExport(models.Model):
    """Everything the school holds about one person, as JSON, made by a background job and
    downloadable by that person or an admin until it expires."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    content = models.TextField(blank=True)  # the JSON document; blanked when it expires
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Export {self.pk} of {self.person_id} ({self.status})"
