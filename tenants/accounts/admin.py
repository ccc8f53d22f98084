"""Each school's own Django admin, on its tenant host, for its admins."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError

from tenants.accounts.forms import ThrottledAdminLoginForm, form_throttled
from tenants.accounts.models import Role, User
from tenants.accounts.services import api_tokens_revoke_all
from tenants.audit.models import AuditEntry
from tenants.school.models import Enrolment, ParentLink, SchoolClass
from tenants.school.services import (
    RoleMismatch,
    parent_link_check,
    role_change_check,
    students_check,
    teachers_check,
)


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


def _role_rule(check, **people) -> None:
    """Run a role rule of tenants.school.services inside a form's clean."""
    try:
        check(**people)
    except RoleMismatch as exc:
        raise ValidationError(str(exc), code="role") from exc


# Which role each person picker of this admin lists: (model, field) → role.
_PICKER_ROLES: dict[tuple[str, str], Role] = {
    ("enrolment", "student"): Role.STUDENT,
    ("parentlink", "parent"): Role.PARENT,
    ("parentlink", "student"): Role.STUDENT,
    ("schoolclass", "teachers"): Role.TEACHER,
}


class SchoolUserChangeForm(UserChangeForm):
    def clean_role(self):
        role = self.cleaned_data["role"]
        _role_rule(role_change_check, user=self.instance, role=role)
        return role


@admin.register(User, site=school_admin)
class SchoolUserAdmin(DjangoUserAdmin):
    form = SchoolUserChangeForm
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

    # A person is deleted by deletePerson (meetings.services.people), never here: a row
    # deleted here would take with it, by CASCADE, their attendance and the tokens their Zoom
    # and calendars need to be revoked and cleaned up.
    def has_delete_permission(self, request, obj=None):
        return False

    # The one place a person is deactivated. (A new password needs nothing here: the tokens'
    # password fingerprint no longer matches, whichever way it was set.)
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            api_tokens_revoke_all(user=obj, reason="deactivated", actor=request.user)

    # The autocomplete pickers of enrolments and parent links list only fitting people.
    def get_search_results(self, request, queryset, search_term):
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        role = _PICKER_ROLES.get(
            (request.GET.get("model_name", ""), request.GET.get("field_name", ""))
        )
        if role is not None and request.GET.get("app_label") == "school":
            queryset = queryset.filter(role=role)
        return queryset, distinct


def _limit_to_role(db_field, kwargs, model_name: str) -> None:
    role = _PICKER_ROLES.get((model_name, db_field.name))
    if role is not None:
        kwargs["queryset"] = User.objects.filter(role=role)


class EnrolmentForm(forms.ModelForm):
    class Meta:
        model = Enrolment
        fields = ["student"]

    def clean_student(self):
        student = self.cleaned_data["student"]
        _role_rule(students_check, students=[student])
        return student


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    form = EnrolmentForm
    extra = 0
    autocomplete_fields = ["student"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        _limit_to_role(db_field, kwargs, "enrolment")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SchoolClassForm(forms.ModelForm):
    class Meta:
        model = SchoolClass
        fields = ["name", "description", "teachers"]

    def clean_teachers(self):
        teachers = self.cleaned_data["teachers"]
        _role_rule(teachers_check, teachers=teachers)
        return teachers


@admin.register(SchoolClass, site=school_admin)
class SchoolClassAdmin(admin.ModelAdmin):
    form = SchoolClassForm
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    filter_horizontal = ["teachers"]
    inlines = [EnrolmentInline]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        _limit_to_role(db_field, kwargs, "schoolclass")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ParentLinkForm(forms.ModelForm):
    class Meta:
        model = ParentLink
        fields = ["parent", "student"]

    def clean(self):
        data = super().clean()
        parent, student = data.get("parent"), data.get("student")
        if parent is not None and student is not None:
            _role_rule(parent_link_check, parent=parent, student=student)
        return data


@admin.register(ParentLink, site=school_admin)
class ParentLinkAdmin(admin.ModelAdmin):
    form = ParentLinkForm
    list_display = ["parent", "student", "created_at"]
    autocomplete_fields = ["parent", "student"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        _limit_to_role(db_field, kwargs, "parentlink")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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
