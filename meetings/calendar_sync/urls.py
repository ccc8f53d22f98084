from django.urls import path

from meetings.calendar_sync import views

urlpatterns = [
    path(
        "oauth/calendar/<str:provider>/callback/",
        views.calendar_callback,
        name="calendar_oauth_callback",
    ),
]
