"""The Zoom webhook intake (`POST /webhooks/zoom/`), through the real ASGI application and once
through a real daphne.

The intake has its own async connection pool, so it sees only committed rows: the tenants'
webhook secrets are written (and cleaned up) by a thread of their own, and the inbox is read
through a fresh connection. The application runs on an event loop of its own thread, as in a
server, so that its pool and background sends outlive each request as they would there.
"""

import asyncio
import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import dramatiq
import psycopg
import pytest
import redis
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.actors import webhook_process
from attendance.inbox.intake import MAX_BODY_BYTES, WebhookRouter, ZoomWebhookIntake, intake
from attendance.inbox.sweep import webhook_inbox_sweep, webhook_inbox_sweep_actor
from attendance.inbox.wakeup import wake_clear, wake_key
from attendance.models import WebhookEvent
from config.asgi import application
from meetings.models import ZoomSettings
from tenants.audit.models import AuditEntry
from tenants.audit.services import ip_hash
from tenants.models import Organisation
from tenants.tasking import send_to_each_tenant

from ...support import (
    committed,
    daphne_start,
    daphne_stop,
    signed_headers,
    zoom_settings_set,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
WEBHOOKS = ROOT / "tests" / "fixtures" / "zoom" / "webhooks"
# alpha uses the token of Zoom's documented url_validation example, so that the documented
# answer can be checked as is.
SECRETS = {"alpha": "SECRET_TOKEN", "beta": "beta-webhook-secret"}
HOSTS = {"alpha": "alpha.localhost", "beta": "beta.localhost"}
CLIENT_IP = "203.0.113.7"


def sample(name: str) -> dict:
    return json.loads((WEBHOOKS / name).read_text(encoding="utf-8-sig"))


def joined(name: str, *, n: int = 1, join_time: str = "2021-07-13T21:44:51Z") -> dict:
    """Zoom's participant_joined sample, for participant `name`."""
    body = sample("participant_joined__Jericho-ZoomNet.json")
    body["event_ts"] += n
    body["payload"]["object"]["participant"].update(
        user_name=name,
        id=f"zoom-id-{name}",
        participant_uuid=f"uuid-{name}",
        user_id=str(16778240 + n),
        join_time=join_time,
    )
    return body


# --- an in-process ASGI client ------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[bytes, bytes]
    body: bytes
    chunks_read: int  # how many body chunks the application pulled

    def json(self):
        return json.loads(self.body)


class AsgiClient:
    """Calls an ASGI application with one HTTP request at a time, on a loop of its own."""

    def __init__(self, app):
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        host: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        chunk_size: int = 64 * 1024,
        content_length: bool = True,
        app=None,
    ) -> Reply:
        return self.run(
            self._request(
                app or self.app, method, path, host, body, headers or {}, chunk_size, content_length
            )
        )

    def post(self, body: dict | bytes, *, host: str, secret: str | None = None, **kw) -> Reply:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = signed_headers(raw, secret) if secret else {}
        headers.update(kw.pop("headers", {}))
        path = kw.pop("path", "/webhooks/zoom/")
        return self.request("POST", path, host=host, body=raw, headers=headers, **kw)

    async def _request(self, app, method, path, host, body, headers, chunk_size, content_length):
        raw_headers = [(b"host", host.encode())]
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        if content_length:
            raw_headers.append((b"content-length", str(len(body)).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": raw_headers,
            "client": (CLIENT_IP, 40000),
            "server": ("127.0.0.1", 8000),
        }
        chunks = [body[i : i + chunk_size] for i in range(0, len(body), chunk_size)] or [b""]
        pulled = 0
        done = asyncio.Event()
        reply = {"status": None, "headers": {}, "body": b""}

        async def receive():
            nonlocal pulled
            if pulled < len(chunks):
                pulled += 1
                more = pulled < len(chunks)
                return {"type": "http.request", "body": chunks[pulled - 1], "more_body": more}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                reply["status"] = message["status"]
                reply["headers"] = dict(message.get("headers", []))
            elif message["type"] == "http.response.body":
                reply["body"] += message.get("body", b"")
                if not message.get("more_body", False):
                    done.set()

        await app(scope, receive, send)
        return Reply(reply["status"], reply["headers"], reply["body"], pulled)


# --- committed state and what it leads to -------------------------------------------------------


_in_own_thread = committed


def _set_secret(schema: str, secret: str | None) -> None:
    def write():
        with schema_context(schema):
            if secret is None:
                ZoomSettings.objects.all().delete()
            else:
                zoom_settings_set(webhook_secret_token=secret)

    _in_own_thread(write)


def _set_status(slug: str, status: str) -> None:
    _in_own_thread(lambda: Organisation.objects.filter(slug=slug).update(status=status))


def _fresh_connection() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    )


