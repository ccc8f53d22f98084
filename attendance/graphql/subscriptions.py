"""The live room (`meetingParticipants`) and the live classes (`liveClasses`) over
`graphql-transport-ws`. What every subscription does, and why (the process's hub, groups joined
before the snapshot, database work in the tenant's schema, access re-checked per room, declared
events decoded), is written in tenants.graphql.subscriptions. A watcher that fell behind gets
the changes that piled up merged (`participant_runs`)."""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from attendance.events import AttendanceScored, LiveCount, Participant, ParticipantsChanged
from attendance.graphql import types as t
from attendance.selectors import live_meetings_snapshot, room_snapshot, watchers_still_allowed
from meetings.events import MeetingEnded, MeetingStarted
from realtime.events import Event
from realtime.groups import live_classes_group, meeting_group
from realtime.tenancy import in_tenant
from tenants.accounts.selectors import active_admins_among
from tenants.graphql.context import NotAllowed
from tenants.graphql.shared import shared
from tenants.graphql.subscriptions import relay, ws_scope, ws_user_id
from tenants.ids import pk_or_none


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _after(known: t.MeetingStatus, told: t.MeetingStatus) -> t.MeetingStatus:
    """The status to show after an event: an ended class never runs again (meetings' lifecycle
    never leaves ENDED), so an event that says otherwise was read before the end."""
    return known if known == t.MeetingStatus.ENDED else told


@functools.lru_cache(maxsize=4096)
def _participant(participant: Participant) -> t.Participant:
    """The GraphQL participant of an event's (frozen) participant, made once for all the room's
    watchers: the hub hands them the same decoded event."""
    return t.Participant(
        key=participant.key,
        name=participant.name,
        role=t.ParticipantRole(participant.role),
        joined_at=_time(participant.joined_at),
        left_at=_time(participant.left_at),
        verified=participant.verified,
    )


@dataclass(frozen=True)
class _RoomSnapshot:
    status: t.MeetingStatus
    count: int
    participants: list[t.Participant]  # in the room: never changed once built
    messages: dict[str, t.ParticipantsEvent] = field(default_factory=dict, compare=False)

    def message(self, meeting_id: strawberry.ID) -> t.ParticipantsEvent:
        """The SNAPSHOT message, one per meeting id as asked, shared by the watchers given this
        snapshot: executed and serialised once per operation (a reconnect storm's answers)."""
        if meeting_id not in self.messages:
            self.messages[meeting_id] = shared(
                t.ParticipantsEvent(
                    kind=Kind.SNAPSHOT,
                    meeting_id=meeting_id,
                    status=self.status,
                    count=self.count,
                    participants=self.participants,
                )
            )
        return self.messages[meeting_id]


async def _room_snapshot(scope: dict[str, Any], meeting_id: int) -> _RoomSnapshot | None:
    snapshot = await in_tenant(scope, room_snapshot, meeting_id)
    if snapshot is None:
        return None
    status = t.MeetingStatus(snapshot["meeting"]["status"])
    return _RoomSnapshot(
        status=status,
        count=snapshot["count"],
        # In the room: an open segment of a class that has not ended.
        participants=[
            _participant(Participant.decode(p))
            for p in snapshot["participants"]
            if not p["left_at"] and status != t.MeetingStatus.ENDED
        ],
    )


def _consecutive_changes(batch: list[Event]) -> list[list[ParticipantsChanged] | Event]:
    """`batch` with each run of consecutive ParticipantsChanged gathered into a list."""
    out: list[list[ParticipantsChanged] | Event] = []
    for event in batch:
        if isinstance(event, ParticipantsChanged):
            last = out[-1] if out else None
            if isinstance(last, list):
                last.append(event)
            else:
                out.append([event])
        else:
            out.append(event)
    return out


def _live_class(row: dict[str, Any]) -> t.LiveClass:
    return t.LiveClass(
        id=strawberry.ID(str(row["id"])),
        title=row["title"],
        teacher=t.Person(id=strawberry.ID("0"), name=row["teacher"]),
        started_at=_time(row.get("started_at")),
        participant_count=row["count"],
    )


Kind = t.ParticipantEventKind


def participant_runs(
    events: list[ParticipantsChanged],
) -> list[tuple[t.ParticipantEventKind, list[Participant]]]:
    """Consecutive batches of a room's changes as one list of runs, JOINED or LEFT, in order.

    Within one batch each participant appears once, as they are now, so its joins may go before
    its leaves (as one batch always did); across batches the order is kept: join A, leave A,
    join B stays JOINED [A], LEFT [A], JOINED [B], never JOINED [A, B], LEFT [A]. A participant
    twice in one run keeps only their latest state, in the place of their last change (the app
    replaces people by key and must not see one twice)."""
    runs: list[tuple[t.ParticipantEventKind, dict[str, Participant]]] = []
    for event in events:
        for kind, change in ((Kind.JOINED, "joined"), (Kind.LEFT, "left")):
            for c in event.changes:
                if c.change != change:
                    continue
                if not runs or runs[-1][0] != kind:
                    runs.append((kind, {}))
                people = runs[-1][1]
                people.pop(c.participant.key, None)
                people[c.participant.key] = c.participant
    return [(kind, list(people.values())) for kind, people in runs]


