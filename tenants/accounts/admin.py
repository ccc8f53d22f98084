"""Each school's own Django admin, on its tenant host, for its admins."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from tenants.accounts.forms import ThrottledAdminLoginForm, form_throttled
from tenants.accounts.models import Role, User
from tenants.accounts.services import api_tokens_revoke_all
from tenants.audit.models import AuditEntry
from tenants.school.models import Enrolment, ParentLink, SchoolClass


class ThrottledLoginAdminSite(admin.AdminSite):
    """An admin whose login goes through the sign-in throttle and answers 429 while locked
    (`authenticate()` is throttled anyway; this makes the page say so)."""

    login_form = ThrottledAdminLoginForm

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if form is not None and form.is_bound and form_throttled(form):
            response.status_code = 429
        return response


class SchoolAdminSite(ThrottledLoginAdminSite):
    site_header = "School administration"
    site_title = "School administration"

    def has_permission(self, request):
        return request.user.is_active and request.user.is_staff and request.user.role == Role.ADMIN


school_admin = SchoolAdminSite(name="school_admin")


@admin.register(User, site=school_admin)
class SchoolUserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "name", "password"]}),
        ("Role", {"fields": ["role", "is_active", "is_staff"]}),
        ("Mails and times", {"fields": ["language", "timezone"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "name", "role", "password1", "password2"]})]

    # The one place a person is deactivated. (A new password needs nothing here: the tokens'
    # password fingerprint no longer matches, whichever way it was set.)
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            api_tokens_revoke_all(user=obj, reason="deactivated", actor=request.user)


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    autocomplete_fields = ["student"]


@admin.register(SchoolClass, site=school_admin)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    filter_horizontal = ["teachers"]
    inlines = [EnrolmentInline]


@admin.register(ParentLink, site=school_admin)
class ParentLinkAdmin(admin.ModelAdmin):
    list_display = ["parent", "student", "created_at"]
    autocomplete_fields = ["parent", "student"]


@admin.register(AuditEntry, site=school_admin)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "target_type", "target_id"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action", "target_id"]

    # The log is append-only, even for admins.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
