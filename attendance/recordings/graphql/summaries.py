"""A session's summary and action items (`sessionSummary`), and having it written again
(`rewriteSummary`). Who may see it is the recordings' policy (attendance.recordings.policy):
the session's managers always, its students and their parents when the school allows."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

import meetings.graphql.errors  # noqa: F401 - registers the policy's NotFound as a typed error
from attendance.recordings.models import Summary as SummaryRow
from attendance.recordings.policy import access_session_recordings
from attendance.recordings.summaries import summary_of, summary_rewrite_request
from tenants.graphql.context import require_user
from tenants.graphql.errors import FieldError, typed_errors

MAX_ACTION_ITEMS = 50  # the summarisers keep 10 (local) and 20 (remote): a cap, not a page


@strawberry.type(description="Something asked of people in the session, by whom and when.")
class ActionItem:
    text: str
    speaker: str
    start_ms: int | None = strawberry.field(description="Milliseconds into the recording.")


@strawberry.type(description="What a session was about and what was asked of people.")
class Summary:
    text: str = strawberry.field(
        description="The summary; the local summariser's is one picked"
        " sentence of the transcript a line."
    )
    action_items: list[ActionItem]
    method: str = strawberry.field(
        description='"local" (picked from the transcript) or "remote" (the school\'s model).'
    )
    model: str = strawberry.field(description="The school's model's name; empty for local.")
    created_at: datetime = strawberry.field(description="When this text was written.")
    fallback_reason: str | None = strawberry.field(
        description="Why the local summariser wrote it although the school has a model (empty"
        " when it did not fall back); null for those who do not manage the session."
    )


@strawberry.type
class RewriteSummaryPayload:
    ok: bool = False
    errors: list[FieldError] = strawberry.field(default_factory=list)


def summary_out(row: SummaryRow, *, manages: bool) -> Summary:
    items = row.action_items if isinstance(row.action_items, list) else []
    return Summary(
        text=row.text,
        action_items=[
            ActionItem(
                text=str(item.get("text", "")),
                speaker=str(item.get("speaker", "")),
                start_ms=item.get("start_ms") if isinstance(item.get("start_ms"), int) else None,
            )
            for item in items[:MAX_ACTION_ITEMS]
            if isinstance(item, dict)
        ],
        method=row.method,
        model=row.model,
        created_at=row.created_at,
        fallback_reason=row.fallback_reason if manages else None,
    )


@strawberry.type
class SummariesQuery:
    @strawberry.field(
        description="A session's summary and action items; null until one is written, and for"
        " those who see the session but not its recordings (NotFound: not the session either)."
    )
    def session_summary(self, info: Info, meeting_id: strawberry.ID) -> Summary | None:
        user = require_user(info)
        access = access_session_recordings(user, meeting_id)
        row = summary_of(meeting=access.meeting) if access.shared else None
        if row is None:
            return None
        return summary_out(row, manages=access.manages)


@strawberry.type
class SummariesMutation:
    @strawberry.mutation(
        description="Have a session's summary written again from its transcript (those who"
        " manage the session); it arrives later (summary.ready on the session's group)."
    )
    @typed_errors(RewriteSummaryPayload)
    def rewrite_summary(self, info: Info, meeting_id: strawberry.ID) -> RewriteSummaryPayload:
        user = require_user(info)
        access = access_session_recordings(user, meeting_id, to="manage")
        summary_rewrite_request(actor=user, meeting=access.meeting)
        return RewriteSummaryPayload(ok=True, errors=[])
