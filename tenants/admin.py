"""The operators' admin, on the bare base domain (public schema)."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from tenants import selectors, services
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


class AbandonedFilter(admin.SimpleListFilter):
    title = "abandoned sign-up"
    parameter_name = "abandoned"

    def lookups(self, request, model_admin):
        days = settings.LIVEROLL_ABANDONED_SIGNUP_DAYS
        return [("yes", f"Nobody signed in within {days} days"), ("no", "No")]

    def queryset(self, request, queryset):
        abandoned = selectors.organisation_list_abandoned().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=abandoned)
        if self.value() == "no":
            return queryset.exclude(pk__in=abandoned)
        return queryset


@admin.register(Organisation, site=platform_admin)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "schema_name",
        "status",
        "created_at",
        "first_signin_at",
        "admin_email_confirmed_at",
        "holds_data",
    ]
    list_filter = ["status", AbandonedFilter]
    search_fields = ["name", "slug"]
    readonly_fields = [
        "schema_name",
        "slug",
        "status",
        "created_at",
        "first_signin_at",
        "admin_email_confirmed_at",
    ]
    inlines = [DomainInline]
    actions = ["suspend", "reactivate", "purge"]

    def get_changelist_instance(self, request):
        # Whether each school on the page holds data lives in its own schema: asked in one
        # query for the whole page, not one per row.
        changelist = super().get_changelist_instance(request)
        orgs = [o for o in changelist.result_list if o.status != Organisation.Status.SPARE]
        found = selectors.organisation_data_found(schema_names=[o.schema_name for o in orgs])
        for org in orgs:
            org.data_found = found.get(org.schema_name, [])
        return changelist

    @admin.display(description="data", boolean=True)
    def holds_data(self, obj):
        data = getattr(obj, "data_found", None)
        return None if data is None else bool(data)

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

    @admin.action(description="Purge selected abandoned sign-ups (schema and all)")
    def purge(self, request, queryset):
        purged: list[str] = []
        for org in queryset:
            try:
                services.organisation_purge(organisation=org, by=request.user.email)
            except services.PurgeRefusedError as exc:
                messages.warning(request, str(exc))
                continue
            purged.append(org.slug)
        if purged:
            messages.success(request, "Purged: " + ", ".join(purged))


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
