"""The bare base domain: sign-up and the operators' admin."""

from django.urls import path

from tenants.admin import platform_admin
from tenants.views import signup

urlpatterns = [
    path("", signup, name="signup"),
    path("admin/", platform_admin.urls),
]
