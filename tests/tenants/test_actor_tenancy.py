"""Actors run in the schema they were sent from, on a real Redis broker and a real worker.

Every actor declares its tenancy: a tenant actor never runs in public, a platform actor always
does (tenants.tasking).
"""

import importlib
import json
import logging

import dramatiq
import pytest
import redis
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context
from dramatiq.broker import MessageProxy
from dramatiq.middleware import SkipMessage

from tenants.accounts.models import User
from tenants.tasking import (
    TENANCIES,
    ActorTenancyUndeclared,
    TenantMiddleware,
    actor_tenancy,
    send_in_schema,
    send_to_each_tenant,
)

pytestmark = pytest.mark.django_db

RESULTS = "liveroll-test:actor-results"


@dramatiq.actor(tenancy="tenant", queue_name="tenancy-test", max_retries=0)
def record_schema(tag: str) -> None:
    """What the actor sees: the active schema and the people in it."""
    emails = sorted(User.objects.values_list("email", flat=True))
    redis.Redis.from_url(settings.REDIS_URL).rpush(
        RESULTS, json.dumps({"tag": tag, "schema": connection.schema_name, "emails": emails})
    )


@dramatiq.actor(tenancy="platform", queue_name="tenancy-test", max_retries=0)
def record_platform_schema(tag: str) -> None:
    redis.Redis.from_url(settings.REDIS_URL).rpush(
        RESULTS, json.dumps({"tag": tag, "schema": connection.schema_name, "emails": []})
    )


# Every module that declares the product's actors (what rundramatiq imports), and
# django_dramatiq's own, which rundramatiq always imports.
ACTOR_MODULES = [
    "tenants.actors",
    "meetings.actors",
    "meetings.reminders.actors",
    "attendance.actors",
    "attendance.inbox.sweep",
    "django_dramatiq.tasks",
]


@pytest.fixture
def worker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(RESULTS)
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    yield broker
    worker.stop()
    client.delete(RESULTS)


def _results() -> list[dict]:
    raw = redis.Redis.from_url(settings.REDIS_URL).lrange(RESULTS, 0, -1)
    return sorted((json.loads(r) for r in raw), key=lambda r: r["tag"])


def test_message_carries_the_schema_it_was_sent_from(worlds, worker):
    # when: sent from inside each tenant's schema, interleaved
    for i in range(6):
        with schema_context("alpha" if i % 2 == 0 else "beta"):
            record_schema.send(f"{i}")
    worker.join(record_schema.queue_name, timeout=20_000)

    # then: each ran in its sender's schema and saw only that tenant's people
    results = _results()
    assert len(results) == 6
    for r in results:
        slug = "alpha" if int(r["tag"]) % 2 == 0 else "beta"
        assert r["schema"] == slug
        assert r["emails"] and all(e.endswith(f"@{slug}.test") for e in r["emails"])


def test_fan_out_sends_one_message_per_live_tenant(worlds, worker):
    sent = send_to_each_tenant(record_schema, "fan")
    worker.join(record_schema.queue_name, timeout=20_000)

    assert sent == 2
    assert sorted(r["schema"] for r in _results()) == ["alpha", "beta"]


def test_message_for_a_vanished_schema_is_skipped(worlds, worker):
    # given: a message stamped with a schema no tenant has any more
    send_in_schema(record_schema, "alpha", "kept")
    message = record_schema.message("lost").copy(options={"tenant_schema": "gone_school"})
    worker.enqueue(message)

    worker.join(record_schema.queue_name, timeout=20_000)

    assert [r["tag"] for r in _results()] == ["kept"]


def test_the_middleware_activates_a_live_school_and_skips_a_vanished_one_from_public(
    worlds, caplog
):
    broker = dramatiq.get_broker()
    live = record_schema.message("live").copy(options={"tenant_schema": "beta"})
    lost = record_schema.message("lost").copy(options={"tenant_schema": "gone_school"})

    # a live school: its schema is active, and the actor reads its people
    TenantMiddleware().before_process_message(broker, MessageProxy(live))
    assert connection.schema_name == "beta"
    assert all(e.endswith("@beta.test") for e in User.objects.values_list("email", flat=True))

    # a schema no school has: skipped, logged, and the connection left in public
    with caplog.at_level(logging.WARNING, logger="tenants.tasking"), pytest.raises(SkipMessage):
        TenantMiddleware().before_process_message(broker, MessageProxy(lost))
    assert connection.schema_name == "public"
    (record,) = [r for r in caplog.records if r.name == "tenants.tasking"]
    assert "gone_school" in record.getMessage() and lost.message_id in record.getMessage()


