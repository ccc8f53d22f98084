from django.core.management import call_command
from django.core.management.base import BaseCommand

from tenants import services


class Command(BaseCommand):
    help = (
        "Deploy-time migration: the public schema, every tenant and spare schema, then the "
        "template that new tenants are cloned from, then the pool of spare schemas."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-spares", action="store_true", help="Do not refill spares.")

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("migrate_schemas", interactive=False, verbosity=verbosity)
        services.template_migrate(verbosity=verbosity)
        self.stdout.write("template schema is current")
        if not options["no_spares"]:
            made = services.spare_pool_fill()
            self.stdout.write(f"spare schemas made: {made}")