def inbox(schema: str) -> list[dict]:
    """The committed rows of a tenant's inbox."""
    with _fresh_connection() as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(
            f"SELECT id, event, event_ts, dedupe_key, zoom_meeting_id, zoom_uuid, body, status,"
            f' attempts FROM "{schema}".attendance_webhookevent ORDER BY id'
        )
        return cur.fetchall()


def audit_entries(schema: str) -> list[dict]:
    with _fresh_connection() as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(
            f'SELECT action, actor_label, ip_hash, details FROM "{schema}".audit_auditentry'
            " WHERE action = 'zoom.webhook.rejected' ORDER BY id"
        )
        return cur.fetchall()


def queued_messages(queue: str = "webhooks") -> list[dramatiq.Message]:
    broker = dramatiq.get_broker()
    raw = broker.client.hvals(f"{broker.namespace}:{queue}.msgs")
    return [dramatiq.Message.decode(r) for r in raw]


def wait_for_messages(count: int, queue: str = "webhooks") -> list[dramatiq.Message]:
    """The intake sends after answering, from a thread: give it a moment to land."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        messages = queued_messages(queue)
        if len(messages) >= count:
            return messages
        time.sleep(0.02)
    return queued_messages(queue)


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def asgi():
    client = AsgiClient(application)
    yield client
    client.run(intake.close())
    client.close()


def _clean_tenants() -> None:
    def clean():
        for schema in SECRETS:
            with schema_context(schema):
                WebhookEvent.objects.all().delete()
                AuditEntry.objects.filter(action="zoom.webhook.rejected").delete()
                ZoomSettings.objects.all().delete()

    _in_own_thread(clean)


@pytest.fixture
def zoom(worlds, asgi):
    """alpha and beta with their webhook secrets set (committed), empty inboxes, a cold
    intake cache and an empty queue. Everything is undone afterwards."""
    _clean_tenants()
    for schema, secret in SECRETS.items():
        _set_secret(schema, secret)
    intake.forget()
    broker = dramatiq.get_broker()
    broker.flush_all()
    _forget_wakeups()
    yield asgi
    _clean_tenants()
    intake.forget()
    broker.flush_all()
    _forget_wakeups()


def _forget_wakeups() -> None:
    client = dramatiq.get_broker().client
    keys = list(client.scan_iter(match=wake_key("*", "*")))
    if keys:
        client.delete(*keys)


# --- url validation -----------------------------------------------------------------------------


def test_url_validation_is_answered_with_the_documented_tokens_and_not_stored(zoom):
    body = sample("endpoint_url_validation__zoom-docs-webhooks.json")
    expected = sample("endpoint_url_validation__zoom-docs-webhooks.expected_response.json")

    reply = zoom.post(body, host=HOSTS["alpha"], secret=SECRETS["alpha"])

    assert reply.status == 200
    assert reply.headers[b"content-type"] == b"application/json"
    assert reply.json() == expected
    assert inbox("alpha") == []


def test_url_validation_needs_a_valid_signature_too(zoom):
    body = sample("endpoint_url_validation__Jericho-ZoomNet.json")

    reply = zoom.post(body, host=HOSTS["alpha"], secret="not-the-secret")

    assert reply.status == 401
    assert "encryptedToken" not in reply.body.decode()


# --- storing ------------------------------------------------------------------------------------


def test_signed_event_is_stored_once_as_sent(zoom):
    body = joined("Jill Chill")

    reply = zoom.post(body, host=HOSTS["alpha"], secret=SECRETS["alpha"])

    assert (reply.status, reply.json()) == (200, {"status": "stored"})
    [row] = inbox("alpha")
    assert row["event"] == "meeting.participant_joined"
    assert row["event_ts"] == body["event_ts"]
    assert row["zoom_meeting_id"] == "1234567890"
    assert row["zoom_uuid"] == "4444AAAiAAAAAiAiAiiAii=="
    assert row["body"] == body
    assert (row["status"], row["attempts"]) == ("pending", 0)
    assert len(row["dedupe_key"]) == 64


def test_secrets_and_ip_addresses_are_not_stored_as_sent(zoom):
    """A recording.completed carries passwords, passcodes, a download token and links that
    open the recording; a join carries the participant's IP address. None is kept as sent."""
    from attendance.inbox.scrub import sealed_open

    recording = sample("recording_completed__Jericho-ZoomNet.json")
    recording["payload"]["object"]["share_url"] = "https://zoom.us/rec/share/abc?pwd=sEcReT"
    join = joined("Jill Chill")
    join["payload"]["object"]["participant"].update(ip_address="198.51.100.23", public_ip="9.9.9.9")

    for body in (recording, join):
        assert zoom.post(body, host=HOSTS["alpha"], secret=SECRETS["alpha"]).json() == {
            "status": "stored"
        }
    # the dedupe key is still that of what Zoom sent: a redelivery is a duplicate
    assert zoom.post(join, host=HOSTS["alpha"], secret=SECRETS["alpha"]).json() == {
        "status": "duplicate"
    }

    stored_recording, stored_join = (row["body"] for row in inbox("alpha"))
    text = json.dumps([stored_recording, stored_join])
    for secret in (
        "abJhbGciOiJIUzUxMiJ9",  # download_token
        "132456",  # password
        "yNYIS408EJygs7rE5vVsJwXIz4-VW7MH",  # recording_play_passcode
        "sEcReT",
        "Qg75t7xZBtEbAkjdlgbfdngBBBB",  # in the play and download links
        "198.51.100.23",
        "9.9.9.9",
    ):
        assert secret not in text
    obj = stored_recording["payload"]["object"]
    assert "password" not in obj and "download_token" not in stored_recording
    # what the worker needs is there, sealed
    assert sealed_open(obj["share_url"]) == "https://zoom.us/rec/share/abc?pwd=sEcReT"
    assert sealed_open(obj["recording_files"][0]["play_url"]).endswith("dngBBBB")
    participant = stored_join["payload"]["object"]["participant"]
    assert participant["ip_address_hash"] == ip_hash("198.51.100.23")
    assert "ip_address" not in participant and "public_ip" not in participant
    assert participant["user_name"] == "Jill Chill"


