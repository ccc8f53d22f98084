from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tenants.accounts.admin import school_admin
from tenants.audit.services import request_ip
from tenants.lifecycle.models import RetentionPolicy
from tenants.lifecycle.services import retention_policy_set


@admin.register(RetentionPolicy, site=school_admin)
class RetentionPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("__str__", "updated_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not RetentionPolicy.objects.exists()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Through the service: bounded and audited like the API's setRetentionPolicy.
        user: Any = request.user
        retention_policy_set(audit_days=obj.audit_days, by=user, ip=request_ip(request))
