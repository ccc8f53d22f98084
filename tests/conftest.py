"""Every test gets two ready tenants, `alpha` and `beta`, each with users of every role, a class
and a parent link, made once per session and committed (so websocket and actor threads, which
have their own connections, see them too). Tests run inside a transaction on top of them."""

from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from tenants import services
from tenants.accounts.models import Role, User
from tenants.accounts.services import user_create
from tenants.models import Organisation
from tenants.school.models import SchoolClass
from tenants.school.services import class_create, class_enrol, parent_link

from .support import committed_session

PASSWORD = "correct-horse-battery"
ROLES = ("admin", "teacher", "student", "parent")


@dataclass
class World:
    """One tenant as a test sees it."""

    org: Organisation
    users: dict[str, User]
    school_class: SchoolClass
    # a committed session key per role, for websocket tests on other threads
    session_keys: dict[str, str] = field(default_factory=dict)

    @property
    def schema(self) -> str:
        return self.org.schema_name

    @property
    def host(self) -> str:
        return services.tenant_host(self.org.slug)

    def client(self, role: str | None = None) -> Client:
        """A test client on this tenant's host, logged in as `role` if given."""
        client = Client(HTTP_HOST=self.host)
        if role:
            with schema_context(self.schema):
                client.force_login(self.users[role])
        return client


def _build_world(slug: str, name: str) -> World:
    org = services.organisation_onboard(
        name=name,
        slug=slug,
        admin_email=f"admin@{slug}.test",
        admin_password=PASSWORD,
        admin_name=f"{name} Admin",
        onboarded_by="tests",
        admin_email_confirmed=True,
    )
    with schema_context(org.schema_name):
        users = {"admin": User.objects.get(email=f"admin@{slug}.test")}
        for role, code in (("teacher", Role.TEACHER), ("student", Role.STUDENT)):
            users[role] = user_create(
                email=f"{role}@{slug}.test", password=PASSWORD, role=code, name=f"{slug} {role}"
            )
        users["parent"] = user_create(
            email=f"parent@{slug}.test", password=PASSWORD, role=Role.PARENT, name=f"{slug} parent"
        )
        school_class = class_create(name=f"{name} maths", teachers=[users["teacher"]])
        class_enrol(school_class=school_class, students=[users["student"]])
        parent_link(parent=users["parent"], student=users["student"])
        world = World(org=org, users=users, school_class=school_class)
        world.session_keys = {role: committed_session(user) for role, user in users.items()}
    return world


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database as a deploy leaves it: public migrated, the template current."""
    # pytest-django makes no test database for a run without database tests: never let the
    # fixtures below write to a real one.
    assert connection.settings_dict["NAME"].startswith("test_"), "not a test database"
    with django_db_blocker.unblock():
        services.template_migrate()
    yield
    # Websocket and worker threads keep connections of their own; end them so that the test
    # database can be dropped.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session")
def worlds(django_db_setup, django_db_blocker) -> dict[str, World]:
    with django_db_blocker.unblock():
        return {"a": _build_world("alpha", "Alpha School"), "b": _build_world("beta", "Beta")}


@pytest.fixture
def alpha(worlds, db) -> World:
    return worlds["a"]


@pytest.fixture
def beta(worlds, db) -> World:
    return worlds["b"]


@pytest.fixture(autouse=True)
def _back_to_public():
    """A test that leaves the connection in a tenant schema must not colour the next one."""
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _fresh_tenant_cache():
    """Websockets keep a host's tenant a few seconds; a test that suspends a school with an
    `update()` (no save signal) must not meet the tenant a previous test left there."""
    from tenants.websocket import tenant_cache

    tenant_cache.clear()
    yield
    tenant_cache.clear()


@pytest.fixture
def public_client() -> Client:
    return Client(HTTP_HOST="localhost")


# --- realtime events: every message sent is its declared event --------------------------------

_undeclared: list[str] = []


@pytest.fixture(scope="session", autouse=True)
def _realtime_messages_are_declared_events():
    """For the whole run, every realtime message sent to the channel layer from this process
    is decoded into the event type declared for its name (realtime.events); one that does not
    decode (an undeclared name, a missing, unknown or mistyped field, a group not its own)
    fails the test that sent it (`_no_undeclared_realtime_messages`)."""
    from channels_redis.core import RedisChannelLayer

    import attendance.events  # noqa: F401 - every app's events declared before the first send
    import meetings.events  # noqa: F401
    import meetings.reminders.events  # noqa: F401
    from realtime.events import EventError, decode_message
    from realtime.groups import EVENT_HANDLER

    real_group_send = RedisChannelLayer.group_send

    async def checked_group_send(self, group, message):
        if message.get("type") == EVENT_HANDLER:
            try:
                event = decode_message(message)
                assert event.data() == message["data"], "the payload does not round-trip"
            except (EventError, AssertionError) as exc:
                _undeclared.append(f"{message.get('event')!r} to {group}: {exc}")
        return await real_group_send(self, group, message)

    RedisChannelLayer.group_send = checked_group_send
    yield
    RedisChannelLayer.group_send = real_group_send


@pytest.fixture(autouse=True)
def _no_undeclared_realtime_messages():
    _undeclared.clear()
    yield
    failures, _undeclared[:] = list(_undeclared), []
    assert not failures, f"realtime messages that are not their declared events: {failures}"


# --- throttles: each test starts with clean counters ------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Sign-in and sign-up counters live in Redis, outside the test's transaction: a test that
    locks an account must not lock it for the tests after it."""
    yield
    import redis
    from django.conf import settings

    from tenants.accounts.throttle import PREFIX

    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(f"{PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