def test_the_path_without_trailing_slash_is_the_intake_too(zoom):
    reply = zoom.post(
        joined("Ann"), host=HOSTS["alpha"], secret=SECRETS["alpha"], path="/webhooks/zoom"
    )

    assert reply.json() == {"status": "stored"}
    assert len(inbox("alpha")) == 1


def test_redelivered_event_is_a_duplicate_and_stays_one_row(zoom):
    body = joined("Jill Chill")
    first = zoom.post(body, host=HOSTS["alpha"], secret=SECRETS["alpha"])

    # Zoom signs a redelivery anew: another timestamp, the same body
    again = zoom.post(
        body,
        host=HOSTS["alpha"],
        headers=signed_headers(
            json.dumps(body).encode(), SECRETS["alpha"], timestamp=int(time.time()) - 30
        ),
    )

    assert first.json() == {"status": "stored"}
    assert (again.status, again.json()) == (200, {"status": "duplicate"})
    assert len(inbox("alpha")) == 1


def test_distinct_joins_are_distinct_events(zoom):
    # two people joining at the same moment, and the first one joining again later
    bodies = [
        joined("Ann", n=1),
        joined("Bob", n=1),
        joined("Ann", n=1, join_time="2021-07-13T21:50:00Z"),
    ]
    # the same meeting's id as a number in one event and as text in another is the same key
    started_text = sample("meeting_started__Jericho-ZoomNet.json")
    started_number = json.loads(json.dumps(started_text))
    started_text["payload"]["object"]["id"] = "1234567890"

    replies = [zoom.post(b, host=HOSTS["alpha"], secret=SECRETS["alpha"]) for b in bodies]
    replies += [
        zoom.post(started_number, host=HOSTS["alpha"], secret=SECRETS["alpha"]),
        zoom.post(started_text, host=HOSTS["alpha"], secret=SECRETS["alpha"]),
    ]

    assert [r.json()["status"] for r in replies] == [
        "stored",
        "stored",
        "stored",
        "stored",
        "duplicate",
    ]
    rows = inbox("alpha")
    assert len({r["dedupe_key"] for r in rows}) == 4
    assert rows[-1]["zoom_meeting_id"] == "1234567890"  # a number in the body, text here


