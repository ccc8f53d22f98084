"""A school's host: `<slug>.<base domain>`."""

from django.contrib.auth.views import LogoutView
from django.urls import include, path, re_path

from attendance.recordings.views import recording_file_download, recording_file_play
from attendance.views import data_export_download
from config.spa import spa
from graphql_api.schema import schema
from graphql_api.views import TenantGraphQLView
from tenants.accounts import views as accounts
from tenants.accounts.admin import school_admin
from tenants.accounts.views import LoginView, home, login_code, two_factor
from tenants.views import email_confirm, email_confirmation_resend

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/login/code/", login_code, name="login_code"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", two_factor, name="two_factor"),
    path(
        "accounts/invitation/<str:token>/",
        accounts.invitation_accept_page,
        name="invitation_accept",
    ),
    path("accounts/password/reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        accounts.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/password/change/",
        accounts.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        accounts.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/confirm-email/resend/",
        email_confirmation_resend,
        name="email_confirmation_resend",
    ),
    path("accounts/confirm-email/<str:token>/", email_confirm, name="email_confirm"),
    path("admin/", school_admin.urls),
    path("graphql/", TenantGraphQLView.as_view(schema=schema), name="graphql"),
    re_path(r"^app/(?P<asset>.*)$", spa, name="spa"),  # `/app` gets the slash appended
    path("exports/<int:export_id>/download/", data_export_download, name="data_export_download"),
    path("recordings/files/<int:file_id>/play/", recording_file_play, name="recording_file_play"),
    path(
        "recordings/files/<int:file_id>/download/",
        recording_file_download,
        name="recording_file_download",
    ),
    path("", include("meetings.urls")),
]
