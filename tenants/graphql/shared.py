"""The mark of a subscription value yielded to many subscribers at once, and the data of the
result executed once for all of them (graphql_api.shared executes it; the websocket consumer
serialises it once)."""

from __future__ import annotations

import json
from typing import Any, TypeVar

T = TypeVar("T")

# The attribute a shared value carries: its completed results, by operation.
_RESULTS = "_graphql_shared_results"


def shared(value: T) -> T:
    """`value`, marked as yielded to many subscriptions: each completed operation is kept on it
    for the next subscriber with the same. Only for a value whose result is the same for every
    viewer (plain fields, no resolver reading `info.context`)."""
    setattr(value, _RESULTS, {})
    return value


def shared_results(value: object) -> dict[Any, Any] | None:
    """The completed results kept on a `shared` value (by operation), else None."""
    results: dict[Any, Any] | None = getattr(value, _RESULTS, None)
    return results


class SharedData(dict[str, Any]):
    """The `data` of a shared result: the same object for every subscriber, with its `next`
    payload serialised once."""

    _payload_json: str | None = None

    def payload_json(self) -> str:
        """`{"data": …}` as the websocket consumer writes it (compact separators)."""
        if self._payload_json is None:
            self._payload_json = json.dumps({"data": self}, separators=(",", ":"))
        return self._payload_json


__all__ = ["SharedData", "shared", "shared_results"]
