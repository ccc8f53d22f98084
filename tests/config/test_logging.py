import importlib
import io
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django_tenants.utils import schema_context

from config.logging import JsonFormatter, logging_config, process_kind

ROOT = Path(__file__).resolve().parent.parent.parent


def _json_lines(logger_name: str, emit) -> list[dict]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    # setLevel, not `logger.level =`: only setLevel clears the logger's isEnabledFor cache
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_record_renders_as_one_json_line_with_message_exception_extra_and_schema(alpha):
    def emit(logger):
        with schema_context(alpha.schema):
            try:
                raise ValueError("no such room")
            except ValueError:
                logger.exception(
                    "join of %s failed", "room-7", extra={"meeting_id": 7, "odd": object()}
                )

    (line,) = _json_lines("liveroll.test", emit)
    assert line["message"] == "join of room-7 failed"
    assert line["level"] == "ERROR" and line["logger"] == "liveroll.test"
    assert line["time"].endswith("+00:00") and "T" in line["time"]
    assert "ValueError: no such room" in line["exception"]
    assert line["exception"].startswith("Traceback")
    assert line["schema"] == alpha.schema
    assert line["meeting_id"] == 7 and line["odd"].startswith("<object")
    assert line["pid"] == os.getpid() and line["process"]


def test_public_schema_and_no_exception_leave_those_keys_out(db):
    (line,) = _json_lines("liveroll.test", lambda logger: logger.info("hello %d", 1))
    assert line["message"] == "hello 1"
    assert "schema" not in line and "exception" not in line


def test_what_the_zoom_client_redacts_stays_redacted_in_json():
    import meetings.zoom.client  # noqa: F401 - attaches RedactingFilter to urllib3's logger

    def emit(logger):
        logger.debug('"GET /oauth/token?access_token=sekrit&x=1 HTTP/1.1" 200 %s', 12)

    (line,) = _json_lines("urllib3.connectionpool", emit)
    assert "sekrit" not in json.dumps(line)
    assert "access_token=[redacted]" in line["message"]


def test_plain_is_the_default_and_unchanged():
    assert logging_config(log_format="plain", level="INFO") == {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["console"], "level": "INFO"},
        "filters": {
            "channel_layer_drops": {"()": "config.metrics.ChannelLayerDropCounter", "level": "INFO"}
        },
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "channels_redis.core": {"level": "INFO", "filters": ["channel_layer_drops"]},
        },
    }


def test_an_unknown_format_is_refused():
    with pytest.raises(ImproperlyConfigured):
        logging_config(log_format="xml", level="INFO")