def test_sending_stamps_the_current_schema(worlds):
    broker = dramatiq.get_broker()
    broker.flush_all()
    with schema_context("beta"):
        message = record_schema.send("x")
    assert message.options["tenant_schema"] == "beta"
    broker.flush_all()


def test_an_idle_worker_looks_for_messages_at_least_every_100_ms():
    """dramatiq's idle poll backs off to `dramatiq_worker_timeout` (1 s by default): the
    settings lower it, so the first join of a quiet class is not held for a second."""
    import dramatiq.worker

    assert dramatiq.worker.WORKER_TIMEOUT <= 100


def test_a_tenant_actors_message_stamped_public_is_skipped_and_logged(worlds, worker, caplog):
    # given: a tenant actor's message that carries the public schema, and a good one
    send_in_schema(record_schema, "alpha", "kept")
    message = record_schema.message("in-public").copy(options={"tenant_schema": "public"})

    # when
    with caplog.at_level(logging.ERROR, logger="tenants.tasking"):
        worker.enqueue(message)
        worker.join(record_schema.queue_name, timeout=20_000)

    # then: it never ran, and the log names the actor and the message
    assert [r["tag"] for r in _results()] == ["kept"]
    refused = [r.getMessage() for r in caplog.records if r.name == "tenants.tasking"]
    assert len(refused) == 1
    assert "record_schema" in refused[0] and message.message_id in refused[0]


def test_a_tenant_actors_message_without_a_schema_is_skipped_and_logged(worlds, caplog):
    # given: a message that never went through the sending middleware (no schema at all)
    broker = dramatiq.get_broker()
    message = record_schema.message("no-schema")
    assert "tenant_schema" not in message.options

    # when / then
    with caplog.at_level(logging.ERROR, logger="tenants.tasking"), pytest.raises(SkipMessage):
        TenantMiddleware().before_process_message(broker, MessageProxy(message))
    assert connection.schema_name == "public"
    (record,) = [r for r in caplog.records if r.name == "tenants.tasking"]
    assert "record_schema" in record.getMessage()
    assert message.message_id in record.getMessage()


def test_a_platform_actor_runs_in_public_whoever_sends_it(worlds, worker):
    # when: sent from inside a tenant's schema
    with schema_context("beta"):
        message = record_platform_schema.send("platform")
    worker.join(record_platform_schema.queue_name, timeout=20_000)

    # then: stamped and run in public
    assert message.options["tenant_schema"] == "public"
    assert [(r["tag"], r["schema"]) for r in _results()] == [("platform", "public")]


def test_every_registered_actor_declares_its_tenancy():
    for module in ACTOR_MODULES:
        importlib.import_module(module)
    actors = dramatiq.get_broker().actors

    assert {"webhook_process", "spare_pool_refill", "sessions_purge"} <= set(actors)
    undeclared = [name for name, actor in actors.items() if actor_tenancy(actor) not in TENANCIES]
    assert undeclared == []
    assert actor_tenancy(actors["spare_pool_refill"]) == "platform"
    assert actor_tenancy(actors["sessions_purge"]) == "tenant"


def test_an_actor_that_declares_no_tenancy_fails_at_declaration():
    def forgot() -> None:
        """An actor whose author forgot to say where it runs."""

    with pytest.raises(ActorTenancyUndeclared, match="forgot"):
        dramatiq.actor(forgot, queue_name="tenancy-test")
    with pytest.raises(ActorTenancyUndeclared, match="forgot"):
        dramatiq.actor(forgot, tenancy="everywhere", queue_name="tenancy-test")
    assert "forgot" not in dramatiq.get_broker().actors
