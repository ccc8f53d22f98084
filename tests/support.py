"""Helpers shared by the tests and the benchmarks in bench/ (which import this module as
`tests.support`, some before `django.setup()`: model imports stay inside the functions)."""

import contextlib
import hashlib
import hmac
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


def committed_in(schema: str, fn):
    """`fn()` run and committed in `schema` (for the end-to-end tests, whose servers read the
    database from other processes)."""
    from django_tenants.utils import schema_context

    def run():
        with schema_context(schema):
            return fn()

    return committed(run)


def wait_for(what, *, timeout: float = 60.0):
    """`what()`'s first truthy answer, asked every quarter second; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what.__doc__ or what}")


class FakeClock:
    """A clock that stands still until a test moves it: `advance()`, or the code under test
    sleeping on it (`sleep` records each sleep and moves the clock on). Pass the instance as a
    `clock` and its `sleep` as a `sleep`."""

    def __init__(self, now: float = 1_000_000.0):
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def zoom_settings_set(*, zoom_url: str = "", **fields):
    """The current schema's Zoom settings, created or updated with `fields`. `zoom_url` points the
    school's OAuth at it and its REST API at `zoom_url + "/v2"`: the Zoom sandbox's URL, or
    https://zoom.test for requests-mock."""
    from meetings.models import ZoomSettings

    if zoom_url:
        fields = {"oauth_base_url": zoom_url, "api_base_url": f"{zoom_url}/v2", **fields}
    return ZoomSettings.objects.update_or_create(singleton=True, defaults=fields)[0]


def signed_headers(raw: bytes, secret: str, *, timestamp: int | None = None) -> dict[str, str]:
    """The headers of a Zoom webhook delivery of `raw`, signed with the school's secret token."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256).hexdigest()
    return {
        "content-type": "application/json; charset=utf-8",
        "x-zm-request-timestamp": ts,
        "x-zm-signature": f"v0={digest}",
    }


def committed_session(user) -> str:
    """A session key logging `user` in, saved through the session store (committed unless a
    test transaction is open): for websockets and processes, which cannot use `force_login`."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


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


class SignedInBrowser:
    """A signed-in person's browser on a school's host, against a daphne on `port` (session
    cookie and CSRF pair, as the app sends them)."""

    CSRF = "e2ecalendarcsrftoken0123456789ab"

    def __init__(self, port: int, world, role: str):
        import requests

        self.base = f"http://127.0.0.1:{port}"
        self.host = world.host
        self.session = requests.Session()
        self.session.cookies.set("liveroll_session", world.session_keys[role])
        self.session.cookies.set("csrftoken", self.CSRF)

    def graphql(self, query: str, **variables):
        response = self.session.post(
            f"{self.base}/graphql/",
            json={"query": query, "variables": variables},
            headers={
                "Host": self.host,
                "X-CSRFToken": self.CSRF,
                "Referer": f"http://{self.host}/",
            },
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def get(self, path: str):
        return self.session.get(
            f"{self.base}{path}", headers={"Host": self.host}, allow_redirects=False, timeout=30
        )


def calendar_connect_at_stand_in(browser: SignedInBrowser, *, provider: str, email: str) -> str:
    """Connect `browser`'s person's calendar at the sandbox's stand-in as they would: the
    app's connectCalendar, the stand-in's consent page answered "Allow" as `email`, the
    school's callback. Returns where the callback sent them."""
    from urllib.parse import parse_qs, urlsplit

    import requests

    url = browser.graphql(
        "mutation($p: CalendarProviderName!) { connectCalendar(provider: $p) {"
        " authorizeUrl errors { message } } }",
        p=provider,
    )["connectCalendar"]["authorizeUrl"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    approved = requests.post(
        urlsplit(url)._replace(query="").geturl(),
        data={**query, "login_hint": email, "decision": "allow"},
        allow_redirects=False,
        timeout=10,
    )
    callback = urlsplit(approved.headers["Location"])
    landed = browser.get(f"{callback.path}?{callback.query}")
    assert landed.status_code == 302, landed.text
    return str(landed.headers["Location"])


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


def fuzz_settings(*, examples: int):
    """Hypothesis settings for the fuzz tests: in `make test` a few `examples`, derandomized so
    that CI is repeatable; with FUZZ_EXAMPLES set (`make fuzz`), that many and random."""
    from hypothesis import HealthCheck
    from hypothesis import settings as hypothesis_settings

    wanted = os.environ.get("FUZZ_EXAMPLES", "")
    return hypothesis_settings(
        max_examples=int(wanted) if wanted else examples,
        derandomize=not wanted,
        deadline=None,
        database=None,
        # A Django request per example and a function-scoped transaction shared by them all.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        print_blob=True,
    )


def mail_deliver_pending():
    """Deliver every mail queued in the current schema now, through the configured backend
    (the in-memory one in tests), whatever its back-off; returns the messages sent
    (django.core.mail's EmailMessage: to, subject, body, alternatives, attachments, extra_headers)."""
    from django.core import mail
    from django.utils import timezone

    from tenants.mail.models import OutboundMail
    from tenants.mail.selectors import mail_queued_ids
    from tenants.mail.services import mail_deliver

    outbox = getattr(mail, "outbox", None)
    if outbox is None:  # the locmem backend makes it on first use
        mail.outbox = outbox = []
    before = len(outbox)
    ids = mail_queued_ids()
    OutboundMail.objects.filter(pk__in=ids).update(next_attempt_at=timezone.now())
    for mail_id in ids:
        mail_deliver(mail_id=mail_id)
    return list(outbox[before:])