def test_a_suspended_tenants_events_are_still_stored(zoom):
    _set_status("alpha", Organisation.Status.SUSPENDED)
    try:
        reply = zoom.post(joined("Ann"), host=HOSTS["alpha"], secret=SECRETS["alpha"])
    finally:
        _set_status("alpha", Organisation.Status.ACTIVE)

    assert reply.json() == {"status": "stored"}
    assert len(inbox("alpha")) == 1


def test_the_processing_message_carries_the_tenant_schema(zoom):
    reply = zoom.post(joined("Ann"), host=HOSTS["beta"], secret=SECRETS["beta"])

    assert reply.json() == {"status": "stored"}
    [row] = inbox("beta")
    [message] = wait_for_messages(1)
    assert message.actor_name == webhook_process.actor_name
    assert message.queue_name == "webhooks"
    assert list(message.args) == [row["id"]]
    assert message.options["tenant_schema"] == "beta"


def test_a_duplicate_sends_no_second_message(zoom):
    body = joined("Ann")
    zoom.post(body, host=HOSTS["alpha"], secret=SECRETS["alpha"])
    wait_for_messages(1)
    _worker_takes_meeting("alpha", body)

    zoom.post(body, host=HOSTS["alpha"], secret=SECRETS["alpha"])
    zoom.post(joined("Bob"), host=HOSTS["alpha"], secret=SECRETS["alpha"])  # a marker after it

    messages = wait_for_messages(2)
    assert len(messages) == 2
    assert sorted(m.args[0] for m in messages) == [r["id"] for r in inbox("alpha")]


def _worker_takes_meeting(schema: str, body: dict) -> None:
    """What a worker does first with the meeting's message."""
    wake_clear(schema, str(body["payload"]["object"]["id"]))


def test_one_message_waits_per_meeting_however_many_events_arrive(zoom):
    """The worker that takes the message drains the meeting: more messages would find
    nothing to do, and would queue ahead of other classes' events."""
    bodies = [joined(name, n=n) for n, name in enumerate(["Ann", "Bob", "Cy"])]
    other = sample("meeting_started__Jericho-ZoomNet.json")
    other["payload"]["object"]["id"] = "99887766"
    for body in bodies:
        zoom.post(body, host=HOSTS["alpha"], secret=SECRETS["alpha"])
    zoom.post(other, host=HOSTS["alpha"], secret=SECRETS["alpha"])  # another meeting
    zoom.post(bodies[0], host=HOSTS["beta"], secret=SECRETS["beta"])  # another school

    messages = wait_for_messages(3)
    time.sleep(0.3)  # nothing more comes
    assert sorted((m.options["tenant_schema"], m.args[0]) for m in queued_messages("webhooks")) == [
        ("alpha", inbox("alpha")[0]["id"]),
        ("alpha", inbox("alpha")[3]["id"]),
        ("beta", inbox("beta")[0]["id"]),
    ]
    assert len(messages) == 3

    # Once a worker has taken the message, the next event wakes the meeting again.
    _worker_takes_meeting("alpha", bodies[0])
    zoom.post(joined("Dee", n=9), host=HOSTS["alpha"], secret=SECRETS["alpha"])
    assert inbox("alpha")[-1]["id"] in {m.args[0] for m in wait_for_messages(4)}


