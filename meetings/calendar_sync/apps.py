from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from tenants.scheduler import Job


class CalendarSyncConfig(AppConfig):
    """People's own calendars (Google Calendar, Microsoft Outlook): the school's provider apps,
    each person's connection, and the events written there for their sessions. Zoom is the
    source of truth; the calendars follow it, one way."""

    name = "meetings.calendar_sync"
    label = "calendar_sync"

    def periodic_jobs(self) -> list["Job"]:
        """This app's jobs for the scheduler (tenants.scheduler.default_jobs collects them)."""
        from meetings.calendar_sync.actors import calendar_sync_all
        from tenants.scheduler import Job
        from tenants.tasking import send_to_each_tenant

        return [
            # Catches what no session change announces (an enrolment, a person's role): a whole
            # sync of every connection; unchanged sessions cost no call.
            Job("calendar-sync", 1800, lambda: send_to_each_tenant(calendar_sync_all)),
        ]
