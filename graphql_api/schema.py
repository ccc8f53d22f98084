"""The GraphQL schema root: each app's queries, mutations and subscriptions (its `graphql/`
package) merged into one schema, with the query limits. Queries and mutations
over HTTP (`/graphql/`, the tenant middleware applies), subscriptions over the tenant-aware
websocket stack (`graphql-transport-ws`)."""

from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

import strawberry
from django.conf import settings
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types

from attendance.graphql.mutations import AttendanceMutation
from attendance.graphql.queries import AttendanceQuery
from attendance.graphql.subscriptions import AttendanceSubscription
from attendance.recordings.graphql.events import RecordingEventsSubscription
from attendance.recordings.graphql.recordings import RecordingsMutation, RecordingsQuery
from attendance.recordings.graphql.settings import RecordingSettingsMutation, RecordingSettingsQuery
from attendance.recordings.graphql.summaries import SummariesMutation, SummariesQuery
from attendance.recordings.graphql.transcripts import TranscriptsQuery
from graphql_api.limits import InputTextLimiter, ResponseLimiter
from graphql_api.shared import SharedResultsExecutor
from meetings.calendar_sync.graphql.mutations import CalendarSyncMutation
from meetings.calendar_sync.graphql.queries import CalendarSyncQuery
from meetings.graphql.availability import AvailabilityQuery
from meetings.graphql.calendar import CalendarMutation, CalendarQuery
from meetings.graphql.classes import ClassesMutation, ClassesQuery
from meetings.graphql.mutations import MeetingsMutation
from meetings.graphql.queries import MeetingsQuery
from meetings.graphql.setup import SchoolSetupQuery
from meetings.guests.graphql.mutations import GuestsMutation
from meetings.invitations.graphql.mutations import InvitationsMutation
from meetings.invitations.graphql.queries import InvitationsQuery
from meetings.joining.graphql.mutations import JoiningMutation
from meetings.joining.graphql.queries import JoiningQuery
from meetings.policy import NotFound
from meetings.reminders.graphql.mutations import RemindersMutation
from meetings.reminders.graphql.queries import RemindersQuery
from tenants.graphql.context import NotAllowed
from tenants.graphql.invitations import PeopleInvitationsMutation, PeopleInvitationsQuery
from tenants.graphql.mutations import TenantsMutation
from tenants.graphql.people import PeopleDirectoryQuery
from tenants.graphql.queries import TenantsQuery
from tenants.graphql.subscriptions import TenantsSubscription
from tenants.graphql.two_factor import TwoFactorMutation, TwoFactorQuery
from tenants.mail.graphql.mutations import MailMutation
from tenants.mail.graphql.queries import MailQuery
from tenants.people_import.graphql.mutations import PeopleImportMutation
from tenants.people_import.graphql.queries import PeopleImportQuery

Query = merge_types(
    "Query",
    (
        TenantsQuery,
        PeopleInvitationsQuery,
        TwoFactorQuery,
        MailQuery,
        PeopleImportQuery,
        MeetingsQuery,
        AvailabilityQuery,
        SchoolSetupQuery,
        CalendarQuery,
        CalendarSyncQuery,
        ClassesQuery,
        PeopleDirectoryQuery,
        JoiningQuery,
        InvitationsQuery,
        RemindersQuery,
        AttendanceQuery,
        RecordingsQuery,
        SummariesQuery,
        RecordingSettingsQuery,
        TranscriptsQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        TenantsMutation,
        PeopleInvitationsMutation,
        TwoFactorMutation,
        MailMutation,
        PeopleImportMutation,
        MeetingsMutation,
        CalendarMutation,
        CalendarSyncMutation,
        ClassesMutation,
        GuestsMutation,
        JoiningMutation,
        InvitationsMutation,
        RemindersMutation,
        AttendanceMutation,
        RecordingsMutation,
        SummariesMutation,
        RecordingSettingsMutation,
    ),
)
Subscription = merge_types(
    "Subscription", (TenantsSubscription, AttendanceSubscription, RecordingEventsSubscription)
)

