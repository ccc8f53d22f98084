"""Limits on text people type, checked before it reaches the database: PostgreSQL refuses a NUL
character in text outright (an unexpected error instead of a message), and a `varchar` refuses
an over-long value the same way, while a column without a limit takes megabytes. The limit of a
field is its model field's `max_length`, so the model and every API agree on one number."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

NUL = "\x00"
TOO_LONG = "too_long"
NUL_CHARACTER = "nul_character"


def max_length_of(model: type[models.Model], field: str) -> int:
    """The `max_length` of a model's text field (every field people write has one)."""
    limit = model._meta.get_field(field).max_length  # type: ignore[union-attr]
    if limit is None:
        raise LookupError(f"{model.__name__}.{field} has no max_length")
    return int(limit)


def text_problem(value: str, *, max_length: int) -> ValidationError | None:
    """Why `value` cannot be stored in a field of `max_length` characters, or None."""
    if NUL in value:
        return ValidationError("Remove the NUL character (\\0) from the text.", code=NUL_CHARACTER)
    if len(value) > max_length:
        return ValidationError(
            f"At most {max_length} characters ({len(value)} given).", code=TOO_LONG
        )
    return None


def text_validate(model: type[models.Model], **values: str | None) -> None:
    """Refuse, field by field, the values (None: not given) that `model`'s fields cannot hold."""
    errors: dict[str, ValidationError] = {}
    for field, value in values.items():
        if value is None:
            continue
        problem = text_problem(value, max_length=max_length_of(model, field))
        if problem is not None:
            errors[field] = problem
    if errors:
        raise ValidationError(errors)


def text_clean(value: str, length: int) -> str:
    """`value` as a column takes it whatever it holds (text from outside, e.g. Zoom's): NUL
    characters dropped, cut at `length`."""
    return value.replace(NUL, "")[:length]
