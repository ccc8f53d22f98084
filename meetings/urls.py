from django.urls import include, path

from meetings import views
from meetings.invitations import views as invitation_views

# Pages the app replaced answer 301 into /app/ (views.app_redirect); the OAuth round trip, the
# feed, RSVP links and join links stay here.
urlpatterns = [
    path("zoom/", views.zoom_page, name="zoom"),
    path("zoom/connect/", views.zoom_connect, name="zoom_connect"),
    path("zoom/disconnect/", views.zoom_disconnect, name="zoom_disconnect"),
    path("oauth/zoom/callback/", views.zoom_callback, name="zoom_callback"),
    path("zoom/settings/", views.app_redirect(views.APP_ZOOM), name="zoom_settings"),
    path(
        "zoom/settings/connections/<int:user_id>/revoke/",
        views.app_redirect(views.APP_ZOOM),
        name="zoom_revoke",
    ),
    path("classes/", views.app_redirect("/app/classes"), name="classes"),
    path(
        "classes/<int:class_id>/meetings/new/",
        views.app_redirect("/app/schedule?class={class_id}"),
        name="meeting_new",
    ),
    path(
        "meetings/<int:meeting_id>/",
        views.app_redirect("/app/meetings/{meeting_id}"),
        name="meeting_detail",
    ),
    path(
        "meetings/<int:meeting_id>/start/",
        views.app_redirect("/app/meetings/{meeting_id}"),
        name="meeting_start",
    ),
    path(
        "meetings/<int:meeting_id>/cancel/",
        views.app_redirect("/app/meetings/{meeting_id}"),
        name="meeting_cancel",
    ),
    path("calendar/", views.app_redirect("/app/profile"), name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("rsvp/<str:token>/", invitation_views.rsvp, name="rsvp"),
    path("", include("meetings.joining.urls")),
    path("", include("meetings.calendar_sync.urls")),
]
