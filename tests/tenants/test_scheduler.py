import dramatiq
import pytest
import redis
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tenants.scheduler import Job, default_jobs, tick


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


def test_the_registry_finds_every_apps_jobs():
    # when: the scheduler collects the jobs the installed apps declare
    jobs = default_jobs()

    # then: each app's jobs, in INSTALLED_APPS order, each with a sender
    assert [(job.name, job.every_seconds) for job in jobs] == [
        ("spare-pool-refill", 300),
        ("sessions-purge", 3600),
        ("mail-sweep", 60),
        ("audit-retention-purge", 3600),
        ("exports-expire", 3600),
        ("zoom-tokens-refresh", 300),
        ("registrants-sweep", 600),
        ("zoom-links-purge", 3600),
        ("zoom-meetings-reconcile", 1800),
        ("guests-registration-sweep", 600),
        ("reminders-sweep", 60),
        ("reminders-ledger-purge", 3600),
        ("calendar-sync", 1800),
        ("webhook-inbox-sweep", 60),
        ("webhook-bodies-purge", 3600),
        ("people-anonymise", 3600),
        ("recordings-reconcile", 21600),
        ("recordings-retention-purge", 3600),
        ("transcripts-resend", 900),
    ]
    assert all(callable(job.send) for job in jobs)


def test_each_job_is_declared_by_the_app_it_belongs_to():
    by_app = {
        config.label: [job.name for job in config.periodic_jobs()]
        for config in apps.get_app_configs()
        if hasattr(config, "periodic_jobs")
    }

    assert by_app == {
        "tenants": ["spare-pool-refill", "sessions-purge"],
        "mail": ["mail-sweep"],
        "lifecycle": ["audit-retention-purge", "exports-expire"],
        "meetings": [
            "zoom-tokens-refresh",
            "registrants-sweep",
            "zoom-links-purge",
            "zoom-meetings-reconcile",
        ],
        "guests": ["guests-registration-sweep"],
        "reminders": ["reminders-sweep", "reminders-ledger-purge"],
        "calendar_sync": ["calendar-sync"],
        "attendance": [
            "webhook-inbox-sweep",
            "webhook-bodies-purge",
            "people-anonymise",
            "recordings-reconcile",
            "recordings-retention-purge",
            "transcripts-resend",
        ],
    }


def test_two_apps_declaring_one_job_name_is_refused(monkeypatch):
    # given: a second app that reuses a name (the name is the Redis slot key)
    meetings = apps.get_app_config("meetings")
    original = meetings.periodic_jobs
    monkeypatch.setattr(
        meetings, "periodic_jobs", lambda: [*original(), Job("sessions-purge", 60, lambda: 0)]
    )

    with pytest.raises(ImproperlyConfigured, match="sessions-purge"):
        default_jobs()


@pytest.mark.django_db
def test_jobs_send_their_messages(worlds):
    # given: an empty broker
    broker = dramatiq.get_broker()
    broker.flush_all()
    jobs = {job.name: job for job in default_jobs()}

    # when: the platform job and a per-tenant job send
    platform_count = jobs["spare-pool-refill"].send()
    tenant_count = jobs["registrants-sweep"].send()

    # then: one platform message, one message per live tenant
    assert platform_count == 1
    assert tenant_count == 2
    broker.flush_all()
