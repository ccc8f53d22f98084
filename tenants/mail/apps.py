from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from tenants.scheduler import Job

# How often the outbox is swept for mails whose message to the worker was lost.
SWEEP_SECONDS = 60


class MailConfig(AppConfig):
    name = "tenants.mail"
    label = "mail"
    verbose_name = "Mail"

    def periodic_jobs(self) -> list["Job"]:
        from tenants.mail.actors import mail_sweep
        from tenants.scheduler import Job
        from tenants.tasking import send_to_each_tenant

        return [Job("mail-sweep", SWEEP_SECONDS, lambda: send_to_each_tenant(mail_sweep))]
