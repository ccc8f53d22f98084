"""Meetings in the school's admin: for looking and fixing, not for Zoom work (scheduling goes
through the services, which talk to Zoom). Secrets and join URLs are never shown."""

from django.contrib import admin

from meetings.models import Meeting, Registrant, ZoomConnection
from tenants.accounts.admin import school_admin


class RegistrantInline(admin.TabularInline):
    model = Registrant
    fields = ["user", "status", "zoom_registrant_id", "attempts", "last_error", "updated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Meeting, site=school_admin)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "school_class", "host", "start_time", "status", "zoom_meeting_id"]
    list_filter = ["status", "kind", "target_audience"]
    search_fields = ["title", "zoom_meeting_id", "zoom_uuid"]
    date_hierarchy = "start_time"
    fields = [
        "title",
        "description",
        "school_class",
        "host",
        "kind",
        "start_time",
        "duration_minutes",
        "timezone",
        "status",
        "target_audience",
        "registration_enabled",
        "zoom_account",
        "zoom_meeting_id",
        "zoom_occurrence_id",
        "zoom_uuid",
        "actual_start",
        "actual_end",
    ]
    readonly_fields = fields  # changes go through the services, which keep Zoom in step
    inlines = [RegistrantInline]

    def has_add_permission(self, request):
        return False


@admin.register(ZoomConnection, site=school_admin)
class ZoomConnectionAdmin(admin.ModelAdmin):
    list_display = ["user", "zoom_email", "status", "expires_at", "refreshed_at"]
    list_filter = ["status"]
    fields = ["user", "zoom_email", "zoom_user_id", "status", "expires_at", "scopes", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
