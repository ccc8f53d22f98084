"""Subscription results executed once for everyone who asked the same.

graphql-core executes a subscription's selection set for each value the subscription yields,
for each subscriber: 500 watchers of a room were 500 executions and 500 `json.dumps` of the
same answer per change. A value yielded by many subscriptions at once (the room's round,
realtime.hub.Round) is marked with `shared(value)` (tenants.graphql.shared);
`SharedResultsExecutor` then completes the selection set on it once per operation (the printed
operation and fragments, and the coerced variables) and hands every subscriber with that
operation the same result, whose data is a `SharedData`: the websocket consumer serialises it
once (graphql_api.consumers).

Only for values whose whole result is the same for every viewer: plain fields, no resolver
that reads `info.context`. Who may receive the value is decided before it is yielded (the
room's access gate).

Every result of every subscription passes the response limit (graphql_api.limits) here, one
by one, as it is made: ResponseLimiter's hook runs once around a subscription's whole life. A
shared result is checked once, and the answer is the same for every subscriber."""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Any

from graphql import ExecutionResult, GraphQLError, Node, OperationType, print_ast
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graphql_api.limits import refuse_oversized
from tenants.graphql.shared import SharedData, shared_results

# Printed operations and fragments by node: the parser cache (graphql_api.schema) hands every
# subscriber of the same text the same nodes, and printing one was ≈ 4 % of a web process's CPU
# in a reconnect storm. The node is kept with its text, so its id cannot be reused meanwhile.
_PRINTED: dict[int, tuple[Node, str]] = {}
PRINTED_MAX = 512


def _printed(node: Node) -> str:
    hit = _PRINTED.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    text = print_ast(node)
    if len(_PRINTED) >= PRINTED_MAX:
        _PRINTED.clear()
    _PRINTED[id(node)] = (node, text)
    return text


def _operation_key(executor: SharedResultsExecutor) -> tuple[Any, ...]:
    fragments = tuple(sorted(_printed(f) for f in executor.fragments.values()))
    variables = json.dumps(executor.variable_values.coerced, sort_keys=True, default=str)
    return (id(executor.schema), _printed(executor.operation), fragments, variables)


class SharedResultsExecutor(StrawberryGraphQLCoreExecutionContext):
    operation_key: tuple[Any, ...] | None = None

    def build_per_event_executor(self, payload: Any) -> Any:
        results = shared_results(payload)
        if results is not None:
            if self.operation_key is None:
                # Once per subscription (each event's executor is a copy of this one).
                self.operation_key = _operation_key(self)
            done = results.get(self.operation_key)
            if done is not None:
                return _Done(done)  # made for another subscriber: no executor to copy
        return super().build_per_event_executor(payload)

    def execute_operation(self, serially: bool | None = None) -> Any:
        if self.operation.operation != OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        results = shared_results(self.root_value)
        if results is None or self.operation_key is None:
            return self._limited(super().execute_operation(serially))
        key = self.operation_key
        done = results.get(key)
        if done is not None:
            return _copy(done)
        result = self._limited(super().execute_operation(serially))
        if self.is_awaitable(result):
            return _keep_when_done(result, results, key)
        return _copy(_keep(result, results, key))

    def _limited(self, result: Any) -> Any:
        """One subscription result, refused if it is over the response limit (in place)."""
        if self.is_awaitable(result):

            async def limited() -> ExecutionResult:
                done = await result
                refuse_oversized(done)
                return done

            return limited()
        refuse_oversized(result)
        return result


class _Done:
    """A shared result already made, as graphql-core's per-event step asks for it
    (`execute_subscription_event` calls `execute_operation` on the per-event executor)."""

    __slots__ = ("result",)

    def __init__(self, result: ExecutionResult) -> None:
        self.result = result

    def execute_operation(self, serially: bool | None = None) -> ExecutionResult:
        return _copy(self.result)


def _keep(
    result: ExecutionResult, results: dict[tuple[Any, ...], ExecutionResult], key: tuple[Any, ...]
) -> ExecutionResult:
    if result.data is not None:
        result.data = SharedData(result.data)
    results[key] = result
    return result


async def _keep_when_done(
    result: Awaitable[ExecutionResult],
    results: dict[tuple[Any, ...], ExecutionResult],
    key: tuple[Any, ...],
) -> ExecutionResult:
    return _copy(_keep(await result, results, key))


def _copy(result: ExecutionResult) -> ExecutionResult:
    """The shared result for one subscriber: the same data, a list of errors of its own (error
    processing may replace them per subscriber)."""
    errors: list[GraphQLError] | None = list(result.errors) if result.errors else None
    return ExecutionResult(data=result.data, errors=errors, extensions=result.extensions)


__all__ = ["SharedResultsExecutor"]
