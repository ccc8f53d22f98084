"""Periodic jobs. The scheduler only sends messages; workers do the work.

Each job fires once per interval slot across all scheduler replicas: a Redis key per slot,
taken with SET NX, decides which replica sends. Jobs that concern tenants fan out one message
per tenant (tasking.send_to_each_tenant). Each app declares its own jobs on its AppConfig
(`periodic_jobs`); `default_jobs` collects them from the installed apps.
"""

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import dramatiq
import redis
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    send: Callable[[], int | None]


class ProvidesPeriodicJobs(Protocol):
    """An AppConfig with jobs for the scheduler: `def periodic_jobs(self) -> list[Job]`."""

    def periodic_jobs(self) -> list[Job]: ...


def default_jobs() -> list[Job]:
    """Every installed app's jobs, in INSTALLED_APPS order.

    The scheduler knows no feature: each app's AppConfig lists its own jobs (`periodic_jobs`), and
    the settings' INSTALLED_APPS is what composes them, so this base package imports no app above
    it.
    """
    jobs: list[Job] = []
    for config in apps.get_app_configs():
        provider = getattr(config, "periodic_jobs", None)
        if provider is not None:
            jobs.extend(provider())
    names = [job.name for job in jobs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        # The name is the slot key in Redis: two jobs sharing it would claim each other's slots.
        raise ImproperlyConfigured(f"periodic jobs declared twice: {', '.join(duplicates)}")
    return jobs


def send_one(actor: dramatiq.Actor[..., Any]) -> int:
    """A job that is one message (not one per tenant): send it, count 1."""
    actor.send()
    return 1


def tick(*, jobs: list[Job], client: redis.Redis, now: float) -> list[str]:
    """Send every job whose current slot has not been claimed yet. Returns the names sent."""
    sent = []
    for job in jobs:
        slot = int(now // job.every_seconds)
        key = f"liveroll:scheduler:{job.name}:{slot}"
        if not client.set(key, "1", nx=True, ex=job.every_seconds * 2):
            continue
        try:
            count = job.send()
        except Exception:
            logger.exception("scheduler job %s failed to send", job.name)
            continue
        logger.info("scheduler sent %s (%s messages)", job.name, count)
        sent.append(job.name)
    return sent


def run_forever(*, jobs: list[Job] | None = None, poll_seconds: float = 1.0) -> None:
    jobs = jobs if jobs is not None else default_jobs()
    client = redis.Redis.from_url(settings.REDIS_URL)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    logger.info("scheduler running %d jobs: %s", len(jobs), ", ".join(j.name for j in jobs))
    while not stop.is_set():
        try:
            tick(jobs=jobs, client=client, now=time.time())
        except redis.RedisError as exc:
            logger.warning("scheduler cannot reach Redis (%s); retrying", exc)
        stop.wait(poll_seconds)
