"""Prometheus metrics, served: `/metrics` of a web process, the worker's exposition server, and
what is read only when scraped (dramatiq's queue depths, channel-layer drops). The metrics
themselves are declared in realtime.metrics and recorded where things happen.

Web: `/metrics` of the process that answers, when METRICS_ENABLED. With METRICS_PORT set (the
chart, and production's default 9191) it is answered only on that port, which the web process
listens on besides PORT (platform/entrypoint.sh) and which nothing but the metrics port serves:
the Service the Ingress routes to exposes PORT alone, so /metrics is reachable only from inside
the cluster (and, with NetworkPolicies on, only from the scraper). Without METRICS_PORT
(development) it is answered on the web port.

Worker: dramatiq's Prometheus middleware, the maintained way for its forked processes
(prometheus_client's multiprocess mode; the directory is prepared by `manage.py rundramatiq`,
see tenants/management/commands/rundramatiq.py why there), with its exposition server
replaced by one that also reports the queue depths, on METRICS_PORT (default 9191).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from dramatiq.common import dq_name, xq_name
from dramatiq.middleware.prometheus import Prometheus
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PATH = "/metrics"
WORKER_PORT_DEFAULT = 9191  # dramatiq's
# What `manage.py rundramatiq` hands the worker's exposition process (which has no Django).
WORKER_ENV = "LIVEROLL_WORKER_METRICS"


# --- web -------------------------------------------------------------------------------------


class MetricsGate:
    """Answers GET /metrics with this process's metrics when enabled (on METRICS_PORT only, if
    set); refuses everything else that arrives on METRICS_PORT; passes the rest to `inner`."""

    def __init__(
        self, inner: ASGIApp, *, enabled: bool | None = None, port: int | None = None
    ) -> None:
        self.inner = inner
        self._enabled = enabled
        self._port = port
        self._configured = enabled is not None

    def _configure(self) -> None:
        from django.conf import settings

        self._enabled = bool(settings.METRICS_ENABLED)
        self._port = int(settings.METRICS_PORT) if settings.METRICS_PORT else None
        self._configured = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._configured:
            self._configure()
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            return await self.inner(scope, receive, send)
        server = scope.get("server") or (None, None)
        on_metrics_port = self._port is not None and server[1] == self._port
        if (
            kind == "http"
            and self._enabled
            and scope["path"] == PATH
            and scope.get("method") in ("GET", "HEAD")
            and (self._port is None or on_metrics_port)
        ):
            return await _metrics_answer(send)
        if on_metrics_port:
            return await _refuse(kind, receive, send)
        return await self.inner(scope, receive, send)


async def _metrics_answer(send: Send) -> None:
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

    body = generate_latest(REGISTRY)  # a few hundred series: well under a millisecond
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", CONTENT_TYPE_LATEST.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _refuse(kind: str, receive: Receive, send: Send) -> None:
    if kind == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.close", "code": 4404})
        return
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"9")],
        }
    )
    await send({"type": "http.response.body", "body": b"not found"})


# --- channel-layer drops ---------------------------------------------------------------------

# channels-redis's group_send counts the channels it skipped because they were full only in
# this log line ("%s of %s channels over capacity in group %s", the count first). Counting the
# line's own number keeps us off the library's internals (a subclass would have to copy the
# whole of group_send to see the count); tests/config/test_metrics.py fails if the line no
# longer says it.
_OVER_CAPACITY = "channels over capacity in group"


class ChannelLayerDropCounter(logging.Filter):
    """A filter on channels_redis.core's logger: counts the messages group_send dropped, and
    lets the log line through only at `level` and above (the logger is set to INFO so that
    the count is never missed, whatever LOG_LEVEL says)."""

    def __init__(self, level: str = "INFO") -> None:
        super().__init__()
        named = logging.getLevelName(level.upper())
        self.levelno: int = named if isinstance(named, int) else logging.INFO

    def filter(self, record: logging.LogRecord) -> bool:
        # Once a record: logging.config adds filters again each time it is applied.
        counted = getattr(record, "_drops_counted", False)
        record._drops_counted = True
        if (
            not counted
            and _OVER_CAPACITY in str(record.msg)
            and isinstance(record.args, tuple)
            and record.args
        ):
            from realtime.metrics import CHANNEL_LAYER_DROPS

            with contextlib.suppress(TypeError, ValueError):
                CHANNEL_LAYER_DROPS.inc(int(str(record.args[0])))
        return record.levelno >= self.levelno


# --- worker ----------------------------------------------------------------------------------


class QueueDepthCollector(Collector):
    """dramatiq's queues as its Redis broker keeps them, read when scraped: messages waiting
    (`<namespace>:<queue>`, a list), delayed ones not yet done (the delay queue's message hash
    `<namespace>:<queue>.DQ.msgs`: a worker holds them until their time), and dead-lettered
    ones (`<namespace>:<queue>.XQ`, a sorted set). One pipelined round trip a scrape."""

    def __init__(self, *, client: Any, namespace: str, queues: Callable[[], list[str]]) -> None:
        self.client = client
        self.namespace = namespace
        self.queues = queues  # read at each scrape: the workers declare them as they boot

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield self._family()  # registering must not ask Redis

    def _family(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "liveroll_dramatiq_queue_messages",
            "Messages in each dramatiq queue: ready (waiting for a worker), delayed, dead.",
            labels=["queue", "state"],
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = self._family()
        queues = sorted(self.queues())
        pipe = self.client.pipeline(transaction=False)
        for queue in queues:
            pipe.llen(f"{self.namespace}:{queue}")
            pipe.hlen(f"{self.namespace}:{dq_name(queue)}.msgs")
            pipe.zcard(f"{self.namespace}:{xq_name(queue)}")
        try:
            counts = pipe.execute()
        except Exception:  # noqa: BLE001 - Redis away: report nothing rather than fail the scrape
            logger.warning("queue depths not read: Redis did not answer", exc_info=True)
            return
        for i, queue in enumerate(queues):
            for state, count in zip(
                ("ready", "delayed", "dead"), counts[3 * i : 3 * i + 3], strict=True
            ):
                family.add_metric([queue, state], count)
        yield family


def worker_exposition() -> int:
    """The worker's exposition server, a process dramatiq forks once (instead of its own):
    every worker process's metrics (multiprocess files) and the queue depths."""
    import redis
    from prometheus_client import CollectorRegistry
    from prometheus_client.exposition import MetricsHandler
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    wanted = json.loads(os.environ.get(WORKER_ENV, "{}"))
    if wanted.get("redis_url"):
        client = redis.Redis.from_url(
            wanted["redis_url"], socket_timeout=2, socket_connect_timeout=2
        )
        registry.register(
            QueueDepthCollector(
                client=client,
                namespace=wanted["namespace"],
                queues=lambda: _queues_read(os.environ["PROMETHEUS_MULTIPROC_DIR"]),
            )
        )
    # dramatiq's own variable names (lower case), so that its settings keep working.
    host = os.environ.get("dramatiq_prom_host", "0.0.0.0")  # noqa: S104, SIM112 - the pod's port
    port = int(os.environ.get("dramatiq_prom_port", WORKER_PORT_DEFAULT))  # noqa: SIM112
    server = ThreadingHTTPServer((host, port), MetricsHandler.factory(registry))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.shutdown()
    return 0


