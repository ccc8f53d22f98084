"""`make up` runs with DEBUG on, whose error pages show DATABASE_URL and REDIS_URL: it serves
on loopback unless LIVEROLL_DEV_BIND opens it to the LAN. WEB_PROCESSES web processes share
its one port."""

import asyncio
import contextlib
import json
import shutil
import tempfile
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.conf import settings

from attendance.events import AttendanceUpdated
from devtools import devstack
from devtools.process_header import HEADER
from realtime.events import publish
from tests.support import _process_env, free_port


def _web_bind(env: dict[str, str]) -> str:
    env["PORT"] = str(free_port())
    with devstack.web_listen(env) as listener:
        return listener.getsockname()[0]


def test_make_up_listens_on_loopback_by_default(monkeypatch):
    monkeypatch.delenv("LIVEROLL_DEV_BIND", raising=False)
    assert _web_bind(devstack.base_env()) == "127.0.0.1"


def test_the_lan_is_an_explicit_choice(monkeypatch):
    monkeypatch.setenv("LIVEROLL_DEV_BIND", "0.0.0.0")  # noqa: S104 - what the test asks for
    assert _web_bind(devstack.base_env()) == "0.0.0.0"  # noqa: S104


def test_web_processes_share_the_port_and_are_named(monkeypatch):
    monkeypatch.setenv("WEB_PROCESSES", "3")
    env = devstack.base_env()
    with devstack.web_listen({**env, "PORT": str(free_port())}) as listener:
        table = devstack.web_table(env, listener, Path("/run"))
        fd = str(listener.fileno())
    assert [name for name, _ in table] == ["web-1", "web-2", "web-3"]
    assert all(cmd[cmd.index("--fd") + 1] == fd for _, cmd in table)
    monkeypatch.setenv("WEB_PROCESSES", "0")
    with pytest.raises(SystemExit):
        devstack.web_processes(devstack.base_env())


@pytest.fixture(scope="module")
def two_web_processes(worlds):
    """`make up`'s web part with WEB_PROCESSES=2, against the test database."""
    port = free_port()
    env = _process_env({"PORT": str(port), "LIVEROLL_DEV_BIND": "127.0.0.1"})
    env["WEB_PROCESSES"] = "2"
    run_dir = Path(tempfile.mkdtemp(prefix="liveroll-web-test-"))
    procs: list = []
    try:
        web = devstack.web_start(env, procs, run_dir)
        devstack.wait_ready(str(port), procs, web)
        yield port
    finally:
        devstack.stop(procs)
        shutil.rmtree(run_dir, ignore_errors=True)


def _answered_by(port: int) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": "x"})
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - local URL
        return response.headers[HEADER]


def test_both_web_processes_answer_on_the_one_port(two_web_processes):
    # given two web processes accepting on one socket
    # when connections arrive, several at a time (as under load)
    seen: set[str] = set()
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(10):
            seen.update(pool.map(_answered_by, [two_web_processes] * 40))
            if len(seen) == 2:
                break
    # then the kernel has handed some to each
    assert seen == {"web-1", "web-2"}


@pytest.mark.django_db
async def test_subscriptions_work_through_the_shared_port(two_web_processes, alpha):
    # given several subscribers on the shared port (connections land on either process)
    cookie = f"{settings.SESSION_COOKIE_NAME}={alpha.session_keys['student']}"
    async with contextlib.AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(
                websockets.connect(
                    f"ws://{alpha.host}:{two_web_processes}/graphql/",
                    host="127.0.0.1",
                    port=two_web_processes,
                    subprotocols=["graphql-transport-ws"],
                    origin=f"http://{alpha.host}:{two_web_processes}",
                    additional_headers={"Cookie": cookie},
                    open_timeout=10,
                )
            )
            for _ in range(4)
        ]
        for ws in sockets:
            await ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            query = "subscription { myNotifications { kind data } }"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
            first = json.loads(await ws.recv())["payload"]["data"]["myNotifications"]
            assert first["kind"] == "subscribed"

        # when a change is published from another process
        sent = AttendanceUpdated(
            meeting_id=1,
            student_id=alpha.users["student"].pk,
            status="present",
            attended_seconds=900,
            final=False,
        )
        await sync_to_async(publish)(sent, schema_name="alpha")

        # then every subscriber, on whichever process, gets it
        received = await asyncio.gather(
            *(asyncio.wait_for(ws.recv(), timeout=10) for ws in sockets)
        )
    for raw in received:
        event = json.loads(raw)["payload"]["data"]["myNotifications"]
        assert event == {"kind": "attendance.updated", "data": sent.data()}


def test_make_up_runs_the_mail_catcher_and_says_where(monkeypatch):
    monkeypatch.delenv("ZOOM_SANDBOX_SMTP_PORT", raising=False)
    env = devstack.base_env()
    env["DEMO_PASSWORD"] = "x"
    assert env["ZOOM_SANDBOX_SMTP_PORT"] == "1025"
    banner = devstack.banner(env, ["web", "sandbox"])
    assert f"http://127.0.0.1:{env['ZOOM_SANDBOX_PORT']}/mail/" in banner
    assert "127.0.0.1:1025" in banner


def test_the_workers_metrics_port_follows_the_web_port_unless_given(monkeypatch):
    monkeypatch.delenv("METRICS_PORT", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    assert devstack.base_env()["METRICS_PORT"] == "9191"  # beside 8000, as production's
    monkeypatch.setenv("PORT", "8190")  # a second stack on the same machine
    assert devstack.base_env()["METRICS_PORT"] == "9381"
    monkeypatch.setenv("METRICS_PORT", "9500")
    assert devstack.base_env()["METRICS_PORT"] == "9500"
    assert "http://127.0.0.1:9500/metrics (worker)" in devstack.banner(
        {**devstack.base_env(), "DEMO_PASSWORD": "x"}, ["worker"]
    )
