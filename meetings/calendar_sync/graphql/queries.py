"""The viewer's calendars (anyone signed in) and the school's provider apps (admins)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from meetings.calendar_sync.endpoints import allowed_stand_ins
from meetings.calendar_sync.graphql import types as t
from meetings.calendar_sync.models import CalendarApp, Provider
from meetings.calendar_sync.selectors import (
    calendar_apps,
    calendar_connected_counts,
    calendar_connections_of,
    calendar_providers_available,
)
from meetings.calendar_sync.services import calendar_callback_url
from tenants.confirmation import school_here
from tenants.graphql.context import NotAllowed, require_admin, require_user


def apps_out() -> list[t.CalendarApp]:
    school = school_here()
    if school is None:
        raise NotAllowed("No such school.")
    rows = calendar_apps()
    counts = calendar_connected_counts()
    allowed = allowed_stand_ins()
    return [
        t.app_from(
            # A provider never entered shows what saving it would start from.
            rows.get(provider.value) or CalendarApp(provider=provider.value),
            allowed=allowed,
            redirect_url=calendar_callback_url(slug=school.slug, provider=provider.value),
            connected=counts.get(provider.value, 0),
        )
        for provider in Provider
    ]


@strawberry.type
class CalendarSyncQuery:
    @strawberry.field(
        description="The calendar providers the viewer may connect, and their own connections."
    )
    def my_calendars(self, info: Info) -> t.MyCalendars:
        user = require_user(info)
        return t.MyCalendars(
            providers=[
                t.CalendarProviderOption(provider=t.CalendarProviderName(name), available=available)
                for name, available in calendar_providers_available()
            ],
            connections=[t.connection_from(row) for row in calendar_connections_of(user=user)],
        )

    @strawberry.field(description="The school's calendar provider apps (admins).")
    def calendar_apps(self, info: Info) -> list[t.CalendarApp]:
        require_admin(info)
        return apps_out()
