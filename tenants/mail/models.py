"""The school's outbox: one row per mail, written when the mail is queued (already rendered),
updated as a worker sends it. The row is what makes sending idempotent: its key is unique, and
only the worker that claims it (status and lease) sends it."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class OutboundMail(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    # Idempotency key, unique in the school: queuing the same key again queues nothing.
    key = models.CharField(max_length=255, unique=True)
    to = models.EmailField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    template = models.CharField(max_length=100)
    subject = models.CharField(max_length=255)
    text = models.TextField()
    html = models.TextField()
    # [{"filename", "content_type", "content": base64}], small files (calendar invitations).
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=1000, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    # A queued mail is not tried before this (the back-off after a transient failure).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # While sending: the claim of the worker sending it, valid until `lease_until`; a worker
    # that died mid-send loses it then, and the sweep hands the mail to another.
    claim = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="mail_due_idx")]

    def __str__(self) -> str:
        return f"{self.template} to {self.to} ({self.status})"
