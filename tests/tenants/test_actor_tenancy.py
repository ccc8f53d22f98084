"""Actors run in the schema they were sent from, on a real Redis broker and a real worker."""

import json

import dramatiq
import pytest
import redis
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from tenants.accounts.models import User
from tenants.tasking import send_in_schema, send_to_each_tenant

pytestmark = pytest.mark.django_db

RESULTS = "liveroll-test:actor-results"


@dramatiq.actor(queue_name="tenancy-test", max_retries=0)
def record_schema(tag: str) -> None:
    """What the actor sees: the active schema and the people in it."""
    emails = sorted(User.objects.values_list("email", flat=True))
    redis.Redis.from_url(settings.REDIS_URL).rpush(
        RESULTS, json.dumps({"tag": tag, "schema": connection.schema_name, "emails": emails})
    )


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
