"""People's calendar connections in the school's admin: for looking, not for changing (that goes
through the services, which keep the calendars in step). Secrets and tokens are never shown."""

from django.contrib import admin
from django.http import HttpRequest

from meetings.calendar_sync.models import CalendarApp, CalendarConnection, SyncedEvent
from tenants.accounts.admin import school_admin


@admin.register(CalendarApp, site=school_admin)
class CalendarAppAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class SyncedEventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = SyncedEvent
    fields = readonly_fields = ("meeting", "remote_id", "removed", "written_at", "last_error")
    extra = 0
    can_delete = False


@admin.register(CalendarConnection, site=school_admin)
class CalendarConnectionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "provider", "account_email", "status", "last_sync_at"]
    list_filter = ["provider", "status"]
    search_fields = ["user__email", "account_email"]
    fields = readonly_fields = (
        "user",
        "provider",
        "account_email",
        "status",
        "connected_at",
        "expires_at",
        "sync_started_at",
        "last_sync_at",
        "sync_done",
        "sync_total",
        "last_error",
    )
    inlines = [SyncedEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
