"""The live room (`meetingParticipants`) and the live classes (`liveClasses`) over
`graphql-transport-ws`. What every subscription does, and why (groups joined before the
snapshot, database work in the tenant's schema, access re-checked, declared events decoded), is
written in tenants.graphql.subscriptions."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from attendance.events import AttendanceScored, LiveCount, Participant, ParticipantsChanged
from attendance.graphql import types as t
from attendance.selectors import live_snapshot_for, may_watch_room, room_snapshot_for
from meetings.events import MeetingEnded, MeetingStarted
from realtime.access import AccessGate
from realtime.groups import EVENT_HANDLER, live_classes_group, meeting_group
from realtime.tenancy import in_tenant
from tenants.accounts.selectors import is_active_admin
from tenants.graphql.context import NotAllowed
from tenants.graphql.subscriptions import relayed, ws_scope, ws_user_id
from tenants.ids import pk_or_none


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _after(known: t.MeetingStatus, told: t.MeetingStatus) -> t.MeetingStatus:
    """The status to show after an event: an ended class never runs again (meetings' lifecycle
    never leaves ENDED), so an event that says otherwise was read before the end."""
    return known if known == t.MeetingStatus.ENDED else told


def _participant(participant: Participant) -> t.Participant:
    return t.Participant(
        key=participant.key,
        name=participant.name,
        role=t.ParticipantRole(participant.role),
        joined_at=_time(participant.joined_at),
        left_at=_time(participant.left_at),
        verified=participant.verified,
    )


def _live_class(row: dict[str, Any]) -> t.LiveClass:
    return t.LiveClass(
        id=strawberry.ID(str(row["id"])),
        title=row["title"],
        teacher=t.Person(id=strawberry.ID("0"), name=row["teacher"]),
        started_at=_time(row.get("started_at")),
        participant_count=row["count"],
    )


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
        ws = info.context["ws"]
        meeting_pk = pk_or_none(meeting_id)
        if meeting_pk is None:
            raise NotAllowed("No such meeting.")
        group = meeting_group(scope["tenant"].schema_name, meeting_pk)
        async with ws.listen_to_channel(EVENT_HANDLER, groups=[group]) as messages:
            snapshot = await in_tenant(scope, room_snapshot_for, user_id, meeting_pk)
            if snapshot is None:
                raise NotAllowed("No such meeting.")
            status = t.MeetingStatus(snapshot["meeting"]["status"])
            count = snapshot["count"]
            yield t.ParticipantsEvent(
                kind=t.ParticipantEventKind.SNAPSHOT,
                meeting_id=meeting_id,
                status=status,
                count=snapshot["count"],
                # In the room: an open segment of a class that has not ended.
                participants=[
                    _participant(Participant.decode(p))
                    for p in snapshot["participants"]
                    if not p["left_at"] and status != t.MeetingStatus.ENDED
                ],
            )
            gate = AccessGate(scope, may_watch_room, user_id, meeting_pk)
            async for event in relayed(messages, group=group, gate=gate):
                if isinstance(event, ParticipantsChanged):
                    # One message per processed batch: its joins, then its leaves. A batch read
                    # before the class ended may arrive after its end: an ended class stays ended
                    # and has nobody in it.
                    status = _after(status, t.MeetingStatus(event.status))
                    count = 0 if status == t.MeetingStatus.ENDED else event.count
                    for kind, change in (
                        (t.ParticipantEventKind.JOINED, "joined"),
                        (t.ParticipantEventKind.LEFT, "left"),
                    ):
                        people = [c.participant for c in event.changes if c.change == change]
                        if people:
                            yield t.ParticipantsEvent(
                                kind=kind,
                                meeting_id=meeting_id,
                                status=status,
                                count=count,
                                participants=[_participant(p) for p in people],
                            )
                elif isinstance(event, MeetingStarted | MeetingEnded):
                    status = _after(status, t.MeetingStatus(event.meeting.status))
                    count = 0 if status == t.MeetingStatus.ENDED else event.count
                    yield t.ParticipantsEvent(
                        kind=t.ParticipantEventKind.STATUS,
                        meeting_id=meeting_id,
                        status=status,
                        count=count,
                        participants=[],
                    )
                elif isinstance(event, AttendanceScored):
                    # The register changed (scored at the end, finalised, overridden): the
                    # room re-reads it instead of waiting for a reload.
                    yield t.ParticipantsEvent(
                        kind=t.ParticipantEventKind.ATTENDANCE,
                        meeting_id=meeting_id,
                        status=status,
                        count=0 if status == t.MeetingStatus.ENDED else count,
                        participants=[],
                    )

    @strawberry.subscription(description="The school's running classes (admins).")
    async def live_classes(self, info: Info) -> AsyncGenerator[t.LiveClassesEvent, None]:
        scope = ws_scope(info)
        user_id = ws_user_id(info)
        ws = info.context["ws"]
        group = live_classes_group(scope["tenant"].schema_name)
        async with ws.listen_to_channel(EVENT_HANDLER, groups=[group]) as messages:
            rows = await in_tenant(scope, live_snapshot_for, user_id)
            if rows is None:
                raise NotAllowed("Only school admins see live classes.")
            yield t.LiveClassesEvent(
                kind="snapshot", classes=[_live_class(r) for r in rows], meeting_id=None, count=None
            )
            gate = AccessGate(scope, is_active_admin, user_id)
            async for event in relayed(messages, group=group, gate=gate):
                if isinstance(event, MeetingStarted | MeetingEnded):
                    # The list itself changed: send it whole.
                    rows = await in_tenant(scope, live_snapshot_for, user_id) or []
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
