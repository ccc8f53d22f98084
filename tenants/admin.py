"""The operators' admin, on the bare base domain (public schema)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from tenants import services
from tenants.accounts.admin import ThrottledLoginAdminSite
from tenants.accounts.models import User
from tenants.models import Domain, Organisation


class PlatformAdminSite(ThrottledLoginAdminSite):
    site_header = "liveroll operators"
    site_title = "liveroll operators"

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser


platform_admin = PlatformAdminSite(name="platform_admin")


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Organisation, site=platform_admin)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "schema_name", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "slug"]
    readonly_fields = ["schema_name", "slug", "status", "created_at"]
    inlines = [DomainInline]
    actions = ["suspend", "reactivate"]

    def has_add_permission(self, request):
        return False  # onboarding goes through the sign-up page or `manage.py onboard_tenant`

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Suspend selected organisations")
    def suspend(self, request, queryset):
        for org in queryset.exclude(status=Organisation.Status.SPARE):
            services.organisation_suspend(
                organisation=org, reason="suspended by an operator", by=request.user.email
            )
        messages.success(request, "Suspended. Their hosts now show a suspended page.")

    @admin.action(description="Reactivate selected organisations")
    def reactivate(self, request, queryset):
        for org in queryset.filter(status=Organisation.Status.SUSPENDED):
            services.organisation_reactivate(organisation=org, by=request.user.email)
        messages.success(request, "Reactivated.")


@admin.register(User, site=platform_admin)
class OperatorAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_superuser", "is_active"]
    list_filter = ["is_superuser", "is_active"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "name", "password"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "password1", "password2"]})]
