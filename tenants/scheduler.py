"""Periodic jobs. The scheduler only sends messages; workers do the work.

Each job fires once per interval slot across all scheduler replicas: a Redis key per slot,
taken with SET NX, decides which replica sends. Jobs that concern tenants fan out one message
per tenant (tasking.send_to_each_tenant).
"""

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    send: Callable[[], int | None]


def default_jobs() -> list[Job]:
    from attendance.sweep import webhook_inbox_sweep_actor
    from meetings.actors import registrants_sweep, zoom_tokens_refresh_due
    from tenants.actors import sessions_purge, spare_pool_refill
    from tenants.tasking import send_to_each_tenant

    return [
        Job("spare-pool-refill", 300, lambda: _send_one(spare_pool_refill)),
        Job("sessions-purge", 3600, lambda: send_to_each_tenant(sessions_purge)),
        # Access tokens live an hour; refreshing those due within 15 minutes every 5 keeps
        # every connection ahead of expiry.
        Job("zoom-tokens-refresh", 300, lambda: send_to_each_tenant(zoom_tokens_refresh_due)),
        Job("registrants-sweep", 600, lambda: send_to_each_tenant(registrants_sweep)),
        # Events stored while Redis was down (or whose message was lost) are sent again.
        Job("webhook-inbox-sweep", 60, lambda: send_to_each_tenant(webhook_inbox_sweep_actor)),
    ]


def _send_one(actor) -> int:
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
