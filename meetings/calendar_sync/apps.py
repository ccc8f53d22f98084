from django.apps import AppConfig


class CalendarSyncConfig(AppConfig):
    """People's own calendars (Google Calendar, Microsoft Outlook): the school's provider apps,
    each person's connection, and the events written there for their sessions. Zoom is the
    source of truth; the calendars follow it, one way."""

    name = "meetings.calendar_sync"
    label = "calendar_sync"
