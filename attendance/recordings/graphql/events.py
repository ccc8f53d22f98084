"""A session's recording page, live (`sessionRecordingEvents`): READY once the subscription
hears the session's group, then one event per change of its recording, transcript or summary,
for the page to re-read that part (through the queries, and so the recordings' policy). What
every subscription does, and why (group joined before the first answer, database work in the
tenant's schema, access re-checked, declared events decoded), is written in
tenants.graphql.subscriptions."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from enum import Enum

import strawberry
from strawberry.types import Info

from attendance.events import RecordingCompleted, RecordingDeleted, SummaryReady, TranscriptReady
from attendance.recordings.selectors import followers_still_allowed
from realtime.events import Event
from realtime.groups import meeting_group
from tenants.graphql.context import NotAllowed
from tenants.graphql.subscriptions import relay, ws_scope, ws_user_id
from tenants.ids import pk_or_none


@strawberry.enum(description="What changed of a session's recording page.")
class SessionRecordingEventKind(Enum):
    READY = "ready"  # subscribed: nothing published from here on is missed (re-read once)
    RECORDING = "recording"  # a recording was stored or gained files
    RECORDING_DELETED = "recording_deleted"  # a recording was deleted, with its transcript
    TRANSCRIPT = "transcript"  # the transcript is ready
    SUMMARY = "summary"  # the summary was written (or written again)


@strawberry.type(description="A change of a session's recording page: re-read that part.")
class SessionRecordingEvent:
    kind: SessionRecordingEventKind
    meeting_id: strawberry.ID


_KINDS: dict[type[Event], SessionRecordingEventKind] = {
    RecordingCompleted: SessionRecordingEventKind.RECORDING,
    RecordingDeleted: SessionRecordingEventKind.RECORDING_DELETED,
    TranscriptReady: SessionRecordingEventKind.TRANSCRIPT,
    SummaryReady: SessionRecordingEventKind.SUMMARY,
}


@strawberry.type
class RecordingEventsSubscription:
    @strawberry.subscription(
        description=(
            "A session's recording page, live, for those who may see its recordings: READY"
            " first (re-read the page: nothing published from then on is missed, on every"
            " reconnect too), then RECORDING, RECORDING_DELETED, TRANSCRIPT or SUMMARY when"
            " that part changed (re-read it)."
        )
    )
    async def session_recording_events(
        self, info: Info, meeting_id: strawberry.ID
    ) -> AsyncGenerator[SessionRecordingEvent, None]:
        scope = ws_scope(info)
        user_id = ws_user_id(info)
        meeting_pk = pk_or_none(meeting_id)
        if meeting_pk is None:
            raise NotAllowed("No such meeting.")
        group = meeting_group(scope["tenant"].schema_name, meeting_pk)
        async with relay(
            info,
            field="sessionRecordingEvents",
            group=group,
            user_id=user_id,
            check_many=followers_still_allowed,
            args=(meeting_pk,),
        ) as live:
            if not await live.admitted():
                raise NotAllowed("No such meeting.")
            yield SessionRecordingEvent(kind=SessionRecordingEventKind.READY, meeting_id=meeting_id)
            async for batch in live.batches():
                for event in batch:
                    kind = _KINDS.get(type(event))
                    if kind is not None:  # the room's events share the group
                        yield SessionRecordingEvent(kind=kind, meeting_id=meeting_id)