def test_redis_down_still_stores_and_answers(zoom, monkeypatch, caplog):
    sent = threading.Event()

    def broken_send(*args, **kwargs):
        sent.set()
        raise redis.ConnectionError("Redis is down")

    monkeypatch.setattr(webhook_process, "send_with_options", broken_send)
    caplog.set_level(logging.ERROR, logger="attendance.inbox.intake")

    reply = zoom.post(joined("Ann"), host=HOSTS["alpha"], secret=SECRETS["alpha"])

    assert reply.json() == {"status": "stored"}
    assert sent.wait(5)
    deadline = time.monotonic() + 5
    while not any("could not enqueue" in r.getMessage() for r in caplog.records):
        assert time.monotonic() < deadline, "the failed send was not logged"
        time.sleep(0.01)
    assert [r["status"] for r in inbox("alpha")] == ["pending"]  # the sweep will send it


# --- refusals -----------------------------------------------------------------------------------


def test_bad_signature_is_refused_and_audited(zoom):
    reply = zoom.post(joined("Mallory"), host=HOSTS["alpha"], secret="guessed-secret")

    assert reply.status == 401
    assert inbox("alpha") == []
    [entry] = audit_entries("alpha")
    assert entry == {
        "action": "zoom.webhook.rejected",
        "actor_label": "zoom-webhook",
        "ip_hash": ip_hash(CLIENT_IP),
        "details": {"reason": "bad_signature"},
    }


def test_the_client_before_our_proxy_is_the_one_audited_not_a_forged_hop(zoom, settings):
    # given: one proxy of ours (the peer, CLIENT_IP) that appended the address it was reached
    # from; the client wrote a hop of its own first
    settings.LIVEROLL_TRUSTED_PROXIES = 1
    zoom.post(
        joined("Mallory"),
        host=HOSTS["alpha"],
        secret="guessed-secret",
        headers={"x-forwarded-for": "192.0.2.66, 198.51.100.4"},
    )

    assert [e["ip_hash"] for e in audit_entries("alpha")] == [ip_hash("198.51.100.4")]


def test_without_trusted_proxies_a_forwarded_header_is_not_believed(zoom, settings):
    settings.LIVEROLL_TRUSTED_PROXIES = 0
    zoom.post(
        joined("Mallory"),
        host=HOSTS["alpha"],
        secret="guessed-secret",
        headers={"x-forwarded-for": "192.0.2.66"},
    )

    assert [e["ip_hash"] for e in audit_entries("alpha")] == [ip_hash(CLIENT_IP)]


def test_a_tampered_body_is_refused(zoom):
    raw = json.dumps(joined("Ann")).encode()
    headers = signed_headers(raw, SECRETS["alpha"])

    reply = zoom.post(raw.replace(b"Ann", b"Eve"), host=HOSTS["alpha"], headers=headers)

    assert reply.status == 401
    assert inbox("alpha") == []


@pytest.mark.parametrize("missing", ["x-zm-signature", "x-zm-request-timestamp", "both"])
def test_missing_signature_headers_are_refused(zoom, missing):
    raw = json.dumps(joined("Ann")).encode()
    headers = signed_headers(raw, SECRETS["alpha"])
    for name in ("x-zm-signature", "x-zm-request-timestamp"):
        if missing in (name, "both"):
            del headers[name]

    reply = zoom.post(raw, host=HOSTS["alpha"], headers=headers)

    assert reply.status == 401
    assert inbox("alpha") == []
    assert [e["details"] for e in audit_entries("alpha")] == [{"reason": "missing_signature"}]


@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_stale_or_future_timestamps_are_refused_as_replays(zoom, skew):
    raw = json.dumps(joined("Ann")).encode()
    headers = signed_headers(raw, SECRETS["alpha"], timestamp=int(time.time()) + skew)

    reply = zoom.post(raw, host=HOSTS["alpha"], headers=headers)

    assert reply.status == 401
    assert inbox("alpha") == []
    assert [e["details"] for e in audit_entries("alpha")] == [{"reason": "stale_timestamp"}]


