"""The platform's one way out to the internet: every outbound HTTP client (Zoom's API and OAuth
today, calendars and recordings next) uses `outbound_session()`.

A school chooses some of the URLs the server calls, so the server must not become a proxy into
its own network. The guard sits where the socket is opened: it resolves the host, refuses the
connection if ANY address is private, loopback, link-local, multicast, reserved or unspecified
(IPv4 and IPv6, IPv4 inside IPv6 included), then connects to an address it checked (no second
lookup, so no DNS rebinding in between). Every redirect hop opens its own connection, so each
hop is checked too. Decimal, octal and hex spellings of an address are resolved by the system
resolver to the plain form before the check.

Why not a library: `advocate` (the known one for requests) is unmaintained since 2020 and pins
urllib3 < 2; the others on PyPI are young, single-maintainer and mostly for httpx. This is one
urllib3 hook (`_new_conn`) that requests-mock bypasses like any transport.

Development reaches the local Zoom sandbox on 127.0.0.1 through an explicit allow-list of
networks (`LIVEROLL_OUTBOUND_ALLOWED_NETWORKS`), refused by the production settings.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family
from urllib3.util.timeout import _DEFAULT_TIMEOUT

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# 64:ff9b::/96 (NAT64) carries an IPv4 address in its last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class OutboundRefused(Exception):
    """The destination is not one the platform may call. Deliberately not a requests or socket
    error: no caller's "retry on connection error" may swallow it, and no retry loop repeats it."""


class UnsafeURL(ValueError):
    """A URL that cannot be used as the base of outbound calls; the message is for the user."""


# --- addresses ------------------------------------------------------------------------------


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address reaches, if it is a wrapper around one."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64 or int(ip) >> 32 == 0:  # NAT64, or the old IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_is_public(ip: IPAddress) -> bool:
    """True for an address on the public internet; False for anything internal or special."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None and not address_is_public(inner):
            return False
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
    )


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses, plus the `allowed` networks (development only: the local sandbox)."""

    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, networks: Iterable[str]) -> AddressPolicy:
        return cls(tuple(ipaddress.ip_network(n.strip(), strict=False) for n in networks if n))

    def allows(self, ip: IPAddress) -> bool:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return address_is_public(ip) or any(ip in network for network in self.allowed)


def outbound_policy() -> AddressPolicy:
    return AddressPolicy.parse(getattr(settings, "LIVEROLL_OUTBOUND_ALLOWED_NETWORKS", ()))


# --- URLs -----------------------------------------------------------------------------------


def base_url_parse(value: str) -> SplitResult:
    """`value` as the base of outbound calls: http(s), a host, an optional path; no user info,
    query, fragment or odd characters that could move the request elsewhere. Lower-cased scheme
    and host, default port and trailing slash dropped."""
    if not value or any(c.isspace() or ord(c) < 32 or c in "\\@?#%;" for c in value):
        raise UnsafeURL("Enter a plain URL: no spaces, user name, query (?) or fragment (#).")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL("Enter a valid URL.") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("Enter a full URL, starting with https://")
    if any(segment in (".", "..") for segment in parts.path.split("/")):
        raise UnsafeURL("Enter a URL without . or .. in its path.")
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc = f"{netloc}:{port}"
    return SplitResult(scheme, netloc, parts.path.rstrip("/"), "", "")


def base_url_normalise(value: str) -> str:
    return base_url_parse(value).geturl()


# --- the guarded transport ------------------------------------------------------------------


def _resolve_checked(host: str, port: int, policy: AddressPolicy) -> list[tuple[Any, ...]]:
    """Every address `host` resolves to, or OutboundRefused if any of them is not allowed."""
    infos = socket.getaddrinfo(host.strip("[]"), port, allowed_gai_family(), socket.SOCK_STREAM)
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if not policy.allows(ip):
            raise OutboundRefused(f"{host} resolves to {ip}, which is not a public address")
    return infos


class _GuardedConnectionMixin:
    policy: AddressPolicy = AddressPolicy()

    def _new_conn(self) -> socket.socket:
        conn: Any = self
        infos = _resolve_checked_wrapped(conn)
        error: OSError | None = None
        for family, socktype, proto, _, sockaddr in infos:
            sock = socket.socket(family, socktype, proto)
            try:
                for option in conn.socket_options or ():
                    sock.setsockopt(*option)
                if conn.timeout is not _DEFAULT_TIMEOUT:
                    sock.settimeout(conn.timeout)
                if conn.source_address:
                    sock.bind(conn.source_address)
                sock.connect(sockaddr)  # the address just checked: no second lookup
                return sock
            except TimeoutError as exc:
                sock.close()
                raise ConnectTimeoutError(
                    conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})"
                ) from exc
            except OSError as exc:
                sock.close()
                error = exc
        raise NewConnectionError(conn, f"Failed to establish a new connection: {error}")


def _resolve_checked_wrapped(conn: Any) -> list[tuple[Any, ...]]:
    try:
        return _resolve_checked(conn._dns_host, conn.port, conn.policy)
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc


class GuardedAdapter(HTTPAdapter):
    """requests' adapter whose connections go only where `policy` allows."""

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        bound = {"policy": policy}
        http_conn = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), bound)
        https_conn = type(
            "GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), bound
        )
        self._pool_classes = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type(
                "GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}
            ),
        }
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pool_classes

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # Through a proxy the guard would check the proxy, not the destination.
        raise OutboundRefused("outbound calls do not go through proxies")


def outbound_session(policy: AddressPolicy | None = None) -> requests.Session:
    """A requests session for calls to third parties, guarded by `policy` (default: the
    settings'). Proxies and credentials from the environment are ignored (trust_env)."""
    session = requests.Session()
    session.trust_env = False
    adapter = GuardedAdapter(policy or outbound_policy())
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
