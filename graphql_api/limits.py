"""Limits on what one GraphQL request may send and make the server build, beyond the depth,
alias and token limits strawberry ships (issue 10: one student's aliased `meetings` query
answered 366 MB and took the web process from 233 to 890 MB).

- `InputTextLimiter`: no input string longer than MAX_INPUT_CHARS, in variables or literals;
  no NUL character in a query's or subscription's strings (PostgreSQL refuses NUL outright).
  A mutation's strings are checked field by field by its service instead, which answers with
  typed errors (`errors { field message code }`) a client can show next to the field.
- `ResponseLimiter`: a root field may be asked at most MAX_SAME_ROOT_FIELD times (aliases), and
  the lists of one response hold at most MAX_RESPONSE_ITEMS items in all — with every text
  field bounded by its model, that bounds the response."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    visit,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

# Above every text field's own limit (the longest is a description of 2,000), so a field a
# little too long gets its typed error; this only stops the absurd.
MAX_INPUT_CHARS = 20_000
# Root fields that take a whole file in one argument, and their own bound (the import checks
# the file's size again and answers with a typed error). Only when every root field of the
# operation is one of these does the bound apply. (tenants.people_import.selectors.MAX_BYTES.)
LONG_INPUT_FIELDS = {"importPeople": 2_000_000}
# The app's home page asks `meetings` twice (upcoming, live).
MAX_SAME_ROOT_FIELD = 3
MAX_RESPONSE_ITEMS = 10_000


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        self.found.append(node.value)


# The string literals of each parsed document, kept while the document lives. A document is
# shared by every request and subscription sending the same text (the schema's ParserCache), and
# a reconnect storm executes the same subscription thousands of times: walking it for literals
# each time had been a twentieth of a web process's event loop.
_literals_of: dict[int, list[str]] = {}


def _string_literals(document: DocumentNode) -> list[str]:
    found = _literals_of.get(id(document))
    if found is None:
        literals = _Literals()
        visit(document, literals)
        found = _literals_of[id(document)] = literals.found
        # Forgotten when the document goes, before its id can be another's.
        weakref.finalize(document, _literals_of.pop, id(document), None)
    return found


def input_problem(
    strings: list[tuple[str, str]], *, nul_allowed: bool, max_chars: int = MAX_INPUT_CHARS
) -> str | None:
    """What is wrong with the input strings (where, what), or None."""
    for where, value in strings:
        if len(value) > max_chars:
            return f"{where} is too long: at most {max_chars} characters."
        if not nul_allowed and "\x00" in value:
            return f"{where} contains a NUL character (\\0)."
    return None


def _root_fields(document: DocumentNode | None, operation_name: str | None) -> list[str]:
    """The root field names the operation asks (fragments at the root: unknown, so none)."""
    operations = [
        d
        for d in (document.definitions if document is not None else ())
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name is not None and d.name.value == operation_name))
    ]
    if len(operations) != 1:
        return []
    names: list[str] = []
    for selection in operations[0].selection_set.selections:
        if not isinstance(selection, FieldNode):
            return []
        names.append(selection.name.value)
    return names


class InputTextLimiter(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        strings = list(_strings(context.variables or {}, "$"))
        if context.graphql_document is not None:
            literals = _string_literals(context.graphql_document)
            strings += [("a string in the query", value) for value in literals]
        operation = context.operation_type
        is_mutation = getattr(operation, "value", operation) == OperationType.MUTATION.value
        max_chars = MAX_INPUT_CHARS
        roots = _root_fields(context.graphql_document, context.operation_name)
        if roots and all(name in LONG_INPUT_FIELDS for name in roots):
            max_chars = max(MAX_INPUT_CHARS, min(LONG_INPUT_FIELDS[name] for name in roots))
        problem = input_problem(strings, nul_allowed=is_mutation, max_chars=max_chars)
        if problem is not None:
            context.result = GraphQLExecutionResult(data=None, errors=[GraphQLError(problem)])
        yield


class ResponseLimiter(SchemaExtension):
    """Checks the operation's root fields before execution and counts the answer's list items
    once after it. Not a per-field `resolve` hook: strawberry wraps every field's resolution
    in a middleware when any extension has one, which cost ≈ 8 % of the dashboard query's
    2,500 fields (docs/benchmarks.md, "GraphQL")."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        operation = context.operation_type
        is_subscription = getattr(operation, "value", operation) == OperationType.SUBSCRIPTION.value
        if not is_subscription and context.result is None:
            problem = _repeated_root_field(context.graphql_document, context.operation_name)
            if problem is not None:
                context.result = GraphQLExecutionResult(data=None, errors=[GraphQLError(problem)])
        yield
        result = context.result
        # A subscription's results are checked one by one as they are made (this hook runs once
        # around its whole life): graphql_api.shared.SharedResultsExecutor.
        if not is_subscription and isinstance(result, GraphQLExecutionResult):
            refuse_oversized(result)


def refuse_oversized(result: GraphQLExecutionResult) -> None:
    """Replace, in place, an answer whose lists hold more than MAX_RESPONSE_ITEMS items by an
    error (in place: strawberry's async execution returns this very object)."""
    if _items(result.data) > MAX_RESPONSE_ITEMS:
        result.data = None
        result.errors = [
            GraphQLError(
                f"The answer would hold more than {MAX_RESPONSE_ITEMS} items; "
                "ask for fewer fields or smaller pages."
            )
        ]


def _repeated_root_field(document: DocumentNode | None, operation_name: str | None) -> str | None:
    """A root field asked more than MAX_SAME_ROOT_FIELD times (under as many aliases: fields of
    one response key are resolved once), through fragments too; else None."""
    if document is None:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name is not None and d.name.value == operation_name))
    ]
    keys: dict[str, set[str]] = {}
    seen: set[str] = set()
    stack = [s for o in operations[:1] for s in o.selection_set.selections]
    while stack:
        selection = stack.pop()
        if isinstance(selection, FieldNode):
            key = (selection.alias or selection.name).value
            keys.setdefault(selection.name.value, set()).add(key)
        elif isinstance(selection, InlineFragmentNode):
            stack += selection.selection_set.selections
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                stack += fragment.selection_set.selections
    for name, asked in keys.items():
        if len(asked) > MAX_SAME_ROOT_FIELD:
            return (
                f"{name} is asked more than {MAX_SAME_ROOT_FIELD} times; "
                "ask once with a bigger page."
            )
    return None


def _items(data: Any) -> int:
    """The list items anywhere in an answer (only containers are walked: a dashboard's answer
    holds 2,500 values)."""
    count, stack = 0, [data] if isinstance(data, (dict, list)) else []
    while stack:
        value = stack.pop()
        values = value.values() if isinstance(value, dict) else value
        if isinstance(value, list):
            count += len(value)
        stack += [v for v in values if isinstance(v, (dict, list))]
    return count
