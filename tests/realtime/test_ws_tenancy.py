"""Websockets: tenant from Host, user from that tenant's sessions, database work in that
tenant's schema even though every consumer shares one database thread."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection

from config.asgi import application
from realtime.groups import publish, user_group
from realtime.tenancy import in_tenant

pytestmark = pytest.mark.django_db


def _communicator(host: str, session_key: str | None = None, path: str = "/ws/notifications/"):
    headers = [(b"host", host.encode()), (b"origin", f"http://{host}".encode())]
    if session_key:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def _closed_with(communicator) -> int:
    """Refusals accept and then close, so that real clients see the code."""
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    message = await communicator.receive_output(timeout=5)
    assert message["type"] == "websocket.close"
    return message["code"]


async def _hello(communicator) -> dict:
    connected, code = await communicator.connect(timeout=5)
    assert connected, f"refused with {code}"
    message = json.loads(await communicator.receive_from(timeout=5))
    assert message["event"] == "hello"
    return message["data"]


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


async def test_user_is_resolved_in_the_hosts_tenant(alpha, beta):
    # A's cookie on A's host: A's user
    communicator = _communicator(alpha.host, alpha.session_keys["teacher"])
    hello = await _hello(communicator)
    assert hello["tenant"] == "alpha"
    assert hello["me"]["email"] == "teacher@alpha.test"
    await communicator.disconnect()


async def test_another_tenants_cookie_gives_an_anonymous_user(alpha, beta):
    # B's cookie on A's host: no such session at A, so anonymous, refused with 4401
    communicator = _communicator(alpha.host, beta.session_keys["teacher"])
    assert await _closed_with(communicator) == 4401


async def test_no_cookie_is_anonymous(alpha):
    assert await _closed_with(_communicator(alpha.host)) == 4401


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
    assert (await _hello(a))["me"]["email"] == "teacher@alpha.test"
    assert (await _hello(b))["me"]["email"] == "teacher@beta.test"

    # when: an event is published to beta's teacher
    await database_sync_to_async(publish)(
        "user",
        beta.users["teacher"].pk,
        event="notice",
        data={"text": "for beta"},
        schema_name="beta",
    )

    # then: only beta's connection receives it
    received = json.loads(await b.receive_from(timeout=5))
    assert received == {"event": "notice", "data": {"text": "for beta"}}
    assert await a.receive_nothing(timeout=0.3)
    await a.disconnect()
    await b.disconnect()


def test_group_names_are_prefixed_by_tenant():
    assert user_group("alpha", 7) == "t.alpha.user.7"
    with pytest.raises(ValueError):
        user_group("alpha.beta", 7)  # a dot would let one tenant's name reach into another's
    with pytest.raises(ValueError):
        user_group("", 7)
