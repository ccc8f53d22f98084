import pytest
import redis
from django.conf import settings

from tenants.scheduler import Job, tick


@pytest.fixture
def client():
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter("liveroll:scheduler:test-*"):
        client.delete(key)
    return client


def test_each_slot_fires_once_across_replicas(client):
    sent = []
    jobs = [Job("test-every-minute", 60, lambda: sent.append(1))]

    # two replicas tick in the same minute: one sends
    assert tick(jobs=jobs, client=client, now=6_000_000.0) == ["test-every-minute"]
    assert tick(jobs=jobs, client=client, now=6_000_030.0) == []
    # the next minute fires again
    assert tick(jobs=jobs, client=client, now=6_000_060.0) == ["test-every-minute"]
    assert len(sent) == 2


def test_a_failing_job_does_not_stop_the_others(client):
    def broken():
        raise RuntimeError("boom")

    ran = []
    jobs = [Job("test-broken", 60, broken), Job("test-fine", 60, lambda: ran.append(1))]

    assert tick(jobs=jobs, client=client, now=7_000_000.0) == ["test-fine"]
    assert ran == [1]
