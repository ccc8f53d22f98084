"""Websockets (GraphQL subscriptions over `graphql-transport-ws` on /graphql/): tenant from
Host, user from that tenant's sessions, database work in that tenant's schema even though
every consumer shares one database thread."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection

from attendance.events import AttendanceUpdated
from config.asgi import application
from realtime.events import publish
from realtime.groups import user_group
from realtime.tenancy import in_tenant
from tenants.websocket import TenantWebsocketStack

pytestmark = pytest.mark.django_db

NOTIFICATIONS = "subscription { myNotifications { kind data } }"


def _communicator(
    host: str, session_key: str | None = None, app=application, origin=None, path="/graphql/"
):
    origin = f"http://{host}" if origin is None else origin
    headers = [(b"host", host.encode())]
    if origin:
        headers.append((b"origin", origin.encode()))
    if session_key:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()))
    return WebsocketCommunicator(app, path, headers=headers, subprotocols=["graphql-transport-ws"])


async def _closed_with(communicator) -> int:
    """Refusals accept and then close, so that real clients see the code."""
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    message = await communicator.receive_output(timeout=5)
    assert message["type"] == "websocket.close"
    return message["code"]


async def _subscribe(communicator, query: str = NOTIFICATIONS) -> dict:
    """Connects, subscribes, returns the first result."""
    connected, code = await communicator.connect(timeout=5)
    assert connected, f"refused with {code}"
    await communicator.send_json_to({"type": "connection_init"})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "connection_ack"
    await communicator.send_json_to({"id": "1", "type": "subscribe", "payload": {"query": query}})
    return await communicator.receive_json_from(timeout=5)


def _subscribed(message: dict) -> bool:
    return message["payload"].get("data") == {"myNotifications": {"kind": "subscribed", "data": {}}}


def _signed_out(message: dict) -> bool:
    return message["payload"]["errors"][0]["message"] == "Sign in first."


@pytest.fixture
def probe_route():
    """A websocket route beside /graphql/ in the real application, served by `_whoami`."""
    from django.urls import path

    from config import routing

    route = path("probe/", _whoami)
    routing.websocket_urlpatterns.append(route)
    yield "/probe/"
    routing.websocket_urlpatterns.remove(route)


@pytest.mark.parametrize(
    "origin",
    [
        "http://beta.localhost:8000",  # another school's page
        "http://alpha.localhost:8001",  # another port: another site on the machine
        "https://beta.localhost",
        "http://localhost:8000",  # the public site is not the school
        "http://alpha.localhost.evil.test",
        "http://evil-alpha.localhost",
        "null",  # a sandboxed frame or a file
        "ftp://alpha.localhost",
    ],
)
async def test_a_page_of_another_origin_cannot_open_a_schools_websocket(
    alpha, beta, origin, probe_route
):
    # given: alpha's student is signed in, and a page elsewhere opens one of alpha's websockets
    # (the browser sends alpha's cookie with it); GraphQL's consumer checks origins itself,
    # the probe does not: the rule must hold for every websocket route
    for path in ("/graphql/", probe_route):
        communicator = _communicator(
            alpha.host, alpha.session_keys["student"], origin=origin, path=path
        )
        # when
        connected, code = await communicator.connect(timeout=5)
        # then: refused before the tenant, the session or the user are looked at
        assert not connected, (origin, path)
        assert code == 1008


async def test_the_probe_route_answers_its_own_school(alpha, probe_route):
    communicator = _communicator(alpha.host, alpha.session_keys["student"], path=probe_route)
    assert (await communicator.connect(timeout=5))[0]
    assert await communicator.receive_from(timeout=5) == "alpha student@alpha.test"
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("{host}:8000", "http://{host}:8000"),
        ("{host}", "https://{host}"),  # TLS ends at the ingress
        ("{host}:443", "https://{host}"),
        ("{host}", "HTTP://{HOST}"),
    ],
)
async def test_the_schools_own_page_may_open_it(alpha, host, origin):
    host = host.format(host=alpha.host)
    origin = origin.format(host=alpha.host, HOST=alpha.host.upper())
    communicator = _communicator(host, alpha.session_keys["teacher"], origin=origin)
    assert _subscribed(await _subscribe(communicator))
    await communicator.disconnect()


async def test_a_client_without_an_origin_is_not_a_browser_and_needs_its_own_cookie(alpha):
    # Browsers always send Origin on a websocket handshake; a program sends none and must
    # bring a session of its own (it cannot ride anyone's).
    communicator = _communicator(alpha.host, alpha.session_keys["teacher"], origin="")
    assert _subscribed(await _subscribe(communicator))
    await communicator.disconnect()
    anonymous = _communicator(alpha.host, origin="")
    assert _signed_out(await _subscribe(anonymous))
    await anonymous.disconnect()


async def test_unknown_host_is_closed_with_4404(worlds):
    assert await _closed_with(_communicator("nowhere.localhost")) == 4404


async def test_suspended_tenant_is_closed_with_4403(alpha):
    from tenants.models import Organisation

    await database_sync_to_async(
        lambda: Organisation.objects.filter(slug="alpha").update(status="suspended")
    )()
    try:
        communicator = _communicator(alpha.host, alpha.session_keys["student"])
        assert await _closed_with(communicator) == 4403
    finally:
        await database_sync_to_async(
            lambda: Organisation.objects.filter(slug="alpha").update(status="active")
        )()


async def _whoami(scope, receive, send):
    """A probe behind the tenant stack: answers with the user it resolved."""
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    user = scope["user"]
    email = user.email if user.is_authenticated else ""
    await send({"type": "websocket.send", "text": f"{scope['tenant'].slug} {email}"})


async def test_user_is_resolved_in_the_hosts_tenant(alpha, beta):
    # A's cookie on A's host: A's user, who may subscribe
    communicator = _communicator(alpha.host, alpha.session_keys["teacher"])
    assert _subscribed(await _subscribe(communicator))
    await communicator.disconnect()
    # and it is A's row (the ids of the two tenants' teachers are the same)
    probe = _communicator(alpha.host, alpha.session_keys["teacher"], TenantWebsocketStack(_whoami))
    assert (await probe.connect(timeout=5))[0]
    assert await probe.receive_from(timeout=5) == "alpha teacher@alpha.test"
    await probe.disconnect()


async def test_another_tenants_cookie_gives_an_anonymous_user(alpha, beta):
    # B's cookie on A's host: no such session at A, so anonymous, refused
    communicator = _communicator(alpha.host, beta.session_keys["teacher"])
    assert _signed_out(await _subscribe(communicator))
    await communicator.disconnect()
    probe = _communicator(alpha.host, beta.session_keys["teacher"], TenantWebsocketStack(_whoami))
    assert (await probe.connect(timeout=5))[0]
    assert await probe.receive_from(timeout=5) == "alpha "
    await probe.disconnect()


async def test_no_cookie_is_anonymous(alpha):
    communicator = _communicator(alpha.host)
    assert _signed_out(await _subscribe(communicator))
    await communicator.disconnect()


def _emails_here() -> list[str]:
    from tenants.accounts.models import User

    return sorted(User.objects.values_list("email", flat=True))


async def test_interleaved_consumers_on_the_shared_thread_stay_in_their_tenants(alpha, beta):
    """All database work of all consumers runs on one thread and one connection. Two tenants'
    work, interleaved many times, must each see only their own rows."""
    scope_a, scope_b = {"tenant": alpha.org}, {"tenant": beta.org}
    expected_a = sorted(f"{r}@alpha.test" for r in ("admin", "teacher", "student", "parent"))
    expected_b = sorted(f"{r}@beta.test" for r in ("admin", "teacher", "student", "parent"))

    results = await asyncio.gather(
        *[in_tenant(scope_a if i % 2 == 0 else scope_b, _emails_here) for i in range(40)]
    )

    for i, emails in enumerate(results):
        assert emails == (expected_a if i % 2 == 0 else expected_b), i


async def test_in_tenant_leaves_the_shared_connection_in_public(alpha):
    await in_tenant({"tenant": alpha.org}, _emails_here)
    schema = await database_sync_to_async(lambda: connection.schema_name)()
    assert schema == "public"


async def test_two_live_connections_each_get_their_own_tenants_events(alpha, beta):
    # given: the teacher of each tenant has the same user id, connected at the same time
    assert alpha.users["teacher"].pk == beta.users["teacher"].pk
    a = _communicator(alpha.host, alpha.session_keys["teacher"])
    b = _communicator(beta.host, beta.session_keys["teacher"])
    assert _subscribed(await _subscribe(a))
    assert _subscribed(await _subscribe(b))

    # when: an event is published to beta's teacher
    event = AttendanceUpdated(
        meeting_id=1,
        student_id=beta.users["teacher"].pk,
        status="absent",
        attended_seconds=0,
        final=True,
    )
    await database_sync_to_async(publish)(event, schema_name="beta")

    # then: only beta's connection receives it
    received = (await b.receive_json_from(timeout=5))["payload"]["data"]["myNotifications"]
    assert received == {"kind": "attendance.updated", "data": event.data()}
    assert await a.receive_nothing(timeout=0.3)
    await a.disconnect()
    await b.disconnect()


def test_group_names_are_prefixed_by_tenant():
    assert user_group("alpha", 7) == "t.alpha.user.7"
    with pytest.raises(ValueError):
        user_group("alpha.beta", 7)  # a dot would let one tenant's name reach into another's
    with pytest.raises(ValueError):
        user_group("", 7)
