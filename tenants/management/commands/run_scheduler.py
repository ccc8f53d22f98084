from typing import Any

from django.core.management.base import BaseCommand

from tenants.scheduler import run_forever


class Command(BaseCommand):
    help = "Run the periodic-job scheduler (sends messages; workers do the work)."

    def handle(self, *args: Any, **options: Any) -> None:
        run_forever()