QUEUES_FILE = "liveroll-queues.json"
METRICS_DIRECTORY_PREFIX = "liveroll-worker-metrics-"
OWNER_FILE = "owner.pid"


def metrics_directory(root: Path | None = None) -> str:
    """A fresh directory for this worker's metrics files, naming the process that owns it; the
    directories of workers that have gone (a stopped `make up`, a restarted container) are
    removed first, so they do not pile up in /tmp."""
    root = Path(tempfile.gettempdir()) if root is None else root
    for old in root.glob(METRICS_DIRECTORY_PREFIX + "*"):
        try:
            owner = int((old / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not one this code made, or being made: not ours to judge
        if owner == os.getpid() or not _alive(owner):
            shutil.rmtree(old, ignore_errors=True)
    directory = tempfile.mkdtemp(prefix=METRICS_DIRECTORY_PREFIX, dir=root)
    (Path(directory) / OWNER_FILE).write_text(str(os.getpid()))
    return directory


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _queues_write(directory: str, queues: set[str]) -> None:
    path = Path(directory) / QUEUES_FILE
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(sorted(queues)))
    temporary.replace(path)  # atomic: a scrape never reads half a file


def _queues_read(directory: str) -> list[str]:
    try:
        return list(json.loads((Path(directory) / QUEUES_FILE).read_text()))
    except (OSError, ValueError):
        return []  # no worker process has booted yet


class WorkerPrometheus(Prometheus):
    """dramatiq's Prometheus middleware (its metrics of messages, errors, retries and
    durations), with worker_exposition as its exposition server. Listed in DRAMATIQ_BROKER
    only when METRICS_ENABLED.

    prometheus_client chooses between one process's values and files shared by forked
    processes once, when it is first imported, and a dramatiq worker process imports it
    (through Django's setup: realtime.metrics) before this middleware's `after_process_boot`
    could say which. So the `manage.py rundramatiq` process, which builds this middleware in
    Django's setup and then becomes dramatiq, sets the variables here first, and every process
    of dramatiq inherits them: a fresh directory per start (`metrics_directory`: a restarted
    container keeps /tmp, and two workers on one machine must not add up each other's values;
    those of workers gone are removed), METRICS_PORT, and what the exposition server needs to
    read the queues."""

    def __init__(self) -> None:
        super().__init__()
        if _is_rundramatiq() and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
            from django.conf import settings

            os.environ.update(
                worker_env(
                    redis_url=settings.REDIS_URL,
                    namespace=settings.DRAMATIQ_BROKER["OPTIONS"]["namespace"],
                    port=settings.METRICS_PORT,
                    directory=metrics_directory(),
                )
            )

    @property
    def forks(self) -> list[Callable[[], int]]:
        return [worker_exposition]

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        # The actors' modules are loaded by now: their queues are declared.
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if directory:
            _queues_write(directory, broker.get_declared_queues())


def _is_rundramatiq(argv: list[str] | None = None) -> bool:
    argv = sys.argv if argv is None else argv
    return len(argv) > 1 and os.path.basename(argv[0]) == "manage.py" and argv[1] == "rundramatiq"


def worker_env(*, redis_url: str, namespace: str, port: str, directory: str) -> dict[str, str]:
    """The environment the worker's processes need for metrics, set before dramatiq starts."""
    return {
        "PROMETHEUS_MULTIPROC_DIR": directory,
        "dramatiq_prom_db": directory,
        "dramatiq_prom_port": port or str(WORKER_PORT_DEFAULT),
        WORKER_ENV: json.dumps({"redis_url": redis_url, "namespace": namespace}),
    }
