"""Reads of the guests app."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from meetings.guests.models import Guest, GuestRegistrant
from meetings.models import Meeting


def guest_meetings(guest: Guest) -> QuerySet[Meeting]:
    """The sessions a guest is invited to: their meeting, or every session of their series."""
    if guest.series_id is not None:
        return Meeting.objects.filter(series_id=guest.series_id)
    return Meeting.objects.filter(pk=guest.meeting_id or 0)


def guest_upcoming_meetings(guest: Guest) -> QuerySet[Meeting]:
    """The guest's sessions not cancelled and not over, earliest first."""
    return (
        guest_meetings(guest)
        .exclude(status__in=[Meeting.Status.CANCELLED, Meeting.Status.ENDED])
        .order_by("start_time", "id")
    )


def guest_next_meeting(guest: Guest) -> Meeting:
    """The session a guest's link leads to when none is named: their meeting, or their
    series' next session still to come (else its last one, whose page says it has ended)."""
    if guest.meeting is not None:
        return guest.meeting
    meeting = (
        guest_upcoming_meetings(guest).first()
        or guest_meetings(guest).order_by("-start_time", "-id").first()
    )
    if meeting is None:
        raise Meeting.DoesNotExist(f"guest {guest.pk}'s series has no session")
    return meeting


def guest_invited_to(guest: Guest, meeting: Meeting) -> bool:
    """Whether `guest`'s invitation covers `meeting` and still holds (not revoked, and the
    meeting not cancelled): what the join route asks before letting a guest in."""
    if guest.revoked_at is not None or meeting.status == Meeting.Status.CANCELLED:
        return False
    if guest.series_id is not None:
        return meeting.series_id == guest.series_id
    return meeting.pk == guest.meeting_id


def guests_of_meeting(meeting: Meeting) -> QuerySet[Guest]:
    """The meeting's guests, its own and its series', revoked ones included."""
    rule = Q(meeting=meeting)
    if meeting.series_id is not None:
        rule |= Q(series_id=meeting.series_id)
    return Guest.objects.filter(rule).select_related("invited_by").order_by("invited_at", "id")


def guest_registrant(guest: Guest, meeting: Meeting) -> GuestRegistrant | None:
    """The guest's registration at Zoom for `meeting` (registered), or None."""
    return GuestRegistrant.objects.filter(
        guest=guest, meeting=meeting, status=GuestRegistrant.Status.REGISTERED
    ).first()
