"""`/healthz` (the process answers) and `/readyz` (PostgreSQL and Redis answer) on any host,
so that probes need no tenant Host header."""

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase

logger = logging.getLogger(__name__)


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported below
        return f"database: {exc.__class__.__name__}"
    return None


def _check_redis() -> str | None:
    """REDIS_URL, and the channel layer's own servers when it has them (CHANNELS_REDIS_URLS):
    a web process whose channel-layer shard is down would take websockets it cannot serve."""
    for name, url in [("redis", settings.REDIS_URL)] + [
        (f"channels redis {i}", u) for i, u in enumerate(settings.CHANNELS_REDIS_URLS)
    ]:
        try:
            redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
        except Exception as exc:  # noqa: BLE001
            return f"{name}: {exc.__class__.__name__}"
    return None


class HealthMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            problems = [p for p in (_check_database(), _check_redis()) if p]
            if problems:
                logger.warning("not ready: %s", "; ".join(problems))
                return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
            return JsonResponse({"status": "ok"})
        return self.get_response(request)
