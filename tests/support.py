"""Helpers shared by tests that cross threads or processes."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

ROOT = Path(__file__).resolve().parent.parent


def committed(fn):
    """Run `fn` on a thread of its own, so with a database connection of its own that commits
    (the test's connection is inside a transaction other threads and processes do not see).
    Returns its result; re-raises its exception here."""
    result = {}

    def run():
        try:
            result["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised on the test's thread
            result["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if "error" in result:
        raise result["error"]
    return result.get("value")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, host: str) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - local URL
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _process_env(extra: dict | None) -> dict:
    """The environment of a web or worker process of the tests: the test database."""
    db = connection.settings_dict
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL,
        **(extra or {}),
    )


def daphne_start(env: dict | None = None) -> tuple[subprocess.Popen, int]:
    """A real daphne serving config.asgi on a free port, against the test database."""
    port = free_port()
    env = _process_env(env)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "config.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if http_get(port, "/healthz", "localhost")[0] == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"daphne did not start: {process.stdout.read().decode()[-2000:]}")


def daphne_stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=10)


def worker_start(env: dict | None = None, *, queues: list[str]) -> subprocess.Popen:
    """A real dramatiq worker (`manage.py rundramatiq`) on `queues`, against the test database,
    in a process group of its own (rundramatiq forks)."""
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "rundramatiq",
            "--processes",
            "1",
            "--threads",
            "4",
            "--queues",
            *queues,
        ],
        cwd=ROOT,
        env=_process_env(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def worker_stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