def test_timestamps_within_five_minutes_are_accepted(zoom):
    raw = json.dumps(joined("Ann")).encode()
    headers = signed_headers(raw, SECRETS["alpha"], timestamp=int(time.time()) - 280)

    assert zoom.post(raw, host=HOSTS["alpha"], headers=headers).status == 200


def test_refusal_audits_are_throttled_per_tenant_and_reason(zoom):
    for _ in range(5):
        assert zoom.post(joined("Eve"), host=HOSTS["alpha"], secret="nope").status == 401
    assert zoom.post(joined("Eve"), host=HOSTS["alpha"]).status == 401  # no signature at all
    assert zoom.post(joined("Eve"), host=HOSTS["beta"], secret="nope").status == 401

    reasons = [e["details"]["reason"] for e in audit_entries("alpha")]
    assert reasons == ["bad_signature", "missing_signature"]
    assert [e["details"]["reason"] for e in audit_entries("beta")] == ["bad_signature"]


def test_tenant_without_a_webhook_secret_refuses_and_audits(zoom):
    _set_secret("beta", None)

    reply = zoom.post(joined("Ann"), host=HOSTS["beta"], secret="")
    signed_with_anything = zoom.post(joined("Bob"), host=HOSTS["beta"], secret="x")

    assert (reply.status, signed_with_anything.status) == (401, 401)
    assert inbox("beta") == []
    reasons = {e["details"]["reason"] for e in audit_entries("beta")}
    assert reasons == {"missing_signature", "no_secret"}


def test_a_rotated_secret_works_at_once_and_the_old_one_stops(zoom):
    assert zoom.post(joined("Ann"), host=HOSTS["alpha"], secret=SECRETS["alpha"]).status == 200

    _set_secret("alpha", "rotated-secret")  # the old one is still in the intake's cache

    new = zoom.post(joined("Bob"), host=HOSTS["alpha"], secret="rotated-secret")
    old = zoom.post(joined("Cy"), host=HOSTS["alpha"], secret=SECRETS["alpha"])
    assert (new.status, old.status) == (200, 401)


def test_unknown_and_public_hosts_get_404(zoom):
    for host in ("nowhere.localhost", "localhost", "", "bad host!"):
        reply = zoom.post(joined("Ann"), host=host, secret=SECRETS["alpha"])
        assert reply.status == 404, host


def test_a_host_is_matched_without_port_and_case(zoom):
    reply = zoom.post(joined("Ann"), host="ALPHA.localhost:8000", secret=SECRETS["alpha"])

    assert reply.json() == {"status": "stored"}


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"",
        b"[1, 2]",
        b'{"payload": {}}',
        b'{"event": 5}',
        b'{"event": "meeting.started", "event_ts": NaN}',
        b'{"event": "meeting.started", "payload": {"object": {"topic": "\\u0000"}}}',
        b'{"event": "meeting.started", "payload": {"object": {"topic": "\\ud800"}}}',
        b"\xff\xfe{}",
        b'{"event": "endpoint.url_validation", "payload": {"plainToken": 7}}',
        b"[" * 100_000,
    ],
)
def test_malformed_bodies_get_400_never_5xx(zoom, raw):
    reply = zoom.post(raw, host=HOSTS["alpha"], secret=SECRETS["alpha"])

    assert reply.status == 400
    assert inbox("alpha") == []


def test_odd_but_valid_values_are_stored(zoom):
    body = joined("Ann")
    body["event_ts"] = 10**30  # too big for the column: kept in the body only
    body["payload"]["object"]["id"] = "9" * 50
    body["payload"]["object"]["participant"]["user_name"] = "Zoë 🎓"

    reply = zoom.post(body, host=HOSTS["alpha"], secret=SECRETS["alpha"])

    assert reply.json() == {"status": "stored"}
    [row] = inbox("alpha")
    assert row["event_ts"] is None
    assert row["body"]["payload"]["object"]["participant"]["user_name"] == "Zoë 🎓"


