"""The websocket handshake under a reconnect storm: the tenant of a host kept a few seconds per
process (and forgotten when a school or domain is saved), the session and user read on the
handshake threads with every rule of Django's `get_user`, and no work for a websocket that left
before its turn."""

import asyncio
import logging
import threading
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.utils import timezone

from tenants import websocket
from tenants.accounts.models import Role, User
from tenants.models import Organisation
from tenants.websocket import TenantWebsocketStack, tenant_cache

from .test_websocket import _closed_with, _communicator, _whoami

pytestmark = pytest.mark.django_db


def _probe(host: str, session_key: str | None = None) -> WebsocketCommunicator:
    return _communicator(host, session_key, TenantWebsocketStack(_whoami))


async def _whoami_says(host: str, session_key: str | None) -> str:
    probe = _probe(host, session_key)
    connected, code = await probe.connect(timeout=5)
    assert connected, code
    answer = await probe.receive_from(timeout=5)
    await probe.disconnect()
    return answer


@database_sync_to_async
def _set_status(slug: str, status: str) -> None:
    # A bare update sends no save signal: as a school suspended by another process looks here.
    Organisation.objects.filter(slug=slug).update(status=status)


async def test_a_hosts_tenant_is_kept_for_the_cache_time_then_read_again(alpha, monkeypatch):
    # given: a handshake on alpha's host, then alpha suspended elsewhere
    assert await _whoami_says(alpha.host, None) == "alpha "
    await _set_status("alpha", "suspended")
    try:
        # then: within TENANT_CACHE_SECONDS this process still knows alpha as it was
        assert await _whoami_says(alpha.host, None) == "alpha "
        # when: the cache time has passed
        monkeypatch.setattr(websocket, "TENANT_CACHE_SECONDS", 0.0)
        # then: read again, and refused
        assert await _closed_with(_probe(alpha.host)) == 4403
    finally:
        await _set_status("alpha", "active")


async def test_a_school_saved_in_this_process_is_read_again_at_once(alpha):
    assert await _whoami_says(alpha.host, None) == "alpha "

    @database_sync_to_async
    def suspend() -> None:
        # as `organisation_suspend` saves it (without its audit entry, which would outlive
        # the test: this runs on another thread, committed)
        org = Organisation.objects.get(slug="alpha")
        org.status = Organisation.Status.SUSPENDED
        org.save(update_fields=["status"])

    await suspend()
    try:
        assert await _closed_with(_probe(alpha.host)) == 4403
    finally:
        await _set_status("alpha", "active")


async def test_an_unknown_host_is_refused_and_not_kept(worlds):
    assert await _closed_with(_probe("nowhere.localhost")) == 4404
    assert await _closed_with(_probe("nowhere.localhost")) == 4404
    assert "nowhere.localhost" not in tenant_cache.found


async def test_handshakes_arriving_together_share_one_look_up(alpha):
    # A deploy: hundreds of reconnects to a school meet an empty cache at once.
    tenants = await asyncio.gather(*(tenant_cache.get(alpha.host) for _ in range(20)))
    assert all(tenant is tenants[0] for tenant in tenants)
    assert tenants[0].slug == "alpha"


@pytest.fixture
async def fresh_user(alpha):
    """A teacher of alpha made (and removed) on another thread, committed, with a session:
    the handshake threads see only committed rows."""

    @database_sync_to_async
    def make() -> tuple[User, str]:
        from tenants.accounts.services import user_create
        from tests.support import committed_session

        with alpha_schema():
            user = user_create(email="fresh@alpha.test", password="x" * 16, role=Role.TEACHER)
            return user, committed_session(user)

    @database_sync_to_async
    def remove() -> None:
        with alpha_schema():
            User.objects.filter(email="fresh@alpha.test").delete()

    def alpha_schema():
        from django_tenants.utils import schema_context

        return schema_context(alpha.schema)

    async def _made():
        return await make()

    yield _made, alpha_schema
    await remove()


