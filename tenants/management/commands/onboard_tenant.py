import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants import services


class Command(BaseCommand):
    help = "Create a school (tenant) with its admin user, as the sign-up page does."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="subdomain, e.g. 'riverside'")
        parser.add_argument("--name", required=True, help="the school's name")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password", required=True, help="the admin's first password")
        parser.add_argument("--admin-name", default="")
        parser.add_argument(
            "--timezone",
            default="UTC",
            help="the school's default time zone (IANA), e.g. Asia/Dhaka",
        )
        parser.add_argument(
            "--admin-email-confirmed",
            action="store_true",
            help="the address is known to be the admin's: mail no confirmation link",
        )

    def handle(self, *args, **o):
        started = time.perf_counter()
        try:
            org = services.organisation_onboard(
                name=o["name"],
                slug=o["slug"],
                admin_email=o["admin_email"],
                admin_password=o["admin_password"],
                admin_name=o["admin_name"],
                onboarded_by="operator (manage.py onboard_tenant)",
                admin_email_confirmed=o["admin_email_confirmed"],
                timezone_name=o["timezone"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except services.TemplateBehindError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{org.name} is ready at {services.tenant_url(org.slug)} ({elapsed:.2f} s)"
            )
        )
