"""The mail catcher of `make up`: an SMTP server (aiosmtpd) that keeps what it receives in
memory, and the pages that show it on the sandbox's HTTP port.

    box = MailBox()                            # the last 500 messages, newest first
    smtp = SmtpCatcher(box, "127.0.0.1", 1025).start()
    handle(box, "GET", "/mail/api/messages")   # -> Response (None: not a /mail path)
    smtp.stop()

`/mail/` lists the messages (newest first), `/mail/<id>/` shows one (its text part escaped, its
HTML part in a sandboxed frame served from `/mail/<id>/html` with a CSP that runs nothing),
`/mail/api/messages` is the JSON list ({id, to, from, subject, text, html, date, attachments},
newest first) and DELETE on it empties the box."""

from __future__ import annotations

import email
import email.policy
import html
import itertools
import json
import socket
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller

from zoom_sandbox.api import Response

DEFAULT_SMTP_PORT = 1025
KEEP = 500  # messages kept; the oldest go first
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
# The HTML part of a mail is someone else's markup: shown only in a frame that may run nothing.
HTML_PART_POLICY = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"


@dataclass
class CaughtMail:
    id: int
    to: str
    sender: str
    subject: str
    text: str
    html: str
    date: datetime
    message_id: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "to": self.to,
            "from": self.sender,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "date": self.date.isoformat(),
            "message_id": self.message_id,
            "attachments": self.attachments,
        }


def _part(message: EmailMessage, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    if part is None or part.get_content_type() != f"text/{kind}":
        return ""
    return str(part.get_content()).replace("\r\n", "\n")


def _attachments(message: EmailMessage) -> list[dict[str, Any]]:
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        item: dict[str, Any] = {
            "filename": part.get_filename() or "",
            "content_type": part.get_content_type(),
            "size": len(payload),
        }
        if part.get_content_maintype() == "text":
            item["content"] = payload.decode(part.get_content_charset() or "utf-8", "replace")
        found.append(item)
    return found


def parse(raw: bytes, recipients: Iterable[str], sender: str, *, mail_id: int) -> CaughtMail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return CaughtMail(
        id=mail_id,
        to=", ".join(recipients) or str(message.get("To", "")),
        sender=str(message.get("From", "")) or sender,
        subject=str(message.get("Subject", "")),
        text=_part(message, "plain"),
        html=_part(message, "html"),
        date=datetime.now(UTC),
        message_id=str(message.get("Message-ID", "")),
        attachments=_attachments(message),
    )


class MailBox:
    """The caught messages, at most `keep`, newest first. Safe across threads."""

    def __init__(self, keep: int = KEEP) -> None:
        self._mails: deque[CaughtMail] = deque(maxlen=keep)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, raw: bytes, recipients: Iterable[str], sender: str) -> CaughtMail:
        with self._lock:
            mail = parse(raw, recipients, sender, mail_id=next(self._ids))
            self._mails.appendleft(mail)
            return mail

    def list(self) -> list[CaughtMail]:
        with self._lock:
            return list(self._mails)

    def get(self, mail_id: int) -> CaughtMail | None:
        with self._lock:
            return next((m for m in self._mails if m.id == mail_id), None)

    def clear(self) -> int:
        with self._lock:
            count = len(self._mails)
            self._mails.clear()
            return count


class _Handler:
    def __init__(self, box: MailBox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or envelope.content or b""
        self.box.add(raw, envelope.rcpt_tos, envelope.mail_from or "")
        return "250 Message accepted for delivery"


def free_smtp_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class SmtpCatcher:
    """aiosmtpd's server on its own thread (its controller runs an event loop there)."""

    def __init__(self, box: MailBox, host: str = "127.0.0.1", port: int = DEFAULT_SMTP_PORT):
        self.box = box
        self.host = host
        self.port = port or free_smtp_port(host)
        self._controller: Controller | None = None

    def start(self) -> SmtpCatcher:
        self._controller = Controller(
            _Handler(self.box),
            hostname=self.host,
            port=self.port,
            data_size_limit=MAX_MESSAGE_BYTES,
            ready_timeout=10,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


# --- the pages ---------------------------------------------------------------------------------

PAGE_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2933}"
    "table{border-collapse:collapse;width:100%}td,th{padding:.4rem .6rem;border-bottom:1px solid "
    "#e4e7eb;text-align:left;vertical-align:top}pre{white-space:pre-wrap;background:#f4f5f7;"
    "padding:1rem}iframe{width:100%;height:32rem;border:1px solid #e4e7eb}"
)