async def test_rules_of_get_user_hold_on_the_handshake_threads(alpha, beta, fresh_user):
    make, alpha_schema = fresh_user
    user, key = await make()
    assert await _whoami_says(alpha.host, key) == "alpha fresh@alpha.test"
    # B's cookie on A's host: no such session in A's schema
    assert await _whoami_says(alpha.host, beta.session_keys["teacher"]) == "alpha "

    @database_sync_to_async
    def change_password() -> None:
        with alpha_schema():
            user.set_password("y" * 16)
            user.save()

    await change_password()
    # the session's password hash no longer matches: signed out, as Django's get_user does
    assert await _whoami_says(alpha.host, key) == "alpha "


async def test_a_deactivated_user_is_anonymous(alpha, fresh_user):
    make, alpha_schema = fresh_user
    user, key = await make()
    assert await _whoami_says(alpha.host, key) == "alpha fresh@alpha.test"

    @database_sync_to_async
    def deactivate() -> None:
        with alpha_schema():
            User.objects.filter(pk=user.pk).update(is_active=False)

    await deactivate()
    assert await _whoami_says(alpha.host, key) == "alpha "


async def test_an_expired_session_is_anonymous(alpha, fresh_user):
    from django.contrib.sessions.models import Session

    make, alpha_schema = fresh_user
    _user, key = await make()

    @database_sync_to_async
    def expire() -> None:
        with alpha_schema():
            past = timezone.now() - timedelta(seconds=1)
            Session.objects.filter(session_key=key).update(expire_date=past)

    await expire()
    assert await _whoami_says(alpha.host, key) == "alpha "


async def test_handshakes_of_two_schools_at_once_each_find_their_own_user(alpha, beta):
    # The teachers of both schools have the same id; the handshake threads each activate the
    # schema inside the call.
    assert alpha.users["teacher"].pk == beta.users["teacher"].pk
    worlds = [alpha, beta] * 12
    answers = await asyncio.gather(
        *(_whoami_says(w.host, w.session_keys["teacher"]) for w in worlds)
    )
    for world, answer in zip(worlds, answers, strict=True):
        assert answer == f"{world.org.slug} teacher@{world.org.slug}.test"


async def test_a_websocket_gone_before_its_turn_is_not_looked_up(alpha, caplog):
    caplog.set_level(logging.DEBUG, logger="tenants.websocket")
    await tenant_cache.get(alpha.host)
    # given: every handshake thread busy (a storm ahead of this one)
    release = threading.Event()
    busy = [websocket._handshake_threads.submit(release.wait) for _ in range(8)]
    communicator = _communicator(
        alpha.host, alpha.session_keys["teacher"], TenantWebsocketStack(_whoami)
    )
    try:
        # when: the client (or daphne's connect timeout) closes it while it waits
        await communicator.send_input({"type": "websocket.connect"})
        await asyncio.sleep(0.2)
        await communicator.send_input({"type": "websocket.disconnect", "code": 1006})
        await asyncio.sleep(0.1)
    finally:
        release.set()
    await asyncio.wait_for(asyncio.gather(*(asyncio.wrap_future(f) for f in busy)), 5)
    # then: its turn comes, and nothing is looked up nor accepted
    await communicator.wait(timeout=5)
    assert "websocket gone before its user was looked up" in caplog.text
    assert await communicator.receive_nothing(timeout=0.1)


async def test_an_open_socket_keeps_its_user_not_its_session_or_cookies(alpha):
    seen = {}

    async def app(scope, receive, send):
        seen.update(scope)
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "ok"})

    key = alpha.session_keys["teacher"]
    probe = WebsocketCommunicator(
        TenantWebsocketStack(app),
        "/probe/",
        headers=[
            (b"host", alpha.host.encode()),
            (b"origin", f"http://{alpha.host}".encode()),
            # a browser may split its cookies over several headers
            (b"cookie", b"theme=dark"),
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}; lang=bn".encode()),
        ],
    )
    connected, _ = await probe.connect(timeout=5)
    assert connected and await probe.receive_from(timeout=5) == "ok"
    await probe.disconnect()
    assert seen["user"].email == alpha.users["teacher"].email
    assert "session" not in seen and "cookies" not in seen


