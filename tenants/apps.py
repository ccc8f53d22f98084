from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from tenants.scheduler import Job


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Organisations"

    def periodic_jobs(self) -> list["Job"]:
        """This app's jobs for the scheduler (tenants.scheduler.default_jobs collects them)."""
        from tenants.actors import sessions_purge, spare_pool_refill
        from tenants.scheduler import Job, send_one
        from tenants.tasking import send_to_each_tenant

        return [
            Job("spare-pool-refill", 300, lambda: send_one(spare_pool_refill)),
            Job("sessions-purge", 3600, lambda: send_to_each_tenant(sessions_purge)),
        ]
