"""The demo school's calendar apps point at the sandbox's stand-in, with credentials it knows."""

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from meetings.calendar_sync.endpoints import endpoints_for
from meetings.calendar_sync.models import CalendarApp
from zoom_sandbox.calendars import DEMO_APPS

pytestmark = pytest.mark.django_db


def test_demo_seed_sets_up_both_calendar_apps_at_the_stand_in(worlds, settings):
    settings.LIVEROLL_CALENDAR_ALLOWED_STAND_INS = ["http://127.0.0.1:8765"]

    call_command("seed_demo")
    call_command("seed_demo")  # idempotent

    with schema_context("demo"):
        apps = {app.provider: app for app in CalendarApp.objects.all()}
        assert set(apps) == {"google", "microsoft"}
        for provider, app in apps.items():
            assert (app.client_id, app.client_secret) == DEMO_APPS[provider]
            assert app.usable and app.stand_in == "http://127.0.0.1:8765"
        assert endpoints_for(apps["google"]).api == "http://127.0.0.1:8765/google/calendar/v3"
        assert endpoints_for(apps["microsoft"]).token == (
            "http://127.0.0.1:8765/microsoft/common/oauth2/v2.0/token"
        )
