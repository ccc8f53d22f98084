"""Typed errors for mutations: a payload with `errors: [FieldError]` that a client can show; an
empty list means it worked.

`@typed_errors(Payload)` turns the failures we know into that list: ValidationError (per field),
PermissionDenied ("forbidden"), a policy's not-found ("not_found"), `Refused` (raised with
`fail` / `not_found` by a resolver), and the exception types an app registers with
`error_code` (the Zoom provider's, recurrence rules...). Anything else propagates and the schema
masks it ("Unexpected error.")."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import strawberry
from django.core.exceptions import PermissionDenied, ValidationError

from tenants.confirmation import EmailNotConfirmed
from tenants.school.services import RoleMismatch


@strawberry.type
class FieldError:
    """What went wrong, for people: `field` is the input field, or null for the whole."""

    field: str | None
    message: str
    code: str


@strawberry.type
class OkPayload:
    ok: bool = False
    errors: list[FieldError] = strawberry.field(default_factory=list)


def ok() -> OkPayload:
    return OkPayload(ok=True, errors=[])


class Refused(Exception):
    def __init__(self, errors: list[FieldError]):
        self.errors = errors


def fail(message: str, field: str | None = None, code: str = "invalid") -> Refused:
    return Refused([FieldError(field=field, message=message, code=code)])


def not_found(what: str) -> Refused:
    return fail(f"No such {what}.", code="not_found")


# Exception type → (code, message prefix): registered by the apps that own the exceptions.
_KNOWN: dict[type[Exception], tuple[str, str]] = {
    RoleMismatch: ("invalid", ""),
    EmailNotConfirmed: ("email_not_confirmed", ""),
}


def error_code(exc_type: type[Exception], code: str, *, prefix: str = "") -> None:
    """Show `exc_type` to clients as one error with `code`: `prefix` + its message (its
    `message` attribute if it has one, else str())."""
    _KNOWN[exc_type] = (code, prefix)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def errors_of(exc: Exception) -> list[FieldError]:
    """The errors a client sees for `exc`; re-raises what it does not know."""
    if isinstance(exc, Refused):
        return exc.errors
    if isinstance(exc, ValidationError):
        # An error's own code when it has one ("too_long", "nul_character", "forbidden"...).
        if hasattr(exc, "error_dict"):
            return [
                FieldError(field=_camel(name), message=message, code=error.code or "invalid")
                for name, errors in exc.error_dict.items()
                for error in errors
                for message in error.messages
            ]
        return [
            FieldError(field=None, message=message, code=error.code or "invalid")
            for error in exc.error_list
            for message in error.messages
        ]
    if isinstance(exc, PermissionDenied):
        return [FieldError(field=None, message=str(exc) or "Not allowed.", code="forbidden")]
    for exc_type, (code, prefix) in _KNOWN.items():
        if isinstance(exc, exc_type):
            text = getattr(exc, "message", None) or str(exc)
            return [FieldError(field=None, message=f"{prefix}{text}", code=code)]
    raise exc


P = ParamSpec("P")
Payload = TypeVar("Payload")


def typed_errors(
    payload: Callable[..., Payload],
) -> Callable[[Callable[P, Payload]], Callable[P, Payload]]:
    """Under `@strawberry.mutation`: known failures become `payload(errors=[...])` (the
    payload's other fields keep their defaults: null, or `ok: false`)."""

    def decorate(resolver: Callable[P, Payload]) -> Callable[P, Payload]:
        @functools.wraps(resolver)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> Payload:
            try:
                return resolver(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - errors_of re-raises what it does not know
                return payload(errors=errors_of(exc))

        return wrapper

    return decorate
