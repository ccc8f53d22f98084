"""Prometheus metrics (config.metrics): /metrics of a real daphne on a port of its own and the
worker's exposition server, after a real webhook went through both; the pieces read at scrape
time (queue depths, channel-layer drops) against real Redis."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import dramatiq
import pytest
from asgiref.sync import async_to_sync
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.utils import timezone
from dramatiq.brokers.redis import RedisBroker
from prometheus_client import REGISTRY

from attendance.models import WebhookEvent
from config.metrics import MetricsGate, QueueDepthCollector
from meetings.models import Meeting, ZoomSettings
from realtime import metrics as declared

from ..support import (
    _process_env,
    committed_in,
    free_port,
    http_get,
    signed_headers,
    wait_for,
    worker_start,
    worker_stop,
    zoom_settings_set,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (
    ROOT / "tests" / "fixtures" / "zoom" / "webhooks" / "participant_joined__Jericho-ZoomNet.json"
)
SECRET = "metrics-webhook-secret"
ZOOM_MEETING_ID = "8899001122"

pytestmark = pytest.mark.django_db


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:  # noqa: S310
        assert response.headers["Content-Type"].startswith("text/plain")
        return response.read().decode()


def _value(text: str, name: str, **labels: str) -> float:
    """The sample `name{labels}` of a scrape (labels in any order); 0 when absent."""
    for line in text.splitlines():
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match[3])
    return 0.0


def _label_values(text: str) -> set[str]:
    return {
        v
        for line in text.splitlines()
        if not line.startswith("#")
        for v in re.findall(r'="([^"]*)"', line)
    }


@pytest.fixture
def stack(worlds):
    """A daphne serving /metrics on a port of its own, a worker with its metrics, alpha's
    webhook secret and a meeting for the event; everything removed afterwards."""
    world = worlds["a"]
    web_port, metrics_port, worker_port = free_port(), free_port(), free_port()
    env = {
        "DRAMATIQ_NAMESPACE": f"liveroll-test-metrics-{uuid.uuid4().hex[:8]}",
        "METRICS_ENABLED": "1",
    }

    def arrange():
        zoom_settings_set(webhook_secret_token=SECRET)
        return Meeting.objects.create(
            school_class=world.school_class,
            host=world.users["teacher"],
            title="Metrics",
            start_time=timezone.now(),
            duration_minutes=45,
            zoom_meeting_id=ZOOM_MEETING_ID,
        ).pk

    meeting_id = committed_in(world.schema, arrange)
    web = subprocess.Popen(  # noqa: S603 - our own argv
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(web_port),
            "-e",
            f"tcp:port={metrics_port}:interface=127.0.0.1",
            "config.asgi:application",
        ],
        cwd=ROOT,
        env=_process_env({**env, "METRICS_PORT": str(metrics_port)}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = worker_start(
        {**env, "METRICS_PORT": str(worker_port), "dramatiq_prom_host": "127.0.0.1"},
        queues=["webhooks"],
    )
    try:
        wait_for(lambda: _answers(web_port), timeout=30)
        yield world, web_port, metrics_port, worker_port
    finally:
        worker_stop(worker)
        web.terminate()
        web.wait(timeout=10)

        def clean():
            Meeting.objects.filter(pk=meeting_id).delete()
            WebhookEvent.objects.filter(zoom_meeting_id=ZOOM_MEETING_ID).delete()
            ZoomSettings.objects.all().delete()

        committed_in(world.schema, clean)


def _answers(port: int) -> bool:
    try:
        return http_get(port, "/healthz", "localhost")[0] == 200
    except OSError:
        return False


def _post_webhook(port: int, host: str) -> dict:
    body = json.loads(SAMPLE.read_text(encoding="utf-8-sig"))
    body["payload"]["object"]["id"] = ZOOM_MEETING_ID
    body["event_ts"] = int(time.time() * 1000)
    raw = json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/zoom/",
        data=raw,
        headers={"Host": host, **signed_headers(raw, SECRET)},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local URL
        return json.loads(response.read())


def test_metrics_after_a_real_webhook_was_received_and_processed(stack):
    world, web_port, metrics_port, worker_port = stack

    # given a webhook answered by the web process and processed by the worker
    assert _post_webhook(web_port, world.host) == {"status": "stored"}

    def processed():
        """the event processed"""
        return committed_in(
            world.schema,
            lambda: WebhookEvent.objects.filter(
                zoom_meeting_id=ZOOM_MEETING_ID, processed_at__isnull=False
            ).exists(),
        )

    wait_for(processed)

    # when both are scraped
    web = _scrape(metrics_port)

    def worker_scrape():
        """the worker's metrics, with the event's processing in them"""
        try:
            text = _scrape(worker_port)
        except OSError:
            return None
        return text if _value(text, "liveroll_webhook_processing_lag_seconds_count") else None

    worker = wait_for(worker_scrape, timeout=30)

    # then the web process shows the intake, the worker the processing, its sends and queues
    assert _value(web, "liveroll_webhook_requests_total", outcome="stored") == 1
    assert _value(web, "liveroll_webhook_answer_seconds_count") == 1
    assert _value(worker, "liveroll_webhook_processing_lag_seconds_count") >= 1
    assert _value(worker, "liveroll_realtime_messages_sent_total") >= 1  # the join, published
    assert _value(worker, "dramatiq_messages_total", actor_name="webhook_process") >= 1
    assert 'liveroll_dramatiq_queue_messages{queue="webhooks",state="ready"}' in worker
    for name in ("liveroll_channel_layer_drops_total", "liveroll_realtime_deliveries_total"):
        assert re.search(rf"^{name} \d", web, flags=re.MULTILINE), name  # counted, if 0
    for metric in vars(declared).values():
        if hasattr(metric, "_name"):
            assert f"# HELP {metric._name}" in web + worker  # every declared metric exported
    # and nothing names a school, a host or a meeting
    for text in (web, worker):
        values = _label_values(text)
        for secret in (world.schema, world.host, ZOOM_MEETING_ID, "alpha", "beta"):
            assert not [v for v in values if secret in v], secret


def test_metrics_only_on_their_own_port(stack):
    world, web_port, metrics_port, _ = stack
    # not on the port the Ingress routes to, whatever the host
    assert http_get(web_port, "/metrics", "localhost")[0] == 404
    assert http_get(web_port, "/metrics", world.host)[0] == 404
    # and the metrics port serves nothing else
    assert http_get(metrics_port, "/accounts/login/", world.host)[0] == 404
    assert http_get(metrics_port, "/healthz", "localhost")[0] == 404
    assert http_get(metrics_port, "/metrics", "anything.example")[0] == 200


# --- the gate, in process -------------------------------------------------------------------


async def _inner(scope, receive, send):
    await send({"type": "http.response.start", "status": 299, "headers": []})
    await send({"type": "http.response.body", "body": b"inner"})


async def _get(app, path: str, port: int) -> tuple[int, bytes]:
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "server": ("127.0.0.1", port)}
    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def test_the_gate_serves_metrics_only_when_enabled_and_on_its_port():
    # development: no port of its own, so the web port answers
    status, body = await _get(MetricsGate(_inner, enabled=True, port=None), "/metrics", 8000)
    assert status == 200 and b"liveroll_webhook_requests_total" in body
    # disabled: /metrics is Django's (a 404 there)
    assert (await _get(MetricsGate(_inner, enabled=False, port=None), "/metrics", 8000))[0] == 299
    # with a port: only there, and nothing else there
    gate = MetricsGate(_inner, enabled=True, port=9191)
    assert (await _get(gate, "/metrics", 8000))[0] == 299
    assert (await _get(gate, "/metrics", 9191))[0] == 200
    assert (await _get(gate, "/graphql/", 9191))[0] == 404
    assert (await _get(gate, "/graphql/", 8000))[0] == 299


# --- read at scrape time --------------------------------------------------------------------


def test_queue_depths_are_read_from_the_brokers_own_keys():
    # given a broker with two messages ready, one delayed, in a namespace of its own
    namespace = f"liveroll-test-depth-{uuid.uuid4().hex[:8]}"
    broker = RedisBroker(url=settings.REDIS_URL, namespace=namespace)

    @dramatiq.actor(broker=broker, queue_name="reports")
    def report(n: int) -> None:
        pass

    try:
        report.send(1)
        report.send(2)
        report.send_with_options(args=(3,), delay=600_000)
        collector = QueueDepthCollector(
            client=broker.client, namespace=namespace, queues=lambda: ["reports"]
        )

        # when collected
        (family,) = collector.collect()

        # then
        depths = {tuple(s.labels.values()): s.value for s in family.samples}
        assert depths == {
            ("reports", "ready"): 2,
            ("reports", "delayed"): 1,
            ("reports", "dead"): 0,
        }
    finally:
        broker.flush_all()
        broker.client.close()


def test_channel_layer_drops_are_counted():
    # given a group whose one channel holds at most one message
    layer = RedisChannelLayer(
        hosts=[settings.REDIS_URL], prefix=f"liveroll-test-drops-{uuid.uuid4().hex[:8]}", capacity=1
    )
    before = REGISTRY.get_sample_value("liveroll_channel_layer_drops_total") or 0.0

    async def run():
        channel = await layer.new_channel()
        await layer.group_add("g", channel)
        # when three messages are sent to it and none is read
        for n in range(3):
            await layer.group_send("g", {"type": "x", "n": n})
        await layer.flush()
        await layer.close_pools()

    async_to_sync(run)()

    # then the two that did not fit are counted
    after = REGISTRY.get_sample_value("liveroll_channel_layer_drops_total")
    assert after - before == 2


def test_a_worker_removes_the_metrics_directories_of_workers_gone_and_no_other(tmp_path):
    from config.metrics import OWNER_FILE, metrics_directory

    gone_pid = int(
        subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )

    def made(name, owner=None):
        path = tmp_path / name
        path.mkdir()
        (path / "counter_1.db").write_bytes(b"x")
        if owner is not None:
            (path / OWNER_FILE).write_text(str(owner))
        return path

    dead = made("liveroll-worker-metrics-dead", gone_pid)
    running = made("liveroll-worker-metrics-running", os.getppid())  # the test's parent lives
    unowned = made("liveroll-worker-metrics-unowned")  # not ours to judge
    other = made("something-else", gone_pid)

    mine = Path(metrics_directory(tmp_path))

    assert not dead.exists()
    assert running.exists() and unowned.exists() and other.exists()
    assert mine.name.startswith("liveroll-worker-metrics-")
    assert (mine / OWNER_FILE).read_text() == str(os.getpid())
    # and a restart that reuses the pid (a container's) does not keep its old directory
    assert Path(metrics_directory(tmp_path)) != mine and not mine.exists()
