"""Both providers' apps set up for `alpha` against the providers' real addresses (requests-mock
answers them), and the teacher connected to both, with tokens valid for an hour."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.calendar_sync import factory
from meetings.calendar_sync.models import CalendarApp, CalendarConnection, Provider
from meetings.calendar_sync.providers.base import EventBody
from meetings.zoom.ratelimit import RateLimiter

from ...support import FakeClock

GOOGLE_API = "https://www.googleapis.com/calendar/v3"
GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"
GRAPH = "https://graph.microsoft.com/v1.0"
MS_TOKEN = "https://login.microsoftonline.com/common/oauth2/v2.0/token"
KEY = "0123456789abcdefghijklmnop"  # lower-case base32hex, 26 characters (EventBody.key)


# The factory's own limiter, before the fixture below stands in for it.
FACTORY_LIMITER = factory._limiter


@pytest.fixture(autouse=True)
def limiter_clock(monkeypatch):
    """No test waits on wall time: the providers the factory makes draw on a shared limiter
    on a fake clock and a Redis prefix of the test's own (deleted afterwards)."""
    clock = FakeClock()
    server = redis.Redis.from_url(settings.REDIS_URL)
    prefix = f"test-calendar:{uuid.uuid4().hex}"

    def limiter(max_wait: float) -> RateLimiter:
        return RateLimiter(
            server,
            rates=settings.LIVEROLL_CALENDAR_RATE_LIMITS,
            prefix=prefix,
            max_wait=max_wait,
            sleep=clock.sleep,
            clock=clock,
        )

    monkeypatch.setattr(factory, "_limiter", limiter)
    yield clock
    keys = list(server.scan_iter(match=f"{prefix}:*"))
    if keys:
        server.delete(*keys)


@dataclass
class Calendars:
    world: object
    google: CalendarConnection
    microsoft: CalendarConnection


def app_create(provider: str, **fields) -> CalendarApp:
    values = {"client_id": f"{provider}-client", "client_secret": f"{provider}-secret", **fields}
    CalendarApp.objects.filter(provider=provider).delete()
    return CalendarApp.objects.create(provider=provider, **values)


def connection_create(user, provider: str, **fields) -> CalendarConnection:
    values = {
        "account_email": "teacher@example.com",
        "calendar_id": "primary" if provider == Provider.GOOGLE else "",
        "access_token": f"{provider}-access",
        "refresh_token": f"{provider}-refresh",
        "expires_at": timezone.now() + timedelta(hours=1),
        **fields,
    }
    return CalendarConnection.objects.create(user=user, provider=provider, **values)


@pytest.fixture
def calendars(alpha):
    with schema_context(alpha.schema):
        app_create(Provider.GOOGLE)
        app_create(Provider.MICROSOFT)
        teacher = alpha.users["teacher"]
        google = connection_create(teacher, Provider.GOOGLE)
        microsoft = connection_create(teacher, Provider.MICROSOFT)
        yield Calendars(alpha, google, microsoft)


def event_body(**overrides) -> EventBody:
    values = {
        "key": KEY,
        "title": "Maths: fractions",
        "description": "Join: https://alpha.localhost/j/abc\nClass: https://alpha.localhost/app/c/1",
        "start": datetime(2026, 3, 2, 3, 0, tzinfo=UTC),  # 09:00 in Dhaka
        "end": datetime(2026, 3, 2, 4, 0, tzinfo=UTC),
        "timezone": "Asia/Dhaka",
        "location": "https://alpha.localhost/j/abc",
        "url": "https://alpha.localhost/app/c/1",
    }
    values.update(overrides)
    return EventBody(**values)


def google_token_body(access="new-access", refresh=None, **extra) -> dict:
    """Google's token endpoint answer (developers.google.com/identity/protocols/oauth2/
    web-server, "Step 5" and "Refreshing an access token"): a refresh sends no refresh_token."""
    body = {
        "access_token": access,
        "expires_in": 3599,
        "scope": "https://www.googleapis.com/auth/calendar.events "
        "https://www.googleapis.com/auth/calendar.freebusy openid "
        "https://www.googleapis.com/auth/userinfo.email",
        "token_type": "Bearer",
        **extra,
    }
    if refresh:
        body["refresh_token"] = refresh
    return body


