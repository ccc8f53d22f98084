"""Hypothesis strategies for Zoom webhook bodies as an attacker or a broken sender could send
them: Zoom's real shapes (tests/fixtures/zoom/webhooks) with fields removed and values swapped
for other JSON types, huge strings, any unicode and deep nesting; and arbitrary JSON."""

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "zoom" / "webhooks"


def samples() -> list[dict]:
    """Zoom's sample bodies (not the url_validation answers, which are not bodies)."""
    return [
        json.loads(path.read_text(encoding="utf-8-sig"))
        for path in sorted(SAMPLES.glob("*.json"))
        if not path.name.endswith(".expected_response.json")
    ]


def _text(storable: bool) -> st.SearchStrategy[str]:
    # What PostgreSQL's jsonb stores: no NUL and no lone surrogates (the intake answers 400
    # for those, so the worker never sees them).
    if not storable:
        return st.text(max_size=30)
    return st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30)


def json_values(*, storable: bool = True) -> st.SearchStrategy[Any]:
    text = _text(storable)
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=-(10**40), max_value=10**40),
        st.sampled_from([2**31, 2**53 + 1, 2**62, 2**63 - 1, -(2**63), 10**15]),  # edges
        st.floats(allow_nan=False, allow_infinity=False),
        text,
        st.integers(min_value=1_000, max_value=60_000).map(lambda n: "é" * n),  # huge
        st.sampled_from(["", "0", "-1", "null", "2021-07-13T21:44:51Z", "9999-99-99", "x" * 300]),
    )
    nested = st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
        max_leaves=12,
    )
    deep = st.integers(min_value=20, max_value=400).map(lambda depth: _nest(depth))
    return st.one_of(nested, deep)


def _nest(depth: int) -> Any:
    value: Any = "deep"
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


@st.composite
def mutated(draw, bases: list[dict], *, storable: bool = True, most: int = 4) -> Any:
    """One of `bases`, with up to `most` of its fields removed or swapped for other JSON."""
    body = copy.deepcopy(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(min_value=1, max_value=most))):
        paths = _paths(body)
        # Half the time a field of the Zoom object (what the handlers read), where a few
        # fields would otherwise be lost among the whole body's.
        inside = [p for p in paths if p[:2] == ("payload", "object") and len(p) > 2]
        path = draw(st.sampled_from(inside if inside and draw(st.booleans()) else paths))
        if not path:
            continue  # the body itself stays an object: arbitrary JSON is its own strategy
        *parents, last = path
        holder = body
        for step in parents:
            holder = holder[step]
        if isinstance(holder, dict) and draw(st.booleans()):
            del holder[last]
        else:
            holder[last] = draw(json_values(storable=storable))
    return body


def bodies(bases: list[dict], *, storable: bool = True) -> st.SearchStrategy[Any]:
    """Mostly mutated real shapes, sometimes arbitrary JSON."""
    return st.one_of(
        mutated(bases, storable=storable),
        mutated(bases, storable=storable),
        mutated(bases, storable=storable),
        json_values(storable=storable),
    )
