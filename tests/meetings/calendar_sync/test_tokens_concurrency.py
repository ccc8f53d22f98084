"""Microsoft rotates refresh tokens: two processes refreshing one connection at once must make
one refresh, and the one that waited must use the token the first stored. Real threads, each
with its own database connection, on committed rows (so no test transaction here)."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.calendar_sync.factory import calendar_app, oauth_for
from meetings.calendar_sync.models import CalendarApp, CalendarConnection, Provider
from meetings.calendar_sync.tokens import ConnectionTokens

from ...support import committed
from .conftest import MS_TOKEN, ms_token_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed_connection(worlds):
    world = worlds["a"]

    def create():
        with schema_context(world.schema):
            CalendarApp.objects.create(
                provider=Provider.MICROSOFT, client_id="ms-client", client_secret="ms-secret"
            )
            return CalendarConnection.objects.create(
                user=world.users["teacher"],
                provider=Provider.MICROSOFT,
                access_token="old-access",
                refresh_token="old-refresh",
                expires_at=timezone.now() - timedelta(minutes=1),
            ).pk

    def delete():
        with schema_context(world.schema):
            CalendarConnection.objects.filter(pk=conn_id).delete()
            CalendarApp.objects.all().delete()
        return True

    conn_id = committed(create)
    yield world, conn_id
    committed(delete)


def test_two_threads_refreshing_one_connection_make_one_refresh(
    committed_connection, requests_mock
):
    world, conn_id = committed_connection
    in_flight = threading.Event()
    release = threading.Event()
    issued = []

    def token_endpoint(request, context):
        issued.append(request.text)
        in_flight.set()
        release.wait(10)  # hold the first refresh open while the second one arrives
        return ms_token_body("new-access", "new-refresh")

    requests_mock.post(MS_TOKEN, json=token_endpoint)
    results, errors = {}, []

    def worker(name):
        try:
            with schema_context(world.schema):
                oauth = oauth_for(calendar_app(Provider.MICROSOFT))
                row = CalendarConnection.objects.get(pk=conn_id)
                results[name] = ConnectionTokens(row, oauth).access_token()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    first = threading.Thread(target=worker, args=("first",))
    first.start()
    assert in_flight.wait(10)
    second = threading.Thread(target=worker, args=("second",))
    second.start()
    second.join(0.5)  # it is waiting on the row lock, not calling the token endpoint
    assert second.is_alive() and len(issued) == 1
    release.set()
    first.join(10)
    second.join(10)

    assert errors == []
    assert results == {"first": "new-access", "second": "new-access"}
    assert len(issued) == 1 and "refresh_token=old-refresh" in issued[0]

    def stored():
        with schema_context(world.schema):
            row = CalendarConnection.objects.get(pk=conn_id)
            return row.access_token, row.refresh_token

    assert committed(stored) == ("new-access", "new-refresh")
