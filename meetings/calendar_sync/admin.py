"""The calendar sync in the school's admin: for looking, never for changing. Nothing is added or
deleted here: a connection goes through `calendar_disconnect` (its events removed from the
person's calendar, the grant revoked, audited), which a row deleted here would skip. A person's
calendar is theirs: the school's admins see what it takes to help (whose, which provider, its
status and last error, how many events were written), not the calendar's address nor its
events. Secrets and tokens are never shown."""

from typing import Any

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from meetings.calendar_sync.models import CalendarApp, CalendarConnection
from meetings.calendar_sync.selectors import calendar_error_text
from tenants.accounts.admin import school_admin


class _LookOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CalendarApp, site=school_admin)
class CalendarAppAdmin(_LookOnly):
    list_display = ["provider", "client_id", "enabled", "stand_in", "updated_at"]
    # Entered in the app (updateCalendarApp), audited there.
    fields = readonly_fields = (
        "provider",
        "client_id",
        "directory_tenant",
        "stand_in",
        "enabled",
        "updated_at",
    )


@admin.register(CalendarConnection, site=school_admin)
class CalendarConnectionAdmin(_LookOnly):
    list_display = ["user", "provider", "status", "events_written", "last_sync_at", "problem"]
    list_filter = ["provider", "status"]
    search_fields = ["user__email", "user__name"]
    fields = readonly_fields = (
        "user",
        "provider",
        "status",
        "connected_at",
        "sync_started_at",
        "last_sync_at",
        "sync_done",
        "sync_total",
        "events_written",
        "events_failing",
        "problem",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarConnection]:
        live = Q(events__removed=False) & ~Q(events__remote_id="")
        rows: QuerySet[CalendarConnection] = super().get_queryset(request)
        return rows.select_related("user").annotate(
            written=Count("events", filter=live),
            failing=Count("events", filter=~Q(events__last_error="")),
        )

    @admin.display(description="events written", ordering="written")
    def events_written(self, obj: CalendarConnection) -> int:
        return int(getattr(obj, "written", 0))

    @admin.display(description="events failing")
    def events_failing(self, obj: CalendarConnection) -> int:
        return int(getattr(obj, "failing", 0))

    @admin.display(description="last error")
    def problem(self, obj: CalendarConnection) -> str:
        return calendar_error_text(code=obj.last_error, provider=obj.provider)