def test_declared_oversized_body_is_refused_before_reading(zoom):
    raw = b'{"event": "x", "pad": "' + b"a" * MAX_BODY_BYTES + b'"}'

    reply = zoom.post(raw, host=HOSTS["alpha"], secret=SECRETS["alpha"])

    assert reply.status == 413
    assert reply.chunks_read == 0
    assert inbox("alpha") == []


def test_undeclared_oversized_body_is_refused_while_reading(zoom):
    # 10 MiB streamed without a Content-Length: reading stops just past the limit
    raw = b"a" * (10 * 1024 * 1024)

    reply = zoom.post(
        raw, host=HOSTS["alpha"], secret=SECRETS["alpha"], content_length=False, chunk_size=65536
    )

    assert reply.status == 413
    assert reply.chunks_read == MAX_BODY_BYTES // 65536 + 1


def test_a_body_just_under_the_limit_is_accepted(zoom):
    body = joined("Ann")
    body["pad"] = ""
    body["pad"] = "a" * (MAX_BODY_BYTES - len(json.dumps(body)))
    raw = json.dumps(body).encode()
    assert len(raw) == MAX_BODY_BYTES

    reply = zoom.post(raw, host=HOSTS["alpha"], secret=SECRETS["alpha"], chunk_size=4096)

    assert reply.json() == {"status": "stored"}


# --- tenant isolation ---------------------------------------------------------------------------


def test_alphas_secret_does_not_sign_for_beta(zoom):
    reply = zoom.post(joined("Ann"), host=HOSTS["beta"], secret=SECRETS["alpha"])

    assert reply.status == 401
    assert inbox("beta") == [] and inbox("alpha") == []
    assert [e["details"] for e in audit_entries("beta")] == [{"reason": "bad_signature"}]
    assert audit_entries("alpha") == []


def test_an_event_for_beta_lands_in_betas_inbox_only(zoom):
    reply = zoom.post(joined("Ann"), host=HOSTS["beta"], secret=SECRETS["beta"])

    assert reply.json() == {"status": "stored"}
    assert len(inbox("beta")) == 1
    assert inbox("alpha") == []


def test_the_same_event_for_two_tenants_is_stored_by_each(zoom):
    body = joined("Ann")

    replies = [zoom.post(body, host=HOSTS[s], secret=SECRETS[s]) for s in ("alpha", "beta")]

    assert [r.json() for r in replies] == [{"status": "stored"}] * 2
    assert len(inbox("alpha")) == len(inbox("beta")) == 1


# --- routing and failure of the database --------------------------------------------------------


def test_everything_else_still_goes_to_django(zoom):
    assert zoom.request("GET", "/healthz", host="localhost").status == 200
    get = zoom.request("GET", "/webhooks/zoom/", host=HOSTS["alpha"])
    assert get.status != 200 and b"status" not in get.body  # Django's 404, not the intake
    assert zoom.request("GET", "/accounts/login/", host=HOSTS["alpha"]).status == 200


def test_database_unreachable_gives_503_so_that_zoom_retries(zoom, caplog):
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = ZoomWebhookIntake(
        conninfo=f"host=127.0.0.1 port={port} dbname=nothing connect_timeout=1", pool_timeout=0.5
    )
    app = WebhookRouter(application, handler)
    caplog.set_level(logging.ERROR, logger="attendance.inbox.intake")
    try:
        reply = zoom.post(joined("Ann"), host=HOSTS["alpha"], secret=SECRETS["alpha"], app=app)
    finally:
        zoom.run(handler.close())

    assert reply.status == 503
    assert any("database unavailable" in r.getMessage() for r in caplog.records)


# --- the sweep ----------------------------------------------------------------------------------


