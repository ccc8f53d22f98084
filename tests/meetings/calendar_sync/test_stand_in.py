"""The platform's real classes against the sandbox's calendar stand-in, over HTTP: each
provider's OAuth round trip (the authorize page, the code, the tokens), then events written,
moved and deleted, and free/busy including a block added through the control API."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.calendar_sync.factory import (
    calendar_app,
    oauth_for,
    provider_for,
    provider_for_grant,
)
from meetings.calendar_sync.models import CalendarConnection, Provider
from meetings.calendar_sync.providers.base import Busy, CalendarGrantRevoked
from meetings.calendar_sync.tokens import connection_tokens_apply
from zoom_sandbox.calendars import DEMO_APPS

from .conftest import app_create, event_body

pytestmark = pytest.mark.django_db

REDIRECT = "http://alpha.localhost:8000/oauth/calendar/{}/callback/"


def _approve(authorize_url: str, email: str) -> dict:
    """What a person does on the stand-in's page: sees their address, presses Allow."""
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200
    assert f'value="{email}"' in page.text and "Allow" in page.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    answer = requests.post(
        urlsplit(authorize_url)._replace(query="").geturl(),
        data={**query, "decision": "allow"},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def _connect(world, stand_in, provider: str) -> CalendarConnection:
    # given: the school's app points at the stand-in with the credentials it knows
    client_id, secret = DEMO_APPS[provider]
    with schema_context(world.schema):
        app_create(provider, stand_in=stand_in.url, client_id=client_id, client_secret=secret)
        app = calendar_app(provider)
        oauth = oauth_for(app)
        redirect = REDIRECT.format(provider)

        # when: the person approves on the authorize page and comes back with a code
        url = oauth.authorize_url(
            state="st-1", redirect_uri=redirect, login_hint="tara@example.com"
        )
        assert url.startswith(stand_in.url + f"/{provider}/")
        back = _approve(url, "tara@example.com")
        assert back["state"] == "st-1"
        grant = oauth.exchange_code(code=back["code"], redirect_uri=redirect)
        account = provider_for_grant(app, access_token=grant.access_token).account()

        # then: whose calendar it is, and tokens to keep
        assert account.email == "tara@example.com"
        connection = CalendarConnection(
            user=world.users["teacher"],
            provider=provider,
            account_email=account.email,
            calendar_id=account.calendar_id,
        )
        connection_tokens_apply(connection=connection, grant=grant)
        connection.save()
        assert connection.refresh_token
        return connection


@pytest.mark.parametrize("provider", [Provider.GOOGLE, Provider.MICROSOFT])
def test_connect_write_move_delete_and_busy_against_the_stand_in(alpha, stand_in, provider):
    connection = _connect(alpha, stand_in, provider)
    with schema_context(alpha.schema):
        calendar = provider_for(connection)

        # write
        written = calendar.event_put(event_body())
        [stand_in_calendar] = stand_in.state.cal_snapshot()
        assert stand_in_calendar["email"] == "tara@example.com"
        [event] = stand_in_calendar["events"]
        assert (event["title"], event["start"], event["end"]) == (
            "Maths: fractions",
            "2026-03-02T03:00:00Z",
            "2026-03-02T04:00:00Z",
        )
        assert event["location"] == "https://alpha.localhost/j/abc"

        # a create retried after a lost answer finds the same event
        again = calendar.event_put(event_body())
        assert again.remote_id == written.remote_id
        assert len(stand_in.state.cal_snapshot()[0]["events"]) == 1

        # move
        later = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
        moved = calendar.event_put(
            event_body(start=later, end=later + timedelta(hours=1)), remote_id=written.remote_id
        )
        [event] = stand_in.state.cal_snapshot()[0]["events"]
        assert event["start"] == "2026-03-02T05:00:00Z"

        # free/busy, with a block the person has elsewhere
        requests.post(
            f"{stand_in.url}/_sandbox/calendars/busy",
            json={
                "provider": provider,
                "email": "tara@example.com",
                "start": "2026-03-02T08:00:00Z",
                "end": "2026-03-02T09:00:00Z",
            },
            timeout=5,
        ).raise_for_status()
        busy = calendar.busy(
            start=datetime(2026, 3, 2, tzinfo=UTC), end=datetime(2026, 3, 3, tzinfo=UTC)
        )
        assert busy == [
            Busy(later, later + timedelta(hours=1)),
            Busy(datetime(2026, 3, 2, 8, tzinfo=UTC), datetime(2026, 3, 2, 9, tzinfo=UTC)),
        ]

        # the person deletes it there; the next update makes it again
        calendar.event_delete(moved.remote_id)
        calendar.event_delete(moved.remote_id)  # gone already: fine
        remade = calendar.event_put(event_body(title="Back"), remote_id=moved.remote_id)
        titles = [
            e["title"]
            for e in stand_in.state.cal_snapshot()[0]["events"]
            if not e["cancelled"] and not e["busy_block"]
        ]
        assert titles == ["Back"] and remade.remote_id

        # the page a newcomer looks at
        page = requests.get(f"{stand_in.url}/calendars/", timeout=5).text
        assert "tara@example.com" in page and "Back" in page


def test_expired_token_is_refreshed_and_microsoft_rotates_the_refresh_token(alpha, stand_in):
    connection = _connect(alpha, stand_in, Provider.MICROSOFT)
    first_refresh = connection.refresh_token
    stand_in.state.cal_expire(Provider.MICROSOFT)
    with schema_context(alpha.schema):
        provider_for(connection).event_put(event_body())  # 401 → refresh → retry

        connection.refresh_from_db()
        assert connection.refresh_token != first_refresh
        # the old refresh token is spent at the stand-in, as Microsoft may treat it
        oauth = oauth_for(calendar_app(Provider.MICROSOFT))
        with pytest.raises(CalendarGrantRevoked):
            oauth.refresh(refresh_token=first_refresh)


def test_google_revoke_ends_the_grant(alpha, stand_in):
    connection = _connect(alpha, stand_in, Provider.GOOGLE)
    with schema_context(alpha.schema):
        oauth = oauth_for(calendar_app(Provider.GOOGLE))

        oauth.revoke(token=connection.refresh_token)
        oauth.revoke(token=connection.refresh_token)  # revoked already: fine

        CalendarConnection.objects.filter(pk=connection.pk).update(expires_at=timezone.now())
        with pytest.raises(CalendarGrantRevoked):
            provider_for(connection).event_put(event_body())
        connection.refresh_from_db()
        assert connection.status == CalendarConnection.Status.NEEDS_RECONNECT


def test_stand_in_rate_limit_is_answered_like_each_provider(alpha, stand_in):
    connection = _connect(alpha, stand_in, Provider.GOOGLE)
    stand_in.state.set_rate_limit(0, account_id="google")
    answer = requests.post(
        f"{stand_in.url}/google/calendar/v3/freeBusy",
        headers={"Authorization": f"Bearer {connection.access_token}"},
        json={"timeMin": "2026-03-02T00:00:00Z", "timeMax": "2026-03-03T00:00:00Z", "items": []},
        timeout=5,
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["errors"][0]["reason"] == "rateLimitExceeded"
