"""Where the platform calls: the providers themselves, or an allowed stand-in; anything else
refused at every use (a row saved before the allow-list changed)."""

import pytest
from django_tenants.utils import schema_context

from meetings.calendar_sync.endpoints import (
    EndpointNotAllowed,
    endpoints_for,
    stand_in_check,
)
from meetings.calendar_sync.factory import CalendarNotSetUp, calendar_app, oauth_for, provider_for
from meetings.calendar_sync.models import CalendarApp, Provider
from tenants.outbound import UnsafeURL

from .conftest import app_create

pytestmark = pytest.mark.django_db


def test_the_providers_own_addresses():
    google = endpoints_for(CalendarApp(provider=Provider.GOOGLE))
    microsoft = endpoints_for(
        CalendarApp(provider=Provider.MICROSOFT, directory_tenant="contoso.com")
    )

    assert google.authorize == "https://accounts.google.com/o/oauth2/v2/auth"
    assert google.token == "https://oauth2.googleapis.com/token"
    assert google.revoke == "https://oauth2.googleapis.com/revoke"
    assert google.api == "https://www.googleapis.com/calendar/v3"
    assert microsoft.authorize == (
        "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize"
    )
    assert microsoft.token == "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token"
    assert microsoft.api == "https://graph.microsoft.com/v1.0"


def test_an_allowed_stand_in_is_laid_out_like_each_provider(settings):
    settings.LIVEROLL_CALENDAR_ALLOWED_STAND_INS = ["http://127.0.0.1:8765/"]

    google = endpoints_for(CalendarApp(provider=Provider.GOOGLE, stand_in="http://127.0.0.1:8765"))
    microsoft = endpoints_for(
        CalendarApp(provider=Provider.MICROSOFT, stand_in="http://127.0.0.1:8765")
    )

    assert google.token == "http://127.0.0.1:8765/google/token"
    assert google.api == "http://127.0.0.1:8765/google/calendar/v3"
    assert google.userinfo == "http://127.0.0.1:8765/google/v1/userinfo"
    assert microsoft.token == "http://127.0.0.1:8765/microsoft/common/oauth2/v2.0/token"
    assert microsoft.api == "http://127.0.0.1:8765/microsoft/v1.0"


@pytest.mark.parametrize(
    "stand_in", ["https://evil.example", "http://127.0.0.1:9999", "http://127.0.0.1:8765/x?y"]
)
def test_a_stand_in_not_allowed_is_refused_at_every_use(settings, stand_in):
    settings.LIVEROLL_CALENDAR_ALLOWED_STAND_INS = ["http://127.0.0.1:8765"]

    with pytest.raises(UnsafeURL):
        stand_in_check(stand_in)
    with pytest.raises(EndpointNotAllowed):
        endpoints_for(CalendarApp(provider=Provider.GOOGLE, stand_in=stand_in))


def test_a_stand_in_once_allowed_is_refused_once_the_list_drops_it(alpha, settings, calendars):
    # given: saved while allowed
    settings.LIVEROLL_CALENDAR_ALLOWED_STAND_INS = ["http://127.0.0.1:8765"]
    with schema_context(alpha.schema):
        CalendarApp.objects.filter(provider=Provider.GOOGLE).update(
            stand_in="http://127.0.0.1:8765"
        )
        app = calendar_app(Provider.GOOGLE)
        assert (
            oauth_for(app)
            .authorize_url(state="s", redirect_uri="https://r")
            .startswith("http://127.0.0.1:8765/google/")
        )

        # when: the environment no longer allows it (production allows none)
        settings.LIVEROLL_CALENDAR_ALLOWED_STAND_INS = []

        # then: neither OAuth nor the API is called there
        with pytest.raises(EndpointNotAllowed):
            oauth_for(app).authorize_url(state="s", redirect_uri="https://r")
        with pytest.raises(EndpointNotAllowed):
            provider_for(calendars.google)


@pytest.mark.parametrize("directory", ["../evil", "a/b", "x?y=1", "a b", "-x"])
def test_a_directory_that_is_not_a_plain_name_is_refused(directory):
    with pytest.raises(EndpointNotAllowed):
        endpoints_for(CalendarApp(provider=Provider.MICROSOFT, directory_tenant=directory))


def test_calendar_app_not_set_up_is_a_typed_error(alpha):
    with schema_context(alpha.schema):
        with pytest.raises(CalendarNotSetUp):
            calendar_app(Provider.GOOGLE)  # no row
        app_create(Provider.GOOGLE, client_secret="")
        with pytest.raises(CalendarNotSetUp):
            calendar_app(Provider.GOOGLE)  # no secret
        app_create(Provider.MICROSOFT, enabled=False)
        with pytest.raises(CalendarNotSetUp):
            calendar_app(Provider.MICROSOFT)  # switched off
        with pytest.raises(CalendarNotSetUp):
            calendar_app("yahoo")
