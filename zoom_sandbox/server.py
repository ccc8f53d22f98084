"""The Zoom sandbox's HTTP server: standard library only, so that it starts in milliseconds.

    server = SandboxServer()          # 127.0.0.1, a free port
    server.start()                    # serves on a background thread
    server.url, server.state          # http://127.0.0.1:PORT, the SandboxState
    server.stop()

Point a tenant's Zoom settings at it with `oauth_base_url = server.url` and
`api_base_url = server.url + "/v2"`.

With `smtp_port` (0: a free one) it is also the mail catcher: an SMTP server on that port whose
messages are listed under `/mail/` on the HTTP port (zoom_sandbox.mailcatcher)."""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from zoom_sandbox import api, mailcatcher
from zoom_sandbox.state import SandboxState

logger = logging.getLogger("zoom_sandbox")

SECRET_QUERY_KEYS = {"code", "token", "access_token", "refresh_token", "tk", "zak"}


def redact(raw_path: str) -> str:
    """The request path for logs, without the values of secret query parameters."""
    parts = urlsplit(raw_path)
    if not parts.query:
        return parts.path
    query = [
        (k, "…" if k in SECRET_QUERY_KEYS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return f"{parts.path}?{urlencode(query, safe='…,/')}"


def _default_log(line: str) -> None:
    logger.info(line)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ZoomSandbox/1.0"
    timeout = 30  # idle keep-alive connections
    # Headers and body go out as two writes: without this, Nagle's algorithm holds the body
    # until the client's delayed ACK (about 40 ms a request on a kept-alive connection).
    disable_nagle_algorithm = True
    sandbox: SandboxServer  # set on the subclass made per server

    def _serve(self) -> None:
        started = time.perf_counter()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            response = mailcatcher.handle(self.sandbox.mail, self.command, self.path)
            if response is None:
                response = api.handle(
                    self.sandbox.state, self.command, self.path, self.headers, body
                )
        except Exception:  # noqa: BLE001 - any bug becomes a 500 answer, as a server would give
            self.sandbox.log(traceback.format_exc().rstrip())
            response = api.Response.json(
                500, {"code": 500, "message": "Internal error in the Zoom sandbox."}
            )
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        elapsed = (time.perf_counter() - started) * 1000
        self.sandbox.log(f"{self.command} {redact(self.path)} {response.status} {elapsed:.1f}ms")

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, format, *args):
        """Silence http.server's own access log: `_serve` logs one line per request."""


class SandboxServer:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        state: SandboxState | None = None,
        public_url: str = "",
        log: Callable[[str], None] | None = None,
        smtp_port: int | None = None,
    ):
        self.host = host
        self.port = port
        self.state = state or SandboxState()
        self.public_url = public_url.rstrip("/")
        self.log = log or _default_log
        self.mail = mailcatcher.MailBox()
        self.smtp = (
            mailcatcher.SmtpCatcher(self.mail, self.host or "127.0.0.1", smtp_port)
            if smtp_port is not None
            else None
        )
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url_host(self) -> str:
        return "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host  # noqa: S104 - a comparison, not a bind

    @property
    def url(self) -> str:
        """The base URL clients use (the public URL when one was given)."""
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host  # noqa: S104 - a comparison, not a bind
        return f"http://{host}:{self.port}"

    def bind(self) -> None:
        handler = type("SandboxHandler", (_Handler,), {"sandbox": self})
        self._httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        with self.state.lock:
            if not self.state.base_url:
                self.state.base_url = self.url

    def start(self) -> SandboxServer:
        """Bind and serve on a background thread; returns self."""
        if self._httpd is None:
            self.bind()
        if self.smtp is not None:
            try:
                self.smtp.start()
            except BaseException:
                self._httpd.server_close()  # never served: nothing to shut down
                self._httpd = None
                raise
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="zoom-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self.smtp is not None:
            self.smtp.stop()
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
