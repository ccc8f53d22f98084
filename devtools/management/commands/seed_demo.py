"""`seed_demo`: the demo school of `make up` (people, a class, Zoom settings and the Google and
Microsoft calendar apps pointing at the local sandbox, recordings shown to students and
parents). Two locks keep it out of
production: the command exists only where the settings install the devtools app (local,
test), and it refuses to run unless LIVEROLL_DEMO_SEED is on (local and test settings;
production sets it off)."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_tenants.utils import schema_context

from tenants import services
from tenants.accounts.models import Role, User
from tenants.accounts.services import user_create
from tenants.confirmation import email_confirmed_mark
from tenants.models import Organisation
from tenants.school.services import class_create, class_enrol, parent_link

DEMO_SLUG = "demo"


class Command(BaseCommand):
    help = "Create the development demo tenant (idempotent). Refused in production settings."

    def handle(self, *args, **options):
        if not getattr(settings, "LIVEROLL_DEMO_SEED", False):
            raise CommandError("the demo seed is for development only (LIVEROLL_DEMO_SEED off)")
        password = os.environ.get("DEMO_PASSWORD", "liveroll-demo")
        webhook_secret = os.environ.get("DEMO_ZOOM_WEBHOOK_SECRET", "demo-webhook-secret")
        sandbox = os.environ.get(
            "ZOOM_SANDBOX_URL", f"http://127.0.0.1:{os.environ.get('ZOOM_SANDBOX_PORT', '8765')}"
        )
        org = Organisation.objects.filter(slug=DEMO_SLUG).first()
        if org is None:
            org = services.organisation_onboard(
                name="Demo School",
                slug=DEMO_SLUG,
                admin_email="admin@demo.test",
                admin_password=password,
                admin_name="Demo Admin",
                onboarded_by="seed_demo",
                admin_email_confirmed=True,
            )
        # A demo school made before sign-ups confirmed emails counts as confirmed too.
        email_confirmed_mark(organisation=org, by="seed_demo")
        with schema_context(org.schema_name), transaction.atomic():
            seed_people(password=password)
            seed_zoom_settings(sandbox=sandbox, webhook_secret=webhook_secret)
            seed_calendar_apps(sandbox=sandbox)
            seed_recording_settings()
        self.stdout.write(
            self.style.SUCCESS(f"demo tenant ready at {services.tenant_url(DEMO_SLUG)}")
        )


def _person(email: str, name: str, role: Role, password: str) -> User:
    user = User.objects.filter(email=email).first()
    return user or user_create(email=email, password=password, role=role, name=name)


def seed_people(*, password: str) -> None:
    from tenants.school.models import SchoolClass

    teacher1 = _person("teacher1@demo.test", "Tara Teacher", Role.TEACHER, password)
    _person("teacher2@demo.test", "Theo Teacher", Role.TEACHER, password)
    students = [
        _person(f"student{i:02d}@demo.test", f"Student {i:02d}", Role.STUDENT, password)
        for i in range(1, 21)
    ]
    parent = _person("parent01@demo.test", "Pat Parent", Role.PARENT, password)
    demo_class = SchoolClass.objects.filter(name="Demo class").first() or class_create(
        name="Demo class", teachers=[teacher1]
    )
    class_enrol(school_class=demo_class, students=students)
    parent_link(parent=parent, student=students[0])


def seed_zoom_settings(*, sandbox: str, webhook_secret: str) -> None:
    from meetings.models import ZoomSettings

    ZoomSettings.objects.update_or_create(
        singleton=True,
        defaults={
            "client_id": "demo-client-id",
            "client_secret": "demo-client-secret",
            "account_id": "demo-account",
            "webhook_secret_token": webhook_secret,
            "api_base_url": f"{sandbox}/v2",
            "oauth_base_url": sandbox,
        },
    )


# The apps the sandbox's calendar stand-in knows from the start (zoom_sandbox.calendars.DEMO_APPS;
# devtools and zoom_sandbox do not import each other).
DEMO_CALENDAR_APPS = {
    "google": ("demo-google-client", "demo-google-secret"),
    "microsoft": ("demo-microsoft-client", "demo-microsoft-secret"),
}


def seed_calendar_apps(*, sandbox: str) -> None:
    """Google Calendar and Microsoft Outlook, both at the sandbox's stand-in (its page
    `<sandbox>/calendars/` shows what the platform writes there)."""
    from meetings.calendar_sync.models import CalendarApp

    for provider, (client_id, secret) in DEMO_CALENDAR_APPS.items():
        CalendarApp.objects.update_or_create(
            provider=provider,
            defaults={
                "client_id": client_id,
                "client_secret": secret,
                "directory_tenant": "common",
                "stand_in": sandbox,
                "enabled": True,
            },
        )


def seed_recording_settings() -> None:
    """The demo school shows its classes' recordings, transcripts and summaries to the students
    and their parents, so that a played class shows the whole flow to every demo login. Only
    those two choices: a summariser an admin configured stays as it is."""
    from attendance.recordings.models import RecordingSettings

    RecordingSettings.objects.update_or_create(
        singleton=True, defaults={"students_may_view": True, "parents_may_view": True}
    )