def test_sweep_resends_stuck_events_of_the_current_tenant_only(worlds, alpha):
    broker = dramatiq.get_broker()
    broker.flush_all()
    long_ago = timezone.now() - timedelta(hours=2)
    with schema_context("alpha"):

        def event(key, status, received_at, attempts=0, meeting=""):
            return WebhookEvent.objects.create(
                event="meeting.participant_joined",
                dedupe_key=key.ljust(64, "0"),
                zoom_meeting_id=meeting,
                body={"event": "meeting.participant_joined"},
                status=status,
                received_at=received_at,
                attempts=attempts,
            )

        stuck = event("stuck", "pending", timezone.now() - timedelta(minutes=2))
        # One message per meeting: its worker takes all of the meeting's pending events.
        first_of_meeting = event("m1", "pending", long_ago, meeting="555")
        event("m2", "pending", long_ago + timedelta(seconds=1), meeting="555")
        event("fresh", "pending", timezone.now())
        retry_overdue = event("failed-overdue", "failed", long_ago, attempts=2)
        event("failed-out", "failed", long_ago, attempts=6)  # the actor's retries are spent
        event("failed-recent", "failed", timezone.now() - timedelta(seconds=30), attempts=1)
        # five failures: dramatiq may still be waiting up to 10+20+40+80+160 s to retry
        event("failed-backing-off", "failed", timezone.now() - timedelta(minutes=5), attempts=5)
        event("done", "processed", long_ago, attempts=1)
    with schema_context("beta"):  # another school's stuck event: its own sweep's business
        WebhookEvent.objects.create(
            event="meeting.participant_joined",
            dedupe_key="beta-stuck".ljust(64, "0"),
            body={"event": "meeting.participant_joined"},
            received_at=timezone.now() - timedelta(minutes=2),
        )
    with schema_context("alpha"):
        sent = webhook_inbox_sweep(older_than_seconds=60)

    messages = queued_messages()
    broker.flush_all()
    assert sent == 3
    assert sorted(m.args[0] for m in messages) == sorted(
        [stuck.pk, first_of_meeting.pk, retry_overdue.pk]
    )
    assert {m.options["tenant_schema"] for m in messages} == {"alpha"}
    assert {m.actor_name for m in messages} == {"webhook_process"}


def test_sweep_runs_per_tenant_from_the_scheduler(worlds):
    broker = dramatiq.get_broker()
    broker.flush_all()

    count = send_to_each_tenant(webhook_inbox_sweep_actor)

    messages = queued_messages(webhook_inbox_sweep_actor.queue_name)
    broker.flush_all()
    assert count == 2
    assert sorted(m.options["tenant_schema"] for m in messages) == ["alpha", "beta"]


# --- through a real daphne ----------------------------------------------------------------------


def _http(port: int, method: str, path: str, host: str, body: bytes = b"", headers=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body if method == "POST" else None,
        method=method,
        headers={"Host": host, **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local URL
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def daphne(worlds):
    process, port = daphne_start()
    yield port
    daphne_stop(process)


def test_webhooks_over_a_real_daphne(zoom, daphne):
    raw = json.dumps(joined("Ann")).encode()

    first = _http(
        daphne,
        "POST",
        "/webhooks/zoom/",
        HOSTS["alpha"],
        raw,
        signed_headers(raw, SECRETS["alpha"]),
    )
    again = _http(
        daphne,
        "POST",
        "/webhooks/zoom/",
        HOSTS["alpha"],
        raw,
        signed_headers(raw, SECRETS["alpha"]),
    )
    forged = _http(daphne, "POST", "/webhooks/zoom/", HOSTS["alpha"], raw, signed_headers(raw, "x"))
    stranger = _http(
        daphne, "POST", "/webhooks/zoom/", "nowhere.localhost", raw, signed_headers(raw, "x")
    )

    assert (first[0], json.loads(first[1])) == (200, {"status": "stored"})
    assert (again[0], json.loads(again[1])) == (200, {"status": "duplicate"})
    assert (forged[0], stranger[0]) == (401, 404)
    [row] = inbox("alpha")
    [message] = wait_for_messages(1)
    assert message.args[0] == row["id"] and message.options["tenant_schema"] == "alpha"
    assert _http(daphne, "GET", "/healthz", "localhost")[0] == 200