def test_production_settings_pick_json_unless_told_otherwise(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("LIVEROLL_ENCRYPTION_KEYS", "k:" + "A" * 43 + "=")
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    try:
        base = importlib.reload(importlib.import_module("config.settings.base"))
        assert base.LOGGING["handlers"]["console"]["formatter"] == "plain"
        production = importlib.reload(importlib.import_module("config.settings.production"))
        assert production.LOGGING["handlers"]["console"]["formatter"] == "json"
        assert production.LOGGING["loggers"]["django"] == {"handlers": [], "propagate": True}
        monkeypatch.setenv("LOG_FORMAT", "plain")
        production = importlib.reload(importlib.import_module("config.settings.production"))
        assert production.LOGGING["handlers"]["console"]["formatter"] == "plain"
    finally:
        monkeypatch.undo()
        importlib.reload(importlib.import_module("config.settings.base"))


@pytest.mark.parametrize(
    ("argv", "kind"),
    [
        (["/app/.venv/bin/daphne", "-b", "0.0.0.0", "config.asgi:application"], "web"),
        (["/app/.venv/bin/dramatiq", "django_dramatiq.setup"], "worker"),
        (["manage.py", "rundramatiq"], "worker"),
        (["manage.py", "run_scheduler"], "scheduler"),
        (["manage.py", "migrate_platform"], "migrate"),
        (["manage.py", "shell"], "shell"),
    ],
)
def test_process_kind(argv, kind):
    assert process_kind(argv) == kind


def test_a_process_with_log_format_json_writes_only_json_lines_for_every_logger():
    """Django's own loggers (which Django gives handlers of their own), dramatiq's and daphne's
    all go through the one handler, after django.setup() as every process of ours runs it."""
    script = (
        "import django, logging\n"
        "django.setup()\n"
        "logging.getLogger('django.request').error('Internal Server Error: /x')\n"
        "logging.getLogger('django.server').warning('served')\n"
        "logging.getLogger('dramatiq.worker.WorkerThread').info('worker up')\n"
        "logging.getLogger('daphne.server').info('Listening on TCP address 0.0.0.0:8000')\n"
        "logging.getLogger('tenants.tasking').warning('skipping', extra={'actor': 'a'})\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "LOG_FORMAT": "json",
        "DJANGO_DEBUG": "1",  # Django's own console handler would print too
    }
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [line["logger"] for line in lines] == [
        "django.request",
        "django.server",
        "dramatiq.worker.WorkerThread",
        "daphne.server",
        "tenants.tasking",
    ]
    assert lines[-1]["actor"] == "a"
    assert done.stdout == ""


def test_a_request_on_a_school_host_logs_that_schools_schema(alpha, beta):
    def emit(logger):
        alpha.client().get("/no-such-page/")
        beta.client().get("/no-such-page/")

    lines = _json_lines("django.request", emit)
    assert [(line["message"], line.get("schema")) for line in lines] == [
        ("Not Found: /no-such-page/", alpha.schema),
        ("Not Found: /no-such-page/", beta.schema),
    ]
    assert lines[0]["status_code"] == 404


def test_an_actor_logs_the_schema_its_message_carries_and_none_after_it(alpha):
    import dramatiq
    from dramatiq.broker import MessageProxy

    from tenants.tasking import OPTION, TenantMiddleware

    broker = dramatiq.get_broker()
    message = MessageProxy(
        dramatiq.Message(
            queue_name="default",
            actor_name="an_actor_this_process_has_not_declared",  # counts as a tenant actor
            args=(),
            kwargs={},
            options={OPTION: alpha.schema},
        )
    )

    def emit(logger):
        TenantMiddleware().before_process_message(broker, message)
        logger.info("in the actor")
        TenantMiddleware().after_process_message(broker, message)
        logger.info("after it")

    during, after = _json_lines("meetings.actors", emit)
    assert during["schema"] == alpha.schema
    assert "schema" not in after


def _json_lines_of(argv, env, *, answering, then) -> list[dict]:
    """The lines a process of ours writes (each must be JSON), from its start until `then()`
    (which must be true) once `answering` (port, path) answers 200, and its stop (SIGTERM)."""
    from ..support import _process_env, http_get

    port, path = answering
    process = subprocess.Popen(  # noqa: S603 - our own argv
        argv,
        cwd=ROOT,
        env=_process_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if http_get(port, path, "localhost")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        assert then()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=60)
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_the_web_process_access_log_is_json_and_names_no_client(worlds):
    """daphne writes its access log to stdout in its own format; the web process of the image
    and of `make up` (config.webserver) makes each entry a log record, JSON like the rest."""
    from ..support import free_port, http_get

    port = free_port()
    argv = [sys.executable, "-m", "config.webserver", "-b", "127.0.0.1", "-p", str(port)]
    lines = _json_lines_of(
        [*argv, "config.asgi:application"],
        {"LOG_FORMAT": "json"},
        answering=(port, "/healthz"),
        then=lambda: http_get(port, "/readyz", "localhost")[0] == 200,
    )
    (access,) = [
        line for line in lines if line["logger"] == "daphne.access" and "/readyz" in line["message"]
    ]
    assert access["request"] == "GET /readyz"
    assert (access["status"], access["process"]) == (200, "web")
    assert "127.0.0.1" not in json.dumps(access)


def test_the_web_process_waits_longer_than_daphnes_five_seconds_for_a_websocket_accept():
    from config.webserver import WEBSOCKET_CONNECT_TIMEOUT_DEFAULT, daphne_arguments

    # by default, and from the environment; what the command line says wins
    assert daphne_arguments(["-p", "8000", "config.asgi:application"], {}) == [
        "--websocket_connect_timeout",
        WEBSOCKET_CONNECT_TIMEOUT_DEFAULT,
        "-p",
        "8000",
        "config.asgi:application",
    ]
    assert float(WEBSOCKET_CONNECT_TIMEOUT_DEFAULT) > 5
    assert daphne_arguments(["x"], {"WEBSOCKET_CONNECT_TIMEOUT": "30"})[:2] == [
        "--websocket_connect_timeout",
        "30",
    ]
    given = ["--websocket_connect_timeout", "7", "x"]
    assert daphne_arguments(given, {"WEBSOCKET_CONNECT_TIMEOUT": "30"}) == given


def test_the_web_process_leaves_form_bodies_to_the_application(monkeypatch):
    """Twisted parsed every POST's Content-Type (with the email package) to fill
    `request.args`, which daphne never reads: the web process's requests skip it, and the body
    reaches the application as it came."""
    import io
    from unittest import mock

    from twisted.web import http

    from config.webserver import WebRequest

    parsed = []
    real = http._parseContentType
    monkeypatch.setattr(http, "_parseContentType", lambda line: parsed.append(line) or real(line))

    def received(request_class):
        request = request_class(mock.Mock())
        request.process = mock.Mock()
        body = b"name=Ann&role=student"
        request.content = io.BytesIO()
        request.content.write(body)  # as the channel writes it: the position at its end
        form = [b"application/x-www-form-urlencoded"]
        request.requestHeaders.setRawHeaders(b"content-type", form)
        request.requestReceived(b"POST", b"/graphql/", b"HTTP/1.1")
        request.process.assert_called_once()
        return request

    from daphne.http_protocol import WebRequest as DaphneRequest

    assert received(DaphneRequest).args == {b"name": [b"Ann"], b"role": [b"student"]}
    assert len(parsed) == 1  # daphne's own request parses it
    ours = received(WebRequest)
    assert len(parsed) == 1 and ours.args == {}  # ours does not
    assert ours.content.read() == b"name=Ann&role=student"  # the body, whole, for daphne


def test_a_websockets_access_entries_are_its_outcome_and_its_end(caplog):
    from config.webserver import AccessLog

    caplog.set_level(logging.INFO, logger="daphne.access")
    access = AccessLog()
    details = {"client": ["127.0.0.1", 5000], "path": "/graphql/"}
    for action in ("connecting", "connected", "disconnected", "connecting", "rejected"):
        access("websocket", action, details)
    assert [r.getMessage() for r in caplog.records] == [
        "WSCONNECT /graphql/ - -",
        "WSDISCONNECT /graphql/ - -",
        "WSREJECT /graphql/ - -",
    ]


def test_the_worker_writes_only_json_lines_its_supervisor_and_fork_process_too(db):
    """dramatiq's supervisor and its fork processes set up logging in dramatiq's own format and
    never load Django's LOGGING; `manage.py rundramatiq` runs dramatiq through config.worker,
    which gives them LOG_FORMAT's, and logs its own lines rather than printing them."""
    from ..support import free_port

    metrics_port = free_port()
    lines = _json_lines_of(
        [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "1"],
        {
            "LOG_FORMAT": "json",
            "METRICS_ENABLED": "1",
            "METRICS_PORT": str(metrics_port),  # the fork process's exposition server
            "DRAMATIQ_NAMESPACE": "liveroll-test-worker-logs",  # no test's messages
        },
        answering=(metrics_port, "/metrics"),
        then=lambda: time.sleep(0.5) or True,  # the fork process's "ready" line written
    )
    loggers = {line["logger"] for line in lines}
    assert {
        "dramatiq.MainProcess",
        "dramatiq.WorkerProcess(0)",
        "dramatiq.ForkProcess(0)",
    } <= loggers
    assert any(line["logger"] == "django_dramatiq" for line in lines)  # the command's own
    assert {line["process"] for line in lines} == {"worker"}
