from django.urls import include, path

from meetings import views
from meetings.invitations import views as invitation_views

urlpatterns = [
    path("zoom/", views.zoom_page, name="zoom"),
    path("zoom/connect/", views.zoom_connect, name="zoom_connect"),
    path("zoom/disconnect/", views.zoom_disconnect, name="zoom_disconnect"),
    path("oauth/zoom/callback/", views.zoom_callback, name="zoom_callback"),
    path("zoom/settings/", views.zoom_settings_page, name="zoom_settings"),
    path(
        "zoom/settings/connections/<int:user_id>/revoke/",
        views.zoom_disconnect,
        name="zoom_revoke",
    ),
    path("classes/", views.class_list, name="classes"),
    path("classes/<int:class_id>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:meeting_id>/start/", views.meeting_start, name="meeting_start"),
    path("meetings/<int:meeting_id>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("rsvp/<str:token>/", invitation_views.rsvp, name="rsvp"),
    path("", include("meetings.joining.urls")),
]
