from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from tenants.scheduler import Job


class AttendanceConfig(AppConfig):
    name = "attendance"

    def periodic_jobs(self) -> list["Job"]:
        """This app's jobs for the scheduler (tenants.scheduler.default_jobs collects them)."""
        from attendance.actors import people_anonymise
        from attendance.inbox.purge import webhook_bodies_purge_actor as purge_actor
        from attendance.inbox.sweep import webhook_inbox_sweep_actor
        from attendance.recordings.actors import (
            recordings_reconcile_sweep,
            recordings_retention_purge,
            transcripts_resend,
        )
        from tenants.scheduler import Job
        from tenants.tasking import send_to_each_tenant

        return [
            # Events stored while Redis was down (or whose message was lost) are sent again.
            Job("webhook-inbox-sweep", 60, lambda: send_to_each_tenant(webhook_inbox_sweep_actor)),
            # Bodies of handled events are blanked after LIVEROLL_WEBHOOK_BODY_RETENTION_DAYS.
            Job("webhook-bodies-purge", 3600, lambda: send_to_each_tenant(purge_actor)),
            # Deleted people are anonymised within the hour (the promise is 24 hours).
            Job("people-anonymise", 3600, lambda: send_to_each_tenant(people_anonymise)),
            # Recordings whose recording.completed was missed are asked of Zoom (a few days).
            Job(
                "recordings-reconcile",
                6 * 3600,
                lambda: send_to_each_tenant(recordings_reconcile_sweep),
            ),
            # Recordings, transcripts and summaries past the school's retention setting go.
            Job(
                "recordings-retention-purge",
                3600,
                lambda: send_to_each_tenant(recordings_retention_purge),
            ),
            # Transcript fetches and summaries whose message was lost are sent again.
            Job("transcripts-resend", 900, lambda: send_to_each_tenant(transcripts_resend)),
        ]
