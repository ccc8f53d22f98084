"""What a query asked for below the field being resolved, so that list resolvers fetch only
that (the types are plain, built eagerly: the optimizer cannot see through them)."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection


def _fields(selections: Iterable[Selection]) -> Iterable[SelectedField]:
    """Fields of a selection set, fragments (named or inline) flattened. Directives such as
    @skip are not evaluated: a field under one counts as asked for (fetching more is safe)."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        else:
            yield from _fields(selection.selections)


def selected(info: Info, *path: str) -> frozenset[str]:
    """The field names selected at `path` below the current field: `selected(info, "items")`
    in `meetings` gives the fields asked of each meeting."""
    selections: list[Selection] = [s for field in info.selected_fields for s in field.selections]
    for name in path:
        selections = [s for f in _fields(selections) if f.name == name for s in f.selections]
    return frozenset(f.name for f in _fields(selections))
