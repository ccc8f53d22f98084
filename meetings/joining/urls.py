from django.urls import path

from meetings.joining import views

urlpatterns = [
    path("join/<str:token>/", views.join, name="join"),
]