def _session_for(user, **changes) -> str:
    """A session logging `user` in, saved in the current schema, with `changes` to its data."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.update(changes)
    store.create()
    return store.session_key


def _scope(world, key: str | None) -> dict:
    headers = [(b"host", world.host.encode())]
    if key is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode()))
    return {"tenant": world.org, "headers": headers}


def test_a_batch_reads_each_schools_sessions_and_users_once_with_every_rule(alpha, beta):
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.core.exceptions import ValidationError
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    from tenants.accounts.services import user_create

    with schema_context(alpha.schema):

        def someone(name: str):
            return user_create(email=f"{name}@alpha.test", password="x" * 16, role=Role.STUDENT)

        inactive, moved_on, expired, gone, odd = (
            someone(n) for n in ("inactive", "moved", "expired", "gone", "odd")
        )
        keys = {
            "inactive": _session_for(inactive),
            "password changed": _session_for(moved_on),
            "expired": _session_for(expired),
            "user deleted": _session_for(gone),
            "unknown backend": _session_for(odd, _auth_user_backend="elsewhere.Backend"),
            "not a user id": _session_for(odd, **{SESSION_KEY: "not-a-number"}),
            "corrupted": _session_for(odd),
        }
        User.objects.filter(pk=inactive.pk).update(is_active=False)
        moved_on.set_password("y" * 16)
        moved_on.save()
        past = timezone.now() - timedelta(seconds=1)
        Session.objects.filter(session_key=keys["expired"]).update(expire_date=past)
        gone.delete()
        Session.objects.filter(session_key=keys["corrupted"]).update(session_data="garbage")

    cases = [
        ("alpha's teacher", alpha, alpha.session_keys["teacher"], "teacher@alpha.test"),
        ("the same again", alpha, alpha.session_keys["teacher"], "teacher@alpha.test"),
        ("alpha's student", alpha, alpha.session_keys["student"], "student@alpha.test"),
        ("beta's teacher", beta, beta.session_keys["teacher"], "teacher@beta.test"),
        ("beta's key on alpha", alpha, beta.session_keys["admin"], ""),
        ("no cookie", alpha, None, ""),
        ("not a session key", alpha, "short", ""),
        *((case, alpha, key, "") for case, key in keys.items() if case != "not a user id"),
    ]
    scopes = [_scope(world, key) for _, world, key, _ in cases]
    scopes.append(_scope(alpha, keys["not a user id"]))
    gone_scope = dict(_scope(alpha, alpha.session_keys["teacher"]), handshake_gone=lambda: True)
    scopes.append(gone_scope)

    with CaptureQueriesContext(connection) as queries:
        found = websocket._users_in_schemas(scopes)

    for (case, _world, _key, email), user in zip(cases, found, strict=False):
        assert getattr(user, "email", "") == email, case
    assert found[0] is not found[1]  # one instance each: a socket never shares its user
    assert found[3].pk == found[0].pk  # the same id in another school, each found in its own
    assert isinstance(found[-2], ValidationError)  # Django's get_user raises: that one alone
    assert found[-1] is None  # gone before the batch: not looked up
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    # one read of the sessions and one of their users per school (the flush below reads its own)
    assert sum('FROM "django_session"' in sql and " IN (" in sql for sql in selects) == 2
    assert sum('FROM "accounts_user"' in sql for sql in selects) == 2
    # as Django's get_user does: a session whose password hash no longer matches is ended
    with schema_context(alpha.schema):
        assert not Session.objects.filter(session_key=keys["password changed"]).exists()
        assert Session.objects.filter(session_key=keys["inactive"]).exists()


async def test_handshakes_arriving_together_are_read_in_batches(alpha, beta, monkeypatch):
    sizes = []
    read = websocket._users_in_schemas_async

    async def counted(scopes):
        sizes.append(len(scopes))
        return await read(scopes)

    monkeypatch.setattr(websocket, "_users_in_schemas_async", counted)
    worlds = [alpha, beta] * 15
    answers = await asyncio.gather(
        *(_whoami_says(w.host, w.session_keys["student"]) for w in worlds)
    )
    assert answers == [f"{w.org.slug} student@{w.org.slug}.test" for w in worlds]
    assert sum(sizes) == len(worlds)
    assert len(sizes) < len(worlds) / 2, sizes
