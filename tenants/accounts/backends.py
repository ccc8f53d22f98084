"""The one authentication backend: Django's, behind the sign-in throttle."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from tenants.accounts.models import User
from tenants.accounts.signin import Lockout, signin_failed, signin_lockout, signin_succeeded
from tenants.audit.services import request_ip
from tenants.connection import tenant_connection
from tenants.services import organisation_first_signin_record

# `authenticate()` only answers a user or None; the forms and the GraphQL `login` read this
# attribute of the request to tell "locked" from "wrong password".
LOCKOUT_ATTR = "signin_lockout"


class ThrottledModelBackend(ModelBackend):
    """Refuses while the account or the client's address is locked (even the right password),
    counts failures, forgives the account's on success."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = request_ip(request) if request is not None else None
        lockout = signin_lockout(email=username, ip=ip)
        if lockout is None:
            user = super().authenticate(request, username=username, password=password, **kwargs)
            if user is not None:
                signin_succeeded(email=username)
                # Here, not in a view: every sign-in path (page, GraphQL, the school's admin)
                # comes through, and operators judge abandoned sign-ups by it.
                organisation_first_signin_record(
                    organisation=getattr(tenant_connection(), "tenant", None)
                )
                return user
            lockout = signin_failed(email=username, ip=ip)
        if lockout is not None and request is not None:
            setattr(request, LOCKOUT_ATTR, lockout)
        return None


def request_lockout(request: Any) -> Lockout | None:
    """The lockout that made the last `authenticate()` on this request fail, if any."""
    lockout = getattr(request, LOCKOUT_ATTR, None)
    return lockout if isinstance(lockout, Lockout) else None
