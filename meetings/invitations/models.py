"""Invitations and RSVPs. Written by `meetings.invitations.services` only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class InvitationPolicy(models.Model):
    """The school's invitation rules: one row per tenant schema (absent: the defaults)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    parents_invited = models.BooleanField(
        default=False,
        help_text="Parents of the class's students get the invitations, updates and "
        "cancellations too (for their information: no join or reply links).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "invitation policy"
        verbose_name_plural = "invitation policy"

    def __str__(self) -> str:
        return "Invitation policy"


class SeriesEvent(models.Model):
    """The calendar identity of a recurring class as one event with an RRULE: its UID, the
    SEQUENCE that grows with every change sent, and the first start as the rule put it (the
    DTSTART every occurrence is counted from, even if that session later moved)."""

    series = models.OneToOneField(
        "meetings.MeetingSeries", on_delete=models.CASCADE, related_name="calendar_event"
    )
    uid = models.CharField(max_length=200, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    first_start = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)


class Rsvp(models.Model):
    """A person's answer to one session or to a whole series; no row is "pending". A
    session's own answer wins over its series' answer."""

    class Response(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        TENTATIVE = "tentative", "Tentative"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(
        "meetings.Meeting", null=True, blank=True, on_delete=models.CASCADE, related_name="rsvps"
    )
    series = models.ForeignKey(
        "meetings.MeetingSeries",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rsvps",
    )
    response = models.CharField(max_length=16, choices=Response.choices)
    responded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(meeting__isnull=False, series__isnull=True)
                | Q(meeting__isnull=True, series__isnull=False),
                name="rsvp_meeting_or_series",
            ),
            models.UniqueConstraint(
                fields=["user", "meeting"],
                condition=Q(meeting__isnull=False),
                name="rsvp_unique_meeting",
            ),
            models.UniqueConstraint(
                fields=["user", "series"],
                condition=Q(series__isnull=False),
                name="rsvp_unique_series",
            ),
        ]