def ms_token_body(access="new-access", refresh="new-refresh") -> dict:
    """Microsoft identity platform's token answer (learn.microsoft.com/entra/identity-platform/
    v2-oauth2-auth-code-flow, "Successful response" / "Refresh the access token"): every
    refresh returns a new refresh token."""
    return {
        "token_type": "Bearer",
        "scope": "https://graph.microsoft.com/Calendars.ReadWrite "
        "https://graph.microsoft.com/User.Read",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": access,
        "refresh_token": refresh,
    }


@pytest.fixture
def stand_in(sandbox, settings):
    """The sandbox's calendar stand-in, its origin allowed; the demo apps it knows."""
    settings.LIVEROLL_CALENDAR_ALLOWED_STAND_INS = [sandbox.url]
    return sandbox


# --- the sync's tests: a person's sessions, written through the real provider classes to a
# calendar requests-mock keeps (tests/meetings/calendar_sync/remote.py) -------------------------

GOOGLE_OAUTH = "https://oauth2.googleapis.com"


@pytest.fixture
def remote():
    from .remote import Remote

    return Remote()


@pytest.fixture
def slept(monkeypatch):
    """The provider clients' back-off sleeps, recorded instead of slept (no wall-clock waits)."""
    from meetings.calendar_sync import factory
    from meetings.calendar_sync.client import CalendarClient

    sleeps: list[float] = []

    class Client(CalendarClient):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.sleep = sleeps.append

    monkeypatch.setattr(factory, "CalendarClient", Client)
    return sleeps


@pytest.fixture
def edge(remote, requests_mock, slept):
    """Google's endpoints answered from `remote` (the real OAuth, token and provider classes
    make the calls)."""
    from .remote import google_install

    google_install(requests_mock, remote, api=GOOGLE_API, oauth=GOOGLE_OAUTH)
    return remote


def app_set(provider="google", **fields):
    values = {
        "client_id": f"{provider}-client-id",
        "client_secret": f"{provider}-client-secret",
        "enabled": True,
        **fields,
    }
    return CalendarApp.objects.update_or_create(provider=provider, defaults=values)[0]


@pytest.fixture
def google(alpha, edge):
    """alpha's Google app entered; Google answered from `remote`."""
    with schema_context(alpha.schema):
        app_set("google")
    return edge


def connection_make(user, provider="google", **fields):
    values = {
        "status": CalendarConnection.Status.ACTIVE,
        "account_email": f"{user.email}.calendar@example.com",
        "calendar_id": "primary" if provider == Provider.GOOGLE else "",
        "access_token": "ya29.access-0",
        "refresh_token": "1//refresh-token",
        "expires_at": timezone.now() + timedelta(hours=1),
        **fields,
    }
    return CalendarConnection.objects.create(user=user, provider=provider, **values)


def sessions_make(world, count, *, start=None, every=timedelta(days=1), **fields):
    """`count` sessions of the world's class, a day apart from tomorrow, each with a Zoom
    join URL stored (which must never reach a calendar)."""
    from meetings.models import Meeting

    start = start or (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    values = {
        "school_class": world.school_class,
        "host": world.users["teacher"],
        "duration_minutes": 45,
        "timezone": "Asia/Dhaka",
        "join_url": "https://zoom.example/j/123456789?pwd=zoom-secret",
        "zoom_meeting_id": "123456789",
        **fields,
    }
    return [
        Meeting.objects.create(title=f"Maths {i + 1}", start_time=start + every * i, **values)
        for i in range(count)
    ]


@pytest.fixture
def gql_student(alpha):
    """alpha's student's `myCalendars`, as the app reads it."""
    from ...graphql.conftest import GQL

    query = """{ myCalendars { connections { provider status syncing syncDone syncTotal
      eventCount lastError lastSyncAt } } }"""

    def read():
        return GQL(alpha, "student").ok(query)["myCalendars"]

    return read
