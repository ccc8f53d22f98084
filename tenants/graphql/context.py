"""Who is asking, for every resolver of every app: over HTTP the request's user (session cookie
or bearer token), over a websocket the user the tenant-aware middleware resolved into the
scope. The GraphQL base every app's `graphql/` package builds on."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from strawberry.types import Info

from tenants.accounts.models import Role, User
from tenants.audit.services import request_ip

MAX_PAGE = 100


class NotAllowed(Exception):
    """Raised by resolvers: shown to the client as is (its message says nothing internal)."""


def viewer(info: Info) -> User | AnonymousUser:
    context = info.context
    request = context.get("request") if isinstance(context, dict) else context.request
    if isinstance(context, dict) and "ws" in context:
        user = context["ws"].scope.get("user")
    else:
        user = getattr(request, "user", None)
    return user if user is not None else AnonymousUser()


def require_user(info: Info) -> User:
    user = viewer(info)
    if not (user.is_authenticated and user.is_active) or user.role not in Role.values:
        raise NotAllowed("Sign in first.")
    return user


def require_admin(info: Info) -> User:
    user = require_user(info)
    if user.role != Role.ADMIN:
        raise NotAllowed("Only school admins can do that.")
    return user


# Any: Django's request over HTTP (with django-tenants' `tenant`), strawberry's channels consumer
# over a websocket; the resolvers calling this know which they run over.
def http_request(info: Info) -> Any:
    context = info.context
    return context.get("request") if isinstance(context, dict) else context.request


def client_ip(info: Info) -> str | None:
    request = http_request(info)
    return request_ip(request) if hasattr(request, "META") else None


def page_limit(value: int) -> int:
    """Lists are paged, at most MAX_PAGE rows a page."""
    if not 1 <= value <= MAX_PAGE:
        raise NotAllowed(f"limit must be from 1 to {MAX_PAGE}.")
    return value


def accept_language(info: Info) -> str:
    """The browser's Accept-Language header over HTTP ("" over a websocket)."""
    request = http_request(info)
    headers = getattr(request, "headers", None)
    return str(headers.get("Accept-Language", "")) if headers is not None else ""
