"""Meeting rows → the Meeting type, fetching only what the query selected.

`meetings_for(rows, fields)` loads the meetings with the related rows the selected `fields`
need (a fixed number of queries, however many meetings); `meeting_from(row, viewer, fields)`
builds the type, every nested list cut to what the viewer may see. A list field not selected
is not fetched and is built empty (GraphQL never returns it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from django.db.models import Prefetch, prefetch_related_objects

from meetings.graphql import room
from meetings.graphql import types as t
from meetings.guests.graphql.types import Guest, guest_from
from meetings.invitations.graphql.types import MeetingRsvp, RsvpCounts, RsvpResponse
from meetings.invitations.selectors import (
    invitation_mail_statuses_many,
    rsvp_summaries,
    rsvps_of,
)
from meetings.joining.links import join_urls_for
from meetings.models import Meeting, Registrant
from meetings.policy import can_manage_meeting, registrant_visible
from tenants.accounts.models import User
from tenants.graphql.types import person_from, user_from

# Fields whose content depends on whether the viewer manages the meeting.
_NEED_MANAGES = frozenset(
    {
        "canManage",
        "participants",
        "attendance",
        "registrants",
        "guests",
        "rsvpCounts",
        "rsvps",
        "roster",
    }
)


def meeting_prefetches(fields: frozenset[str]) -> list[str | Prefetch[Any]]:
    lookups: list[str | Prefetch[Any]] = []
    if fields & _NEED_MANAGES:
        lookups.append("school_class__teachers")  # can_manage_meeting reads it
    if "registrants" in fields:
        lookups.append(
            Prefetch(
                "registrants",
                queryset=Registrant.objects.select_related("user").order_by(
                    "user__name", "user__email", "pk"
                ),
            )
        )
    if "guests" in fields:
        lookups += ["guests__invited_by", "series__guests__invited_by", "guest_registrants"]
    return lookups + room.prefetches(fields)


_JOIN_URL = "_viewer_join_url"  # set on each row by meetings_for(..., viewer=)


def meetings_for(
    rows: Iterable[Meeting], fields: frozenset[str], *, viewer: User | None = None
) -> list[Meeting]:
    """`rows` (a queryset, or meetings already loaded) with what `fields` read, prefetched;
    with `viewer`, their join links too (a fixed number of queries for the whole list)."""
    if hasattr(rows, "select_related"):
        rows = rows.select_related("school_class", "host")
    meetings = list(rows)
    prefetch_related_objects(meetings, *meeting_prefetches(fields))
    room.load(meetings, fields, viewer)
    if viewer is not None and "joinUrl" in fields:
        _join_urls_set(meetings, viewer)
    if viewer is not None and "myRsvp" in fields:
        _my_rsvps_set(meetings, viewer)
    if viewer is not None and fields & {"rsvpCounts", "rsvps", "roster"}:
        _rsvp_summaries_set(meetings, viewer)
    if viewer is not None and "roster" in fields:
        _roster_facts_set([m for m in meetings if can_manage_meeting(viewer, m)])
    return meetings


_MY_RSVP = "_viewer_rsvp"  # set on each row by meetings_for(..., viewer=)
_RSVP_SUMMARY = "_rsvp_summary"  # on the rows the viewer manages, by meetings_for(..., viewer=)


def _rsvp_summaries_set(meetings: list[Meeting], viewer: User) -> None:
    managed = [m for m in meetings if can_manage_meeting(viewer, m)]
    summaries = rsvp_summaries(meetings=managed)
    for meeting in managed:
        setattr(meeting, _RSVP_SUMMARY, summaries[meeting.pk])


def _my_rsvps_set(meetings: list[Meeting], viewer: User) -> None:
    answers = rsvps_of(user=viewer, meetings=meetings)
    for meeting in meetings:
        setattr(meeting, _MY_RSVP, answers.get(meeting.pk))


def _join_urls_set(meetings: list[Meeting], viewer: User) -> None:
    urls = join_urls_for(user=viewer, meetings=meetings)
    for meeting in meetings:
        setattr(meeting, _JOIN_URL, urls.get(meeting.pk))


def _join_url(meeting: Meeting, viewer: User) -> str | None:
    if not hasattr(meeting, _JOIN_URL):
        _join_urls_set([meeting], viewer)
    url: str | None = getattr(meeting, _JOIN_URL)
    return url


def meeting_from(meeting: Meeting, viewer: User, fields: frozenset[str]) -> t.Meeting:
    """The meeting as `viewer` may see it: the room, the register and the registrants for
    those who manage it; a student their own record, a parent their children's."""
    manages = bool(fields & _NEED_MANAGES) and can_manage_meeting(viewer, meeting)
    return t.Meeting(
        id=strawberry.ID(str(meeting.pk)),
        title=meeting.title,
        description=meeting.description,
        status=t.MeetingStatus(meeting.status),
        start_time=meeting.start_time,
        duration_minutes=meeting.duration_minutes,
        timezone=meeting.timezone,
        zoom_meeting_id=meeting.zoom_meeting_id or None,
        target_audience=t.TargetAudience(meeting.target_audience),
        registration_enabled=meeting.registration_enabled,
        class_id=strawberry.ID(str(meeting.school_class_id)) if meeting.school_class_id else None,
        class_name=meeting.school_class.name if meeting.school_class is not None else None,
        series_id=strawberry.ID(str(meeting.series_id)) if meeting.series_id else None,
        teacher=person_from(meeting.host),
        started_at=meeting.actual_start,
        ended_at=meeting.actual_end,
        can_manage=manages,
        participants=room.participants_of(meeting, manages=manages)
        if "participants" in fields
        else [],
        attendance=room.attendance_of(meeting, viewer, manages=manages)
        if "attendance" in fields
        else [],
        guest_attendance=room.guest_attendance_of(meeting, viewer, manages=manages)
        if "guestAttendance" in fields
        else [],
        registrants=[
            t.Registrant(
                user=user_from(r.user),
                status=r.status,
                zoom_registrant_id=r.zoom_registrant_id,
                last_error=r.last_error if manages else "",
            )
            for r in meeting.registrants.all()
            if registrant_visible(viewer, r, manages=manages)
        ]
        if "registrants" in fields
        else [],
        guests=_guests_of(meeting) if manages and "guests" in fields else [],
        join_url=_join_url(meeting, viewer) if "joinUrl" in fields else None,
        **_rsvps(meeting, viewer, fields, manages=manages),
    )


