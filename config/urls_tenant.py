"""A school's host: `<slug>.<base domain>`."""

from django.contrib.auth.views import LogoutView
from django.urls import include, path, re_path

from config.spa import spa
from graphql_api.schema import schema
from graphql_api.views import TenantGraphQLView
from tenants.accounts.admin import school_admin
from tenants.accounts.views import LoginView, home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("admin/", school_admin.urls),
    path("graphql/", TenantGraphQLView.as_view(schema=schema), name="graphql"),
    re_path(r"^app/(?P<asset>.*)$", spa, name="spa"),  # `/app` gets the slash appended
    path("", include("meetings.urls")),
]