def _page(title: str, body: str, status: int = 200) -> Response:
    document = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{PAGE_STYLE}</style></head><body>{body}</body></html>"
    )
    return Response(status, document.encode(), {"Content-Type": "text/html; charset=utf-8"})


def _list_page(box: MailBox) -> Response:
    mails = box.list()
    rows = "".join(
        f"<tr><td>{m.date:%Y-%m-%d %H:%M:%S}</td><td>{html.escape(m.to)}</td>"
        f"<td><a href='/mail/{m.id}/'>{html.escape(m.subject) or '(no subject)'}</a></td></tr>"
        for m in mails
    )
    body = (
        f"<h1>Mail catcher</h1><p>{len(mails)} message(s), newest first; every mail the platform "
        "sends in development lands here. JSON: <a href='/mail/api/messages'>/mail/api/messages"
        "</a>.</p><form method='post' action='/mail/clear'><button>Delete all</button></form>"
        "<table><tr><th>received (UTC)</th><th>to</th><th>subject</th></tr>"
        f"{rows or '<tr><td colspan=3>No mail yet.</td></tr>'}</table>"
    )
    return _page("Mail catcher", body)


def _mail_page(mail: CaughtMail) -> Response:
    attachments = "".join(
        f"<li>{html.escape(a['filename'])} ({html.escape(a['content_type'])}, {a['size']} bytes)"
        "</li>"
        for a in mail.attachments
    )
    frame = (
        f"<iframe sandbox src='/mail/{mail.id}/html' title='HTML part'></iframe>"
        if mail.html
        else "<p>(no HTML part)</p>"
    )
    body = (
        f"<p><a href='/mail/'>← all mail</a></p><h1>{html.escape(mail.subject)}</h1>"
        f"<table><tr><th>to</th><td>{html.escape(mail.to)}</td></tr>"
        f"<tr><th>from</th><td>{html.escape(mail.sender)}</td></tr>"
        f"<tr><th>received</th><td>{mail.date.isoformat()}</td></tr>"
        f"<tr><th>Message-ID</th><td>{html.escape(mail.message_id)}</td></tr></table>"
        f"{'<h2>Attachments</h2><ul>' + attachments + '</ul>' if attachments else ''}"
        f"<h2>HTML part</h2>{frame}<h2>Text part</h2><pre>{html.escape(mail.text)}</pre>"
    )
    return _page(mail.subject or "Mail", body)


def handle(box: MailBox, method: str, raw_path: str) -> Response | None:
    """The answer to a request under /mail, or None for any other path."""
    path = urlsplit(raw_path).path.rstrip("/")
    if path != "/mail" and not path.startswith("/mail/"):
        return None
    parts = path.split("/")[2:]
    if parts == ["api", "messages"]:
        if method == "DELETE":
            return Response.json(200, {"deleted": box.clear()})
        if method in ("GET", "HEAD"):
            return Response(
                200,
                json.dumps([m.to_json() for m in box.list()]).encode(),
                {"Content-Type": "application/json"},
            )
        return Response.json(405, {"message": "GET or DELETE"})
    if parts == ["clear"] and method == "POST":
        box.clear()
        return Response(303, b"", {"Location": "/mail/"})
    if method not in ("GET", "HEAD"):
        return Response.json(405, {"message": "GET"})
    if not parts:
        return _list_page(box)
    mail = box.get(int(parts[0])) if parts[0].isdigit() and len(parts[0]) < 12 else None
    if mail is None:
        return _page("Not found", "<p>No such mail (the catcher keeps the last 500).</p>", 404)
    if parts[1:] == []:
        return _mail_page(mail)
    if parts[1:] == ["html"]:
        return Response(
            200,
            mail.html.encode(),
            {
                "Content-Type": "text/html; charset=utf-8",
                "Content-Security-Policy": HTML_PART_POLICY,
            },
        )
    return _page("Not found", "<p>No such page.</p>", 404)