def _guests_of(meeting: Meeting) -> list[Guest]:
    """The session's guests and its series', with their Zoom registration for this session
    (rows prefetched by `meeting_prefetches`)."""
    rows = list(meeting.guests.all())
    if meeting.series is not None:
        rows += list(meeting.series.guests.all())
    registration = {r.guest_id: r.status for r in meeting.guest_registrants.all()}
    rows.sort(key=lambda g: (g.invited_at, g.pk))
    return [guest_from(g, zoom_registration=registration.get(g.pk)) for g in rows]


def _rsvps(meeting: Meeting, viewer: User, fields: frozenset[str], *, manages: bool) -> Any:
    """myRsvp for the viewer; counts and the list only for those who manage the meeting."""
    values: dict[str, Any] = {}
    if "myRsvp" in fields:
        if not hasattr(meeting, _MY_RSVP):
            _my_rsvps_set([meeting], viewer)
        mine = getattr(meeting, _MY_RSVP)
        values["my_rsvp"] = RsvpResponse(mine) if mine else None
    if manages and fields & {"rsvpCounts", "rsvps", "roster"}:
        if not hasattr(meeting, _RSVP_SUMMARY):
            _rsvp_summaries_set([meeting], viewer)
        summary = getattr(meeting, _RSVP_SUMMARY)
        values["rsvp_counts"] = RsvpCounts(
            accepted=summary.accepted,
            declined=summary.declined,
            tentative=summary.tentative,
            pending=summary.pending,
        )
        values["rsvps"] = [
            MeetingRsvp(user=user_from(u), response=RsvpResponse(r) if r else None)
            for u, r in summary.people
        ]
        if "roster" in fields:
            values["roster"] = _roster_of(meeting, summary.people)
    return values


_ROSTER_FACTS = "_roster_facts"  # (registrations, mails) per row, set by _roster_facts_set


def _roster_facts_set(meetings: list[Meeting]) -> None:
    """The registrations and invitation mails of every meeting's invitees: two queries for the
    whole list, however many meetings."""
    registrations: dict[int, dict[int, str]] = {m.pk: {} for m in meetings}
    rows = Registrant.objects.filter(meeting__in=[m.pk for m in meetings])
    for meeting_id, user_id, status in rows.values_list("meeting_id", "user_id", "status"):
        registrations[meeting_id][user_id] = status
    mails = invitation_mail_statuses_many(meetings=meetings)
    for meeting in meetings:
        setattr(meeting, _ROSTER_FACTS, (registrations[meeting.pk], mails.get(meeting.pk, {})))


def _roster_of(meeting: Meeting, people: list[tuple[User, str | None]]) -> list[t.RosterEntry]:
    """Each invitee with their registration, the latest invitation mail about this session
    (or its series) and their answer, by name."""
    if not hasattr(meeting, _ROSTER_FACTS):
        _roster_facts_set([meeting])
    registration, mails = getattr(meeting, _ROSTER_FACTS)
    rows = sorted(people, key=lambda pair: (pair[0].name.casefold(), pair[0].email, pair[0].pk))
    return [
        t.RosterEntry(
            user=user_from(u),
            registration=registration.get(u.pk),
            invitation=t.InvitationMailStatus(mails[u.pk]) if u.pk in mails else None,
            rsvp=RsvpResponse(r) if r else None,
        )
        for u, r in rows
    ]
