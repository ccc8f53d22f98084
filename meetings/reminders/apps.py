from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from tenants.scheduler import Job


class RemindersConfig(AppConfig):
    name = "meetings.reminders"
    label = "reminders"
    verbose_name = "Reminders"

    def periodic_jobs(self) -> list["Job"]:
        """This app's jobs for the scheduler (tenants.scheduler.default_jobs collects them)."""
        from meetings.reminders.actors import reminders_ledger_purge, reminders_sweep
        from tenants.scheduler import Job
        from tenants.tasking import send_to_each_tenant

        return [
            # Every minute: the sessions whose reminder time has come (at most
            # LIVEROLL_REMINDER_MAX_LATENESS_MINUTES ago) get their reminders.
            Job("reminders-sweep", 60, lambda: send_to_each_tenant(reminders_sweep)),
            Job(
                "reminders-ledger-purge", 3600, lambda: send_to_each_tenant(reminders_ledger_purge)
            ),
        ]