# The deepest query the dashboard needs is 5 levels (classAttendance → meetings → attendance
# → student → id); the schema has no cycles today, so this guards what may come.
MAX_DEPTH = 6
MAX_ALIASES = 20
MAX_TOKENS = 2000
# The app sends a few dozen distinct operations; room for them and for other clients' own.
CACHED_DOCUMENTS = 256


def _should_mask(error: GraphQLError) -> bool:
    """Errors we raise on purpose (NotAllowed, the policy's NotFound: "No such meeting.") and
    GraphQL's own (syntax, validation, limits) say what is wrong; anything else becomes
    "Unexpected error." with nothing internal."""
    original = error.original_error
    return original is not None and not isinstance(original, (NotAllowed, NotFound, GraphQLError))


class DocumentLimits(SchemaExtension):
    """The depth, alias and token limits, set on the operation as it is parsed. Strawberry's
    limiters (QueryDepthLimiter, MaxAliasesLimiter, MaxTokensLimiter) set the same in
    `on_operation` hooks, and a subscription holds every such hook (a generator, its context
    manager, a wrapper) for its whole life: ≈ 1 KiB each per idle subscription. A parsing hook
    ends with parsing. It goes before ParserCache, which parses with the token limit it sets."""

    def __init__(self, *, rules: tuple[type[ASTValidationRule], ...], max_tokens: int) -> None:
        self.rules, self.max_tokens = rules, max_tokens

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.max_tokens
        context.validation_rules = (*context.validation_rules, *self.rules)
        yield


# Set while `LiverollSchema.stream` makes an operation's extensions.
_STREAMING: ContextVar[bool] = ContextVar("graphql_api_streaming", default=False)


class StreamMaskErrors(MaskErrors):
    """MaskErrors for a streamed operation (a websocket's subscriptions, queries and mutations):
    every result of a stream reaches the client through `on_stream_result`, which masks it, so
    MaskErrors' `on_operation` hook (for the one result of a request) is left out: a
    subscription would hold it for its whole life (≈ 1.8 KiB)."""

    on_operation = SchemaExtension.on_operation  # type: ignore[assignment]  # no hook


class LiverollSchema(strawberry.Schema):
    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        token = _STREAMING.set(True)
        try:
            return await super().stream(*args, **kwargs)
        finally:
            _STREAMING.reset(token)

    def get_extensions(self, sync: bool = False) -> list[SchemaExtension]:
        extensions = super().get_extensions(sync)
        if not _STREAMING.get():
            return extensions
        return [
            StreamMaskErrors(should_mask_error=e.should_mask_error, error_message=e.error_message)
            if type(e) is MaskErrors
            else e
            for e in extensions
        ]


def _document_limits() -> Callable[[], SchemaExtension]:
    # The limiters' validator classes, made once (a subscription keeps its rules for its life).
    rules = (
        *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    )
    return lambda: DocumentLimits(rules=rules, max_tokens=MAX_TOKENS)


def _extensions():
    # No DjangoOptimizerExtension: resolvers build plain types eagerly (lazy model fields would
    # be read later, outside the tenant's schema, on websockets: DESIGN.md), so list resolvers
    # prefetch what the query selected themselves (tenants.graphql.selection).
    extensions = [
        _document_limits(),
        # One parsed and validated document per distinct operation text, shared by every request
        # and subscription that sends it (bounded LRU, so unique texts cannot grow memory): a
        # reconnect storm re-sends the same few subscriptions thousands of times, and a
        # subscription keeps its document for its whole life.
        lambda: ParserCache(maxsize=CACHED_DOCUMENTS),
        lambda: ValidationCache(maxsize=CACHED_DOCUMENTS),
        InputTextLimiter,
        ResponseLimiter,
        lambda: MaskErrors(should_mask_error=_should_mask),
    ]
    if not getattr(settings, "GRAPHQL_INTROSPECTION", True):
        extensions.append(DisableIntrospection)
    return extensions


def build_schema() -> strawberry.Schema:
    return LiverollSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=_extensions(),
        # A room's round is executed once for all its watchers (graphql_api.shared).
        execution_context_class=SharedResultsExecutor,
    )


schema = build_schema()
