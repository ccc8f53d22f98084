"""The outbound guard (tenants/outbound.py) against real sockets: a server on 127.0.0.1 stands
for "something inside"; other private addresses are refused before any packet is sent (the
resolver is mocked where a name is needed). No requests-mock here: it would bypass the guard."""

import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tenants import outbound
from tenants.outbound import AddressPolicy, OutboundRefused, address_is_public, outbound_session

LOOPBACK_ONLY = AddressPolicy.parse(["127.0.0.1/32"])


@pytest.fixture(autouse=True)
def loopback_only_sockets(monkeypatch):
    """A safety net: should the guard break, these tests fail without sending a packet beyond
    this machine (the inside addresses below are real ones of some network)."""
    real = socket.socket.connect

    def connect(sock, address):
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise AssertionError(f"a connection to {address[0]} was attempted")
        return real(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def inside():
    """A server on loopback that records every request; `redirect_to` makes it answer 302."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            server.hits.append(self.path)
            if server.redirect_to:
                self.send_response(302)
                self.send_header("Location", server.redirect_to)
                self.end_headers()
                return
            body = b"internal secret"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.hits = []
    server.redirect_to = ""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def resolver(monkeypatch):
    """Names the test maps to addresses; every other name resolves as usual."""
    names: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def fake(host, port, family=0, type=0, proto=0, flags=0):
        if host in names:
            return [
                (
                    socket.AF_INET6 if ":" in ip else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (ip, port, 0, 0) if ":" in ip else (ip, port),
                )
                for ip in names[host]
            ]
        return real(host, port, family, type, proto, flags)

    monkeypatch.setattr(outbound.socket, "getaddrinfo", fake)
    return names


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.1.2.3",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:169.254.169.254",
        "::127.0.0.1",  # IPv4-compatible
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:a00:1::",  # 6to4 of 10.0.0.1
    ],
)
def test_internal_and_special_addresses_are_not_public(address):
    assert not address_is_public(ipaddress.ip_address(address))
    assert not AddressPolicy().allows(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "170.114.52.2", "2606:4700:4700::1111"])
def test_public_addresses_are_public(address):
    assert address_is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "[::1]",
        "2130706433",  # 127.0.0.1 as one decimal number
        "0177.0.0.1",  # octal
        "0x7f.0.0.1",  # hex
        "127.1",
    ],
)
def test_loopback_in_any_spelling_is_refused_and_nothing_is_sent(inside, host):
    port = inside.server_address[1]
    with pytest.raises(OutboundRefused):
        outbound_session(AddressPolicy()).get(f"http://{host}:{port}/secret", timeout=5)
    assert inside.hits == []


def test_the_cloud_metadata_address_is_refused_before_connecting():
    with pytest.raises(OutboundRefused, match="169.254.169.254"):
        outbound_session(AddressPolicy()).get("http://169.254.169.254/latest/meta-data/")


def test_a_public_name_that_resolves_inside_is_refused(resolver, inside):
    # given: an innocent-looking name whose DNS answer is loopback (or one bad answer of two)
    resolver["zoom.attacker.example"] = ["127.0.0.1"]
    resolver["mixed.attacker.example"] = ["203.0.113.9", "10.1.2.3"]
    port = inside.server_address[1]

    for name in ("zoom.attacker.example", "mixed.attacker.example"):
        with pytest.raises(OutboundRefused):
            outbound_session(AddressPolicy()).get(f"http://{name}:{port}/", timeout=5)
    assert inside.hits == []


@pytest.mark.parametrize(
    "target", ["http://169.254.169.254/latest/meta-data/", "http://internal.example/admin"]
)
def test_a_redirect_to_an_inside_address_is_refused(resolver, inside, target):
    # given: an allowed server (the loopback stand-in) that redirects inside
    resolver["internal.example"] = ["192.168.10.20"]
    inside.redirect_to = target
    port = inside.server_address[1]

    with pytest.raises(OutboundRefused):
        outbound_session(LOOPBACK_ONLY).get(f"http://127.0.0.1:{port}/file", timeout=5)
    assert inside.hits == ["/file"]


def test_an_allowed_network_is_reachable(inside):
    # the Zoom sandbox in development: 127.0.0.1 listed explicitly
    port = inside.server_address[1]
    response = outbound_session(LOOPBACK_ONLY).get(f"http://127.0.0.1:{port}/ok", timeout=5)
    assert response.text == "internal secret"
    # ... and only that network
    with pytest.raises(OutboundRefused):
        outbound_session(LOOPBACK_ONLY).get(f"http://[::ffff:10.0.0.1]:{port}/", timeout=5)


def test_proxies_from_the_environment_are_not_used(monkeypatch, inside):
    # A proxy would resolve the destination itself, past the guard.
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{inside.server_address[1]}")
    with pytest.raises(OutboundRefused):
        outbound_session(LOOPBACK_ONLY).get("http://169.254.169.254/", timeout=5)
    assert inside.hits == []


def test_the_default_policy_comes_from_the_settings(settings):
    settings.LIVEROLL_OUTBOUND_ALLOWED_NETWORKS = []
    assert not outbound.outbound_policy().allows(ipaddress.ip_address("127.0.0.1"))
    settings.LIVEROLL_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert outbound.outbound_policy().allows(ipaddress.ip_address("127.0.0.1"))


def test_a_refusal_is_no_connection_error_a_retry_loop_would_swallow():
    assert not issubclass(OutboundRefused, (requests.RequestException, OSError))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LIVEROLL_OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8"),
        ("LIVEROLL_ZOOM_ALLOWED_BASES", "http://127.0.0.1:8765"),
    ],
)
def test_production_refuses_development_allowances(monkeypatch, name, value):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("LIVEROLL_ENCRYPTION_KEYS", "k:" + "A" * 43 + "=")
    importlib.reload(importlib.import_module("config.settings.base"))
    production = importlib.reload(importlib.import_module("config.settings.production"))
    assert production.LIVEROLL_OUTBOUND_ALLOWED_NETWORKS == []
    assert production.LIVEROLL_ZOOM_ALLOWED_BASES == []

    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        importlib.reload(importlib.import_module("config.settings.production"))
