from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from tenants.scheduler import Job


class MeetingsConfig(AppConfig):
    name = "meetings"

    def periodic_jobs(self) -> list["Job"]:
        """This app's jobs for the scheduler (tenants.scheduler.default_jobs collects them)."""
        from meetings.actors import (
            registrants_sweep,
            zoom_links_purge,
            zoom_meetings_reconcile,
            zoom_tokens_refresh_due,
        )
        from tenants.scheduler import Job
        from tenants.tasking import send_to_each_tenant

        return [
            # Access tokens live an hour; refreshing those due within 15 minutes every 5 keeps
            # every connection ahead of expiry.
            Job("zoom-tokens-refresh", 300, lambda: send_to_each_tenant(zoom_tokens_refresh_due)),
            Job("registrants-sweep", 600, lambda: send_to_each_tenant(registrants_sweep)),
            # Seed 003: Zoom URLs and join devices go 30 days after the meeting (retention.py).
            Job("zoom-links-purge", 3600, lambda: send_to_each_tenant(zoom_links_purge)),
            # Zoom is the source of truth: what a missed meeting.updated / meeting.deleted left
            # different (meetings.services.zoom_changes), a bounded batch per school each run.
            Job(
                "zoom-meetings-reconcile",
                1800,
                lambda: send_to_each_tenant(zoom_meetings_reconcile),
            ),
        ]