def _room_messages(
    batch: list[Event], *, meeting_id: strawberry.ID, status: t.MeetingStatus, count: int
) -> tuple[list[t.ParticipantsEvent], t.MeetingStatus, int]:
    """The room's messages for `batch` after `status` and `count`, and the status and count
    after them. Consecutive changes are merged into as few JOINED / LEFT messages as their order
    allows (a watcher's backlog comes as one batch); status and attendance events keep their
    place. Each message is `shared`: it may be yielded to many watchers."""
    out: list[t.ParticipantsEvent] = []

    def message(kind: t.ParticipantEventKind, people: list[t.Participant], count: int) -> None:
        event = t.ParticipantsEvent(
            kind=kind, meeting_id=meeting_id, status=status, count=count, participants=people
        )
        out.append(shared(event))

    for events in _consecutive_changes(batch):
        if isinstance(events, list):
            # A batch read before the class ended may arrive after its end: an ended class
            # stays ended and has nobody in it.
            status = _after(status, t.MeetingStatus(events[-1].status))
            count = 0 if status == t.MeetingStatus.ENDED else events[-1].count
            for kind, people in participant_runs(events):
                message(kind, [_participant(p) for p in people], count)
        elif isinstance(events, MeetingStarted | MeetingEnded):
            status = _after(status, t.MeetingStatus(events.meeting.status))
            count = 0 if status == t.MeetingStatus.ENDED else events.count
            message(Kind.STATUS, [], count)
        elif isinstance(events, AttendanceScored):
            # The register changed (scored at the end, finalised, overridden): the room re-reads
            # it instead of waiting for a reload.
            message(Kind.ATTENDANCE, [], 0 if status == t.MeetingStatus.ENDED else count)
    return out, status, count


@strawberry.type
class AttendanceSubscription:
    @strawberry.subscription(
        description=(
            "Who is in a class: a SNAPSHOT first, then the changes (JOINED and LEFT may carry"
            " several participants), STATUS, and ATTENDANCE when its records were scored,"
            " finalised, resolved or overridden (re-read them)."
        )
    )
    async def meeting_participants(
        self, info: Info, meeting_id: strawberry.ID
    ) -> AsyncGenerator[t.ParticipantsEvent, None]:
        scope = ws_scope(info)
        user_id = ws_user_id(info)
        meeting_pk = pk_or_none(meeting_id)
        if meeting_pk is None:
            raise NotAllowed("No such meeting.")
        group = meeting_group(scope["tenant"].schema_name, meeting_pk)
        async with relay(
            info,
            field="meetingParticipants",
            group=group,
            user_id=user_id,
            check_many=watchers_still_allowed,
            args=(meeting_pk,),
        ) as live:
            snapshot = None
            if await live.admitted():
                # Shared by the room's watchers on this process (a reconnect storm reads it
                # once); access was the viewer's own check just above.
                snapshot = await live.snapshot("room", lambda: _room_snapshot(scope, meeting_pk))
            if snapshot is None:
                raise NotAllowed("No such meeting.")
            status, count = snapshot.status, snapshot.count
            # The snapshot's own message: an idle subscription holds no copy of it (graphql-core
            # keeps the last value a subscription yielded), nor of its result.
            yield snapshot.message(meeting_id)
            async for round_ in live.rounds():
                # Made once per round for the room's watchers that kept up and are in the same
                # place (the same meeting id, status and count), executed once per operation
                # for all of them (graphql_api.shared): nothing in it depends on the viewer.
                messages, status, count = round_.derive(
                    ("meetingParticipants", meeting_id, status, count),
                    functools.partial(
                        _room_messages,
                        round_.events,
                        meeting_id=meeting_id,
                        status=status,
                        count=count,
                    ),
                )
                for message in messages:
                    yield message

    @strawberry.subscription(description="The school's running classes (admins).")
    async def live_classes(self, info: Info) -> AsyncGenerator[t.LiveClassesEvent, None]:
        scope = ws_scope(info)
        user_id = ws_user_id(info)
        group = live_classes_group(scope["tenant"].schema_name)
        async with relay(
            info,
            field="liveClasses",
            group=group,
            user_id=user_id,
            check_many=active_admins_among,
        ) as live:
            if not await live.admitted():
                raise NotAllowed("Only school admins see live classes.")
            rows = await in_tenant(scope, live_meetings_snapshot)
            yield t.LiveClassesEvent(
                kind="snapshot", classes=[_live_class(r) for r in rows], meeting_id=None, count=None
            )
            async for batch in live.batches():
                for event in batch:
                    if isinstance(event, MeetingStarted | MeetingEnded):
                        # The list itself changed: send it whole.
                        rows = await in_tenant(scope, live_meetings_snapshot)
                        yield t.LiveClassesEvent(
                            kind=event.name,
                            classes=[_live_class(r) for r in rows],
                            meeting_id=strawberry.ID(str(event.meeting.id)),
                            count=event.count,
                        )
                    elif isinstance(event, LiveCount):
                        yield t.LiveClassesEvent(
                            kind=event.name,
                            classes=[],
                            meeting_id=strawberry.ID(str(event.meeting_id)),
                            count=event.count,
                        )
