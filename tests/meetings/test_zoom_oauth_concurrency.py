"""Refresh tokens rotate: concurrent refreshes of one connection must make one token request.
Real threads, each with its own database connection, on committed rows (so no test
transaction here)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.models import ZoomConnection, ZoomSettings
from meetings.zoom import oauth

from ..support import committed, zoom_settings_set
from .conftest import OAUTH, token_body

pytestmark = pytest.mark.django_db


_in_own_thread = committed


@pytest.fixture
def committed_connection(worlds):
    world = worlds["a"]

    def create():
        with schema_context(world.schema):
            zoom_settings_set(zoom_url=OAUTH, client_id="cid", client_secret="cs")
            return ZoomConnection.objects.create(
                user=world.users["teacher"],
                access_token="old-access",
                refresh_token="old-refresh",
                expires_at=timezone.now() - timedelta(minutes=1),
            ).pk

    def delete():
        with schema_context(world.schema):
            ZoomConnection.objects.filter(pk=conn_id).delete()
            ZoomSettings.objects.all().delete()
        return True

    conn_id = _in_own_thread(create)
    yield world, conn_id
    _in_own_thread(delete)


def test_concurrent_refreshes_make_one_token_request(committed_connection, requests_mock):
    world, conn_id = committed_connection
    in_flight = threading.Event()
    release = threading.Event()
    issued = []

    def token_endpoint(request, context):
        issued.append(request.text)
        in_flight.set()
        release.wait(10)  # hold the first refresh open while the second one arrives
        return token_body("new-access", "new-refresh")

    requests_mock.post(f"{OAUTH}/oauth/token", json=token_endpoint)
    results = {}

    def refresh(name):
        try:
            with schema_context(world.schema):
                results[name] = oauth.connection_refresh(
                    connection_id=conn_id, stale_token="old-access"
                )
        finally:
            connections.close_all()

    first = threading.Thread(target=refresh, args=("first",))
    second = threading.Thread(target=refresh, args=("second",))
    first.start()
    assert in_flight.wait(10)
    second.start()
    second.join(0.5)
    assert second.is_alive()  # waiting on the row lock, not calling Zoom
    release.set()
    first.join(10)
    second.join(10)

    assert results == {"first": "new-access", "second": "new-access"}
    assert len(issued) == 1
    assert connection.schema_name == "public"
