from django.core.management.base import BaseCommand, CommandError

from tenants import services
from tenants.models import Organisation


class Command(BaseCommand):
    help = "Suspend a school (its hosts show a suspended page; webhooks are still stored), "
    help += "or reactivate it with --reactivate."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--reason", default="suspended by an operator")
        parser.add_argument("--reactivate", action="store_true")

    def handle(self, *args, **o):
        org = (
            Organisation.objects.exclude(status=Organisation.Status.SPARE)
            .filter(slug=o["slug"])
            .first()
        )
        if org is None:
            raise CommandError(f"no school with subdomain {o['slug']!r}")
        if o["reactivate"]:
            services.organisation_reactivate(organisation=org, by="operator (manage.py)")
            self.stdout.write(self.style.SUCCESS(f"{org.slug} is active again"))
        else:
            services.organisation_suspend(
                organisation=org, reason=o["reason"], by="operator (manage.py)"
            )
            self.stdout.write(self.style.SUCCESS(f"{org.slug} is suspended"))
