from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tenants import services
from tenants.selectors import organisation_list_abandoned


class Command(BaseCommand):
    help = "Delete schools nobody signed in to within --days of signing up and that hold no "
    help += "data (their schema, row and hosts). --dry-run lists them and deletes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="abandoned after this many days (default LIVEROLL_ABANDONED_SIGNUP_DAYS)",
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **o: Any) -> None:
        days: int = settings.LIVEROLL_ABANDONED_SIGNUP_DAYS if o["days"] is None else o["days"]
        verb = "would purge" if o["dry_run"] else "purged"
        purged = kept = 0
        for org in organisation_list_abandoned(days=days):
            try:
                services.organisation_purge(
                    organisation=org,
                    by="operator (manage.py purge_abandoned_signups)",
                    days=days,
                    dry_run=o["dry_run"],
                )
            except services.PurgeRefusedError as exc:
                kept += 1
                self.stdout.write(str(exc))
                continue
            purged += 1
            self.stdout.write(
                f"{verb} {org.slug} ({org.name}), signed up {org.created_at:%Y-%m-%d}"
            )
        self.stdout.write(self.style.SUCCESS(f"{verb} {purged}; kept {kept}"))
