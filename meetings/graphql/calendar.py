"""The viewer's private calendar feed: its address (made on first use) and a new one on
request. Every signed-in person has one; it lists the classes they may see."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from meetings.services.calendar_feeds import calendar_feed_get_or_create, calendar_feed_reset
from tenants.confirmation import school_here
from tenants.graphql.context import client_ip, require_user
from tenants.graphql.errors import FieldError, not_found, typed_errors
from tenants.services import tenant_url


@strawberry.type(description="The viewer's private calendar feed (iCalendar).")
class CalendarFeed:
    url: str = strawberry.field(
        description="Subscribe to it in Google Calendar, Outlook or Apple Calendar; it is "
        "private to the viewer."
    )


@strawberry.type
class CalendarFeedPayload:
    feed: CalendarFeed | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


def _feed_out(token: str) -> CalendarFeed:
    school = school_here()
    if school is None:
        raise not_found("school")
    return CalendarFeed(url=tenant_url(school.slug, f"/calendar/{token}.ics"))


@strawberry.type
class CalendarQuery:
    @strawberry.field(description="The viewer's private calendar feed (made on first use).")
    def my_calendar_feed(self, info: Info) -> CalendarFeed:
        user = require_user(info)
        return _feed_out(calendar_feed_get_or_create(user=user).token)


@strawberry.type
class CalendarMutation:
    @strawberry.mutation(
        description="A new address for the viewer's calendar feed; the old one stops working."
    )
    @typed_errors(CalendarFeedPayload)
    def reset_my_calendar_feed(self, info: Info) -> CalendarFeedPayload:
        user = require_user(info)
        feed = calendar_feed_reset(user=user, ip=client_ip(info))
        return CalendarFeedPayload(feed=_feed_out(feed.token))
