"""Connecting, syncing and disconnecting one's own calendar; the school's provider apps
(admins). Every mutation answers with a payload whose `errors` a client can show."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from meetings.calendar_sync import services
from meetings.calendar_sync.graphql import types as t
from meetings.calendar_sync.graphql.queries import apps_out
from meetings.calendar_sync.providers.base import CalendarError
from meetings.calendar_sync.selectors import calendar_connection_of
from tenants.accounts.models import User
from tenants.graphql.context import client_ip, http_request, require_admin, require_user
from tenants.graphql.errors import FieldError, error_code, typed_errors

error_code(services.CalendarNotSetUp, "not_set_up")
error_code(CalendarError, "calendar")


@strawberry.type
class ConnectCalendarPayload:
    authorize_url: str | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class CalendarConnectionPayload:
    connection: t.CalendarConnection | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class CalendarAppPayload:
    app: t.CalendarApp | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.input
class CalendarAppInput:
    provider: t.CalendarProviderName
    client_id: str | None = None
    client_secret: str | None = strawberry.field(
        default=None, description="null keeps the stored secret; an empty string clears it."
    )
    directory_tenant: str | None = None
    enabled: bool | None = None
    stand_in: str | None = None


def _connection_out(user: User, provider: str) -> t.CalendarConnection | None:
    row = calendar_connection_of(user=user, provider=provider)
    return t.connection_from(row) if row is not None else None


@strawberry.type
class CalendarSyncMutation:
    @strawberry.mutation(
        description="Where to send the viewer to connect their calendar at `provider`; it "
        "sends them back to /app/profile?calendar=connected#calendars (or calendar=error)."
    )
    @typed_errors(ConnectCalendarPayload)
    def connect_calendar(
        self, info: Info, provider: t.CalendarProviderName
    ) -> ConnectCalendarPayload:
        user = require_user(info)
        request = http_request(info)
        url = services.calendar_connect_start(
            user=user, provider=provider.value, session=request.session, tenant=request.tenant
        )
        return ConnectCalendarPayload(authorize_url=url, errors=[])

    @strawberry.mutation(
        description="Disconnect the viewer's calendar: its events are removed there "
        "(DISCONNECTING meanwhile), then it is gone (null)."
    )
    @typed_errors(CalendarConnectionPayload)
    def disconnect_calendar(
        self, info: Info, provider: t.CalendarProviderName
    ) -> CalendarConnectionPayload:
        user = require_user(info)
        row = services.calendar_disconnect(user=user, provider=provider.value, ip=client_ip(info))
        connection = _connection_out(user, provider.value) if row is not None else None
        return CalendarConnectionPayload(connection=connection, errors=[])

    @strawberry.mutation(description="Sync the viewer's calendar now (a whole sync, queued).")
    @typed_errors(CalendarConnectionPayload)
    def sync_calendar(
        self, info: Info, provider: t.CalendarProviderName
    ) -> CalendarConnectionPayload:
        user = require_user(info)
        services.calendar_sync_request(user=user, provider=provider.value)
        return CalendarConnectionPayload(
            connection=_connection_out(user, provider.value), errors=[]
        )

    @strawberry.mutation(description="Enter or change the school's app of a provider (admins).")
    @typed_errors(CalendarAppPayload)
    def update_calendar_app(self, info: Info, input: CalendarAppInput) -> CalendarAppPayload:
        admin = require_admin(info)
        services.calendar_app_set(
            actor=admin,
            provider=input.provider.value,
            client_id=input.client_id,
            client_secret=input.client_secret,
            directory_tenant=input.directory_tenant,
            enabled=input.enabled,
            stand_in=input.stand_in,
            ip=client_ip(info),
        )
        app = next(a for a in apps_out() if a.provider == input.provider)
        return CalendarAppPayload(app=app, errors=[])
