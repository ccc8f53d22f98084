"""The calendar sync as GraphQL shows it: plain types built from rows, never the rows."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from meetings.calendar_sync.models import CalendarApp as CalendarAppRow
from meetings.calendar_sync.models import CalendarConnection as CalendarConnectionRow
from meetings.calendar_sync.selectors import calendar_error_text


@strawberry.enum
class CalendarProviderName(Enum):
    GOOGLE = "google"
    MICROSOFT = "microsoft"


@strawberry.enum
class CalendarConnectionStatus(Enum):
    ACTIVE = "active"
    NEEDS_RECONNECT = "needs_reconnect"
    DISCONNECTING = "disconnecting"


@strawberry.type(description="One of the viewer's own connected calendars.")
class CalendarConnection:
    provider: CalendarProviderName
    status: CalendarConnectionStatus
    account_email: str
    connected_at: datetime
    last_sync_at: datetime | None
    syncing: bool = strawberry.field(
        description='A whole sync is running (connect, "sync now", the periodic job).'
    )
    sync_done: int = strawberry.field(description="Progress of that sync.")
    sync_total: int
    event_count: int = strawberry.field(description="Events written there now.")
    last_error: str = strawberry.field(
        description="Empty when none; our words, in the viewer's language."
    )


@strawberry.type
class CalendarProviderOption:
    provider: CalendarProviderName
    available: bool = strawberry.field(
        description="The school's admin has entered and enabled this provider's app."
    )


@strawberry.type
class MyCalendars:
    providers: list[CalendarProviderOption]
    connections: list[CalendarConnection]


@strawberry.type(
    description="A provider's app as the school's admin entered it (the secret is never returned)."
)
class CalendarApp:
    provider: CalendarProviderName
    client_id: str
    has_client_secret: bool
    directory_tenant: str = strawberry.field(description='Microsoft only ("common" by default).')
    enabled: bool
    stand_in: str = strawberry.field(
        description="Empty: the provider itself; else an allowed stand-in origin."
    )
    allowed_stand_ins: list[str]
    redirect_url: str = strawberry.field(
        description="To register at the provider: this school's callback."
    )
    connected_count: int


def connection_from(row: CalendarConnectionRow) -> CalendarConnection:
    started, last = row.sync_started_at, row.last_sync_at
    return CalendarConnection(
        provider=CalendarProviderName(row.provider),
        status=CalendarConnectionStatus(row.status),
        account_email=row.account_email,
        connected_at=row.connected_at,
        last_sync_at=last,
        syncing=started is not None and (last is None or last < started),
        sync_done=min(row.sync_done, row.sync_total),
        sync_total=row.sync_total,
        event_count=int(getattr(row, "event_count", 0) or 0),
        last_error=calendar_error_text(code=row.last_error, provider=row.provider),
    )


def app_from(
    row: CalendarAppRow, *, allowed: list[str], redirect_url: str, connected: int
) -> CalendarApp:
    return CalendarApp(
        provider=CalendarProviderName(row.provider),
        client_id=row.client_id,
        has_client_secret=bool(row.client_secret),
        directory_tenant=row.directory_tenant,
        enabled=row.enabled,
        stand_in=row.stand_in,
        allowed_stand_ins=allowed,
        redirect_url=redirect_url,
        connected_count=connected,
    )
