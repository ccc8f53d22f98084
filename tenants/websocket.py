"""Tenancy for websockets: the tenant from the Host header, the user from that tenant's sessions.

django-tenants has no ASGI middleware, and every `database_sync_to_async` call of every
consumer in a daphne process runs on ONE shared thread with ONE connection: setting the schema
on that connection in a middleware leaks one tenant's schema into another's queries. So the
middleware only records the tenant in `scope["tenant"]`; database work then runs through
`realtime.tenancy.in_tenant`, which activates the schema inside the sync function.
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast
from urllib.parse import urlsplit

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth import get_user as django_get_user
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.http.request import split_domain_port, validate_host
from django_tenants.utils import get_public_schema_name, schema_context
from strawberry.http.websocket_origin import is_same_origin

from tenants.models import Organisation
from tenants.selectors import organisation_by_host

CLOSE_UNKNOWN_HOST = 4404
CLOSE_SUSPENDED = 4403

# A websocket scope: a plain dict, to which this middleware adds "tenant".
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
# The application (or middleware) a middleware wraps. Its arguments are Any, as in channels'
# stubs for middleware: channels' classes type the scope and messages as asgiref's TypedDicts.
App = Callable[[Any, Any, Any], Awaitable[Any]]


def _host_of(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"host":
            domain, _port = split_domain_port(value.decode("latin1"))
            return domain.lower() or None
    return None


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin1"))
    return None


def origin_allowed(*, origin: str | None, host: str | None) -> bool:
    """The one origin rule of every websocket: a browser's page may open a school's websocket
    only from that school's own host. Channels' AllowedHostsOriginValidator accepts any allowed
    host, and `.localhost` allows every school: a page on beta.localhost could open alpha's
    websocket, and the browser would send alpha's cookies with it.

    Same origin is strawberry's `is_same_origin` (host and port, a port left out being the
    scheme's default; the scheme not compared, so TLS ending at the ingress still matches), the
    check its GraphQL consumer makes too, so the two cannot disagree. No Origin at all is
    allowed: browsers always send one on a websocket handshake, so such a client is a program
    (a script, a benchmark) that must bring its own session cookie. `null` (a sandboxed frame,
    a file) is refused."""
    if origin is None:
        return True
    return urlsplit(origin).scheme.lower() in ("http", "https") and is_same_origin(origin, host)


class SameOriginMiddleware:
    """Refuses (HTTP 403, before accepting) a websocket whose Origin is not the Host."""

    def __init__(self, inner: App) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        if scope["type"] == "websocket" and not origin_allowed(
            origin=_header(scope, b"origin"), host=_header(scope, b"host")
        ):
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": 1008})
            return None
        return await self.inner(scope, receive, send)


def _organisation_for_host(host: str) -> Organisation | None:
    with schema_context(get_public_schema_name()):
        return organisation_by_host(host=host)


class TenantFromHostMiddleware:
    """Puts the tenant of the Host header in `scope["tenant"]`; never touches the connection.
    Unknown host: the websocket is closed with 4404; suspended tenant: 4403."""

    def __init__(self, inner: App) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        host = _host_of(scope)
        tenant = None
        if host and validate_host(host, settings.ALLOWED_HOSTS):
            tenant = await database_sync_to_async(_organisation_for_host)(host)
        if tenant is None or tenant.is_suspended:
            code = CLOSE_UNKNOWN_HOST if tenant is None else CLOSE_SUSPENDED
            return await _refuse(scope, receive, send, code)
        return await self.inner(dict(scope, tenant=tenant), receive, send)


async def _refuse(scope: Scope, receive: Receive, send: Send, code: int) -> None:
    # Accept, then close: a close before accepting reaches a real client only as HTTP 403,
    # without the code that tells it why.
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": code})


def _user_in_schema(scope: Mapping[str, Any]) -> AbstractBaseUser | AnonymousUser:
    class _Request:  # what django.contrib.auth.get_user needs of a request
        session = scope["session"]

    with schema_context(scope["tenant"].schema_name):
        user = django_get_user(cast(HttpRequest, _Request))
        if user.is_authenticated:
            user.email  # noqa: B018 - load fields now, inside the schema
        return user


class TenantAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware looks the session and user up in whatever schema the shared
    connection has (public, usually): here both are read inside the tenant's schema."""

    async def resolve_scope(self, scope: Mapping[str, Any]) -> None:
        if "tenant" not in scope:
            scope["user"]._wrapped = AnonymousUser()
            return
        scope["user"]._wrapped = await database_sync_to_async(_user_in_schema)(scope)


def TenantWebsocketStack(inner: App) -> SameOriginMiddleware:  # noqa: N802 - reads like Channels' own *Stack helpers
    """Every websocket goes through it: the origin rule, the tenant, the tenant's user."""
    return SameOriginMiddleware(
        TenantFromHostMiddleware(CookieMiddleware(SessionMiddleware(TenantAuthMiddleware(inner))))
    )


__all__ = [
    "CLOSE_SUSPENDED",
    "CLOSE_UNKNOWN_HOST",
    "SameOriginMiddleware",
    "TenantAuthMiddleware",
    "TenantFromHostMiddleware",
    "TenantWebsocketStack",
]
