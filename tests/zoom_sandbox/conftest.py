"""The sandbox served over real HTTP on a free port, on a clock the test moves; the class
player's webhook receiver and clock."""

import hashlib
import hmac
import json
import threading
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from zoom_sandbox.player import ClassPlayer
from zoom_sandbox.server import SandboxServer
from zoom_sandbox.state import SandboxState

from ..support import FakeClock

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC).timestamp()


# The class player's webhooks: signed with SECRET, sent with the tenant's HOST.
SECRET = "demo-webhook-secret"
HOST = "demo.localhost"


@pytest.fixture
def clock(request):
    """The sandbox's clock, standing still until moved; at the test module's own T0 if it
    has one (the player's modules start at their class)."""
    return FakeClock(getattr(request.module, "T0", T0))


@pytest.fixture
def fake_time(clock):
    """The clock as the class player takes it (its `sleep` moves it on: no real waiting)."""
    return clock


@pytest.fixture
def sandbox(clock):
    server = SandboxServer(state=SandboxState(clock=clock), log=lambda line: None).start()
    yield server
    server.stop()


@pytest.fixture
def api(sandbox):
    """A requests session authorised as teacher1 through the demo client."""
    session = requests.Session()
    token = sandbox.state.issue_token()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    session.base = sandbox.url + "/v2"
    return session


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.stop()


@pytest.fixture
def token(sandbox):
    return sandbox.state.issue_token()["access_token"]


class Receiver:
    """A tiny webhook endpoint that checks every signature with SECRET."""

    def __init__(self):
        self.received: list[dict] = []  # {"host", "raw", "body", "valid", "timestamp"}
        self.fail: Counter = Counter()  # event name -> how many 500s still to give
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers.get("x-zm-request-timestamp", "")
                expected = (
                    "v0="
                    + hmac.new(
                        SECRET.encode(), f"v0:{timestamp}:".encode() + raw, hashlib.sha256
                    ).hexdigest()
                )
                valid = hmac.compare_digest(expected, self.headers.get("x-zm-signature", ""))
                body = json.loads(raw)
                answer, status = b"", 200 if valid else 401
                with receiver.lock:
                    if valid and receiver.fail[body["event"]] > 0:
                        receiver.fail[body["event"]] -= 1
                        status = 500
                    receiver.received.append(
                        {
                            "host": self.headers["Host"],
                            "raw": raw,
                            "body": body,
                            "valid": valid,
                            "timestamp": timestamp,
                            "status": status,
                        }
                    )
                if valid and body["event"] == "endpoint.url_validation":
                    plain = body["payload"]["plainToken"]
                    encrypted = hmac.new(SECRET.encode(), plain.encode(), hashlib.sha256)
                    answer = json.dumps(
                        {"plainToken": plain, "encryptedToken": encrypted.hexdigest()}
                    ).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/webhooks/zoom/"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def bodies(self) -> list[dict]:
        return [r["body"] for r in self.received if r["status"] == 200]


def player_for(sandbox_or_url, receiver, fake_time, secret=SECRET):
    return ClassPlayer(
        sandbox_or_url,
        receiver.url,
        secret,
        host_header=HOST,
        clock=fake_time,
        sleep=fake_time.sleep,
    )
