"""The one authentication backend: Django's, behind the sign-in throttle."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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

# Users read ahead by `users_read`, by primary key (None: no such user).
_USERS_READ: ContextVar[dict[Any, User | None] | None] = ContextVar("users_read", default=None)


@contextmanager
def users_read(ids: Iterable[Any]) -> Iterator[None]:
    """Within it, `get_user` of any of `ids` answers from one query made here (in the current
    schema) instead of a query each: for many sessions checked at once (tenants.websocket reads
    a reconnect storm's handshakes together). Every other rule of `get_user` is unchanged."""
    wanted = set(ids)
    found = User._default_manager.in_bulk(wanted) if wanted else {}
    token = _USERS_READ.set({pk: found.get(pk) for pk in wanted})
    try:
        yield
    finally:
        _USERS_READ.reset(token)


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

    def get_user(self, user_id: Any) -> User | None:
        """ModelBackend's (the user by primary key, if it may authenticate), from `users_read`
        when the user was read ahead: each caller gets an instance of its own."""
        read = _USERS_READ.get()
        if read is None or user_id not in read:
            return super().get_user(user_id)
        user = read[user_id]
        if user is None or not self.user_can_authenticate(user):
            return None
        return copy.copy(user)


def request_lockout(request: Any) -> Lockout | None:
    """The lockout that made the last `authenticate()` on this request fail, if any."""
    lockout = getattr(request, LOCKOUT_ATTR, None)
    return lockout if isinstance(lockout, Lockout) else None
