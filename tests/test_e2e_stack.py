"""The real web process: daphne serving config.asgi over real HTTP and real websockets, the
channel layer over real Redis, against the test database. What the other tests check in
process, checked here across the network once."""

import json
from pathlib import Path

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.conf import settings

from attendance.events import AttendanceUpdated
from realtime.events import publish

from .support import daphne_start, daphne_stop, http_get

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def _get(port: int, path: str, host: str) -> tuple[int, str]:
    return http_get(port, path, host)


@pytest.fixture(scope="module")
def daphne(worlds):
    process, port = daphne_start()
    yield port
    daphne_stop(process)


def _ws(port: int, host: str, session_key: str | None = None):
    headers = {}
    if session_key:
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    return websockets.connect(
        f"ws://{host}:{port}/graphql/",
        host="127.0.0.1",  # *.localhost does not resolve here; the Host header still says it
        port=port,
        subprotocols=["graphql-transport-ws"],
        origin=f"http://{host}:{port}",
        additional_headers=headers,
        open_timeout=10,
    )


def test_http_over_daphne_serves_each_tenant_and_404s_unknown_hosts(daphne):
    assert _get(daphne, "/readyz", "anything.example")[0] == 200
    status, body = _get(daphne, "/accounts/login/", "alpha.localhost")
    assert status == 200 and "Sign in to Alpha School" in body
    assert _get(daphne, "/accounts/login/", "nowhere.localhost")[0] == 404


NOTIFICATIONS = "subscription { myNotifications { kind data } }"


async def _notifications(ws) -> dict:
    """Subscribes to the viewer's notifications; returns the first result."""
    await ws.send(json.dumps({"type": "connection_init"}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    subscribe = {"id": "1", "type": "subscribe", "payload": {"query": NOTIFICATIONS}}
    await ws.send(json.dumps(subscribe))
    return json.loads(await ws.recv())["payload"]


async def test_websocket_over_daphne_gets_its_users_events_across_processes(daphne, alpha):
    async with _ws(daphne, alpha.host, alpha.session_keys["student"]) as ws:
        first = await _notifications(ws)
        assert first["data"]["myNotifications"]["kind"] == "subscribed"

        # published from this process, through Redis, to the daphne process
        sent = AttendanceUpdated(
            meeting_id=1,
            student_id=alpha.users["student"].pk,
            status="present",
            attended_seconds=900,
            final=False,
        )
        await sync_to_async(publish)(sent, schema_name="alpha")
        event = json.loads(await ws.recv())["payload"]["data"]["myNotifications"]
        assert event == {"kind": "attendance.updated", "data": sent.data()}


async def test_websocket_over_daphne_refuses_unknown_hosts_and_strangers(daphne, alpha, beta):
    async with _ws(daphne, "nowhere.localhost") as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd.code == 4404
    async with _ws(daphne, alpha.host, beta.session_keys["student"]) as ws:
        # B's cookie on A's host: anonymous, so the subscription is refused
        refused = await _notifications(ws)
        assert refused["errors"][0]["message"] == "Sign in first."
