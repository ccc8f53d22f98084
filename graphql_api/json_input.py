"""The JSON of a GraphQL request (body, or `variables` / `extensions` of a GET), refused with a
400 when it is not something the rest of the stack can take: bytes that are not UTF-8, nesting
deeper than any real request needs (json's C parser and graphql-core's coercion both recurse:
a few thousand brackets end in RecursionError, a 500), or a string with a lone surrogate
(`"\\ud800"` is valid JSON but no database or encoder can store it)."""

import json

from cross_web import HTTPException

# The deepest real input is a mutation's input object holding a list of ids: 4 levels with the
# request envelope. 32 leaves room for any client and stays far below Python's recursion limit.
MAX_JSON_DEPTH = 32


def _refuse(reason: str) -> HTTPException:
    return HTTPException(400, reason)


def _checked(value: object) -> object:
    """`value` itself if every string in it is encodable and it nests at most MAX_JSON_DEPTH
    levels; walked with a stack, not recursion."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            strings = [item]
        elif isinstance(item, dict):
            strings = list(item.keys())
            children = item.values()
        elif isinstance(item, list):
            strings = []
            children = item
        else:
            continue
        for text in strings:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise _refuse("Text must be valid Unicode (a lone surrogate was sent).") from None
        if isinstance(item, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise _refuse(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
            stack.extend((child, depth + 1) for child in children)
    return value


def json_input_decode(data: str | bytes) -> object:
    """Parse a request's JSON, or raise a 400 saying what is wrong with it."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise _refuse("The request body is not UTF-8.") from None
    try:
        value = json.loads(data)
    except RecursionError:
        raise _refuse(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.") from None
    return _checked(value)
