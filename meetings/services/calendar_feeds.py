"""A person's private calendar feed (`/calendar/<token>.ics`): made on first use, replaced on
request (the old address stops working: a link that leaked is dead)."""

from __future__ import annotations

from django.db import transaction

from meetings.models import CalendarFeed, _feed_token
from tenants.accounts.models import User
from tenants.audit.services import audit_record


def calendar_feed_get_or_create(*, user: User) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


def calendar_feed_reset(*, user: User, ip: str | None = None) -> CalendarFeed:
    """A new address for the person's feed; the old one answers 404 from now on."""
    with transaction.atomic():
        feed = calendar_feed_get_or_create(user=user)
        feed.token = _feed_token()
        feed.save(update_fields=["token"])
        audit_record(actor=user, action="calendar_feed.reset", target=user, ip=ip)
    return feed
