from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.calendar_sync import services
from meetings.calendar_sync.models import CalendarApp, CalendarConnection
from meetings.calendar_sync.providers.base import (
    AccountInfo,
    CalendarGrantRevoked,
    CalendarOAuth,
    CalendarProvider,
    CalendarRateLimited,
    CalendarUnavailable,
    TokenGrant,
    Written,
)
from meetings.models import Meeting

from .remote import Remote

GOOGLE_OAUTH = "https://oauth2.googleapis.com"
GOOGLE_API = "https://www.googleapis.com/calendar/v3"


@pytest.fixture
def remote():
    return Remote()


# --- scaffold (until the provider edge lands): the interface, over the same Remote ----------


class _ScaffoldProvider(CalendarProvider):
    name = "google"

    def __init__(self, remote: Remote):
        self.remote = remote

    def _call(self, method, path):
        self.remote.calls.append((method, path))
        if self.remote.grant_revoked:
            raise CalendarGrantRevoked("revoked")
        if self.remote.rate_limited and len(self.remote.calls) >= self.remote.rate_limit_from:
            self.remote.rate_limited -= 1
            raise CalendarRateLimited("limited", retry_after=self.remote.retry_after)

    def account(self):
        return AccountInfo(email=self.remote.email, calendar_id="primary")

    def event_put(self, body, *, remote_id=""):
        self._call("PUT" if remote_id else "POST", "/events")
        data = {
            "summary": body.title,
            "description": body.description,
            "location": body.location,
            "start": {"dateTime": body.start.isoformat(), "timeZone": body.timezone},
            "end": {"dateTime": body.end.isoformat(), "timeZone": body.timezone},
            "status": "confirmed",
        }
        target = remote_id or body.key
        self.remote.events[target] = {"id": target, **data}
        if not remote_id and self.remote.lose_next_insert_answer:
            self.remote.lose_next_insert_answer = False
            raise CalendarUnavailable("lost")
        return Written(remote_id=target, etag="1")

    def event_delete(self, remote_id):
        self._call("DELETE", "/events")
        if remote_id in self.remote.events:
            self.remote.events[remote_id]["status"] = "cancelled"

    def busy(self, *, start, end):
        return []


class _ScaffoldOAuth(CalendarOAuth):
    def __init__(self, remote: Remote):
        self.remote = remote

    def authorize_url(self, *, state, redirect_uri, login_hint=""):
        query = urlencode({"state": state, "redirect_uri": redirect_uri})
        return f"https://accounts.google.com/o/oauth2/v2/auth?{query}"

    def exchange_code(self, *, code, redirect_uri):
        if self.remote.grant_revoked:
            raise CalendarGrantRevoked("invalid_grant")
        return TokenGrant(access_token="acc", refresh_token="ref", expires_in=3599)

    def refresh(self, *, refresh_token):
        raise NotImplementedError

    def revoke(self, *, token):
        self.remote.revoked_tokens.append(token)


@pytest.fixture
def edge(remote, monkeypatch):
    monkeypatch.setattr(services, "_provider", lambda connection: _ScaffoldProvider(remote))
    monkeypatch.setattr(services, "_oauth", lambda app: _ScaffoldOAuth(remote))
    return remote


# --- the school, people, sessions -----------------------------------------------------------


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
    """alpha's Google app entered; the provider answered from `remote`."""
    with schema_context(alpha.schema):
        app_set("google")
    return edge


def connection_make(user, provider="google", **fields):
    values = {
        "status": CalendarConnection.Status.ACTIVE,
        "account_email": f"{user.email}.calendar@example.com",
        "calendar_id": "primary",
        "access_token": "ya29.access-0",
        "refresh_token": "1//refresh-token",
        "expires_at": timezone.now() + timedelta(hours=1),
        **fields,
    }
    return CalendarConnection.objects.create(user=user, provider=provider, **values)


def sessions_make(world, count, *, start=None, every=timedelta(days=1), **fields):
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
