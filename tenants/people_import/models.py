"""One import of a CSV file of people: the file as given, and how far its run has come."""

from django.conf import settings
from django.db import models


class PeopleImport(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    # The file of this run, kept so that the worker reads what the admin sent.
    csv_text = models.TextField()
    send_invitations = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    invited = models.PositiveIntegerField(default=0)
    # The first MAX_STORED_ERRORS errors ({line, column, message}); error_count has them all.
    errors = models.JSONField(default=list)
    error_count = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"people import {self.pk} ({self.status})"
