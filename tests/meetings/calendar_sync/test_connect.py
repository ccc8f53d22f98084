"""Connecting a calendar: the OAuth round trip, its state (signed, bound to the school, the
person, the provider and the session, single use) and the callback page's landings."""

from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django_tenants.utils import schema_context

from meetings.calendar_sync import actors, services
from meetings.calendar_sync.models import CalendarConnection
from tenants.audit.models import AuditEntry

from ...graphql.conftest import GQL

pytestmark = pytest.mark.django_db

CONNECT = """mutation($p: CalendarProviderName!) {
  connectCalendar(provider: $p) { authorizeUrl errors { field message code } } }"""


def _state_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


def _start(world, role, provider="google"):
    session: dict = {}
    with schema_context(world.schema):
        url = services.calendar_connect_start(
            user=world.users[role], provider=provider, session=session, tenant=world.org
        )
    return url, session


def _finish(world, role, session, state, provider="google", code="4/0AX4XfWh-code"):
    with schema_context(world.schema):
        return services.calendar_connect_finish(
            user=world.users[role],
            provider=provider,
            session=session,
            tenant=world.org,
            code=code,
            state=state,
        )


@pytest.mark.parametrize("role", ["admin", "teacher", "student", "parent"])
def test_anyone_signed_in_connects_and_the_first_sync_is_queued(
    alpha, google, role, django_capture_on_commit_callbacks
):
    # given: the person is sent to the provider
    url, session = _start(alpha, role)
    assert parse_qs(urlsplit(url).query)["redirect_uri"] == [
        services.calendar_callback_url(slug=alpha.org.slug, provider="google")
    ]

    # when: they come back with a code
    with (
        mock.patch.object(actors.calendar_sync_connection, "send") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        connection = _finish(alpha, role, session, _state_of(url))

    # then
    with schema_context(alpha.schema):
        connection.refresh_from_db()
        audited = AuditEntry.objects.filter(action="calendar.connection.connected").count()
    assert connection.status == CalendarConnection.Status.ACTIVE
    assert connection.account_email == google.email
    assert connection.refresh_token and connection.access_token
    assert connection.sync_started_at is not None
    assert audited == 1
    send.assert_called_once_with(connection.pk)


def test_a_forged_state_is_refused(alpha, google):
    url, session = _start(alpha, "student")
    forged = signing.dumps(
        {"s": alpha.schema, "u": alpha.users["student"].pk, "p": "google", "n": "guess"},
        salt="another-salt",
    )
    with pytest.raises(services.CalendarStateError):
        _finish(alpha, "student", session, forged)


def test_a_state_is_used_once(alpha, google):
    url, session = _start(alpha, "student")
    _finish(alpha, "student", session, _state_of(url))

    # the nonce went from the session with the first use
    with pytest.raises(services.CalendarStateError):
        _finish(alpha, "student", session, _state_of(url))


def test_another_persons_state_is_refused(alpha, google):
    url, session = _start(alpha, "student")
    with pytest.raises(services.CalendarStateError):
        _finish(alpha, "parent", session, _state_of(url))
    with schema_context(alpha.schema):
        assert not CalendarConnection.objects.exists()


def test_another_providers_or_schools_state_is_refused(alpha, beta, google):
    url, session = _start(alpha, "student")
    with pytest.raises(services.CalendarStateError):
        _finish(alpha, "student", dict(session), _state_of(url), provider="microsoft")
    with schema_context(beta.schema):
        from .conftest import app_set

        app_set("google")
    with pytest.raises(services.CalendarStateError):
        _finish(beta, "student", dict(session), _state_of(url))


def test_connecting_needs_the_schools_app(alpha, edge):
    with pytest.raises(services.CalendarNotSetUp):
        _start(alpha, "student")


def test_the_callback_lands_on_the_profiles_calendars(alpha, google):
    # given: the student asked to connect from the app (the nonce is in their session)
    client = alpha.client("student")
    body = GQL(alpha, client=client).ok(CONNECT, p="GOOGLE")["connectCalendar"]
    assert body["errors"] == []
    state = _state_of(body["authorizeUrl"])

    # when: the provider sends them back
    landed = client.get(f"/oauth/calendar/google/callback/?code=4/0AX4&state={state}")

    # then
    assert landed.status_code == 302
    assert landed["Location"] == "/app/profile?calendar=connected#calendars"
    with schema_context(alpha.schema):
        assert CalendarConnection.objects.filter(user=alpha.users["student"]).exists()


def test_the_callback_says_why_it_failed(alpha, google):
    client = alpha.client("student")
    denied = client.get("/oauth/calendar/google/callback/?error=access_denied&state=x")
    forged = client.get("/oauth/calendar/google/callback/?code=c&state=forged")
    unknown = client.get("/oauth/calendar/yahoo/callback/?code=c&state=x")

    assert denied["Location"] == "/app/profile?calendar=error&reason=denied#calendars"
    assert forged["Location"] == "/app/profile?calendar=error&reason=state#calendars"
    assert unknown.status_code == 404


def test_the_callback_needs_a_signed_in_person(alpha, google):
    landed = alpha.client().get("/oauth/calendar/google/callback/?code=c&state=x")
    assert landed.status_code == 302 and "/oauth/calendar/" not in landed["Location"].split("?")[0]
