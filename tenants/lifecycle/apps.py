from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from tenants.scheduler import Job


class LifecycleConfig(AppConfig):
    name = "tenants.lifecycle"
    label = "lifecycle"
    verbose_name = "Data retention"

    def periodic_jobs(self) -> list["Job"]:
        """This app's jobs for the scheduler (tenants.scheduler.default_jobs collects them)."""
        from tenants.lifecycle.actors import audit_entries_purge, exports_expire
        from tenants.scheduler import Job
        from tenants.tasking import send_to_each_tenant

        return [
            # Audit entries (and with them their IP hashes) past the school's retention.
            Job("audit-retention-purge", 3600, lambda: send_to_each_tenant(audit_entries_purge)),
            Job("exports-expire", 3600, lambda: send_to_each_tenant(exports_expire)),
        ]
