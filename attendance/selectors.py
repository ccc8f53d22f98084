from typing import Any, NamedTuple

from django.db.models import Count, Q

from attendance.events import Participant
from attendance.models import AttendanceRecord, ParticipantRole, ParticipantSession
from meetings.models import Meeting
from meetings.policy import access_meeting_or_none, can_manage_meeting
from meetings.selectors import meeting_summary
from tenants.accounts.models import User


def live_count(meeting: Meeting) -> int:
    """People in the room now: participants with an open segment."""
    return live_counts([meeting]).get(meeting.pk, 0)


def live_counts(meetings) -> dict[int, int]:
    """`live_count` of several meetings in one query (those not listed have nobody)."""
    running = [m.pk for m in meetings if m.status != Meeting.Status.ENDED]
    if not running:
        return {}
    rows = (
        ParticipantSession.objects.filter(
            meeting_id__in=running, left_at__isnull=True, joined_at__isnull=False
        )
        .values("meeting_id")
        .annotate(people=Count("participant_key", distinct=True))
    )
    return {row["meeting_id"]: row["people"] for row in rows}


class RegisterCell(NamedTuple):
    status: str
    attended_seconds: int
    is_final: bool


def register_cells(
    *, meeting_ids: list[int], student_ids: list[int]
) -> dict[tuple[int, int], RegisterCell]:
    """The stored records of these students in these meetings, by (meeting id, student id):
    one query, plain values (a class's register over a term is thousands of records)."""
    rows = AttendanceRecord.objects.filter(
        meeting_id__in=meeting_ids, student_id__in=student_ids
    ).values_list(
        "meeting_id", "student_id", "computed_status", "override_status", "attended_seconds",
        "is_final",
    )  # fmt: skip
    return {
        (meeting_id, student_id): RegisterCell(override or computed, seconds, final)
        for meeting_id, student_id, computed, override, seconds, final in rows
    }


def participant_of(session: ParticipantSession) -> Participant:
    """A participant as realtime events and snapshots carry them."""
    return Participant(
        key=session.participant_key,
        name=session.name,
        role=session.role,
        joined_at=session.joined_at.isoformat() if session.joined_at else None,
        left_at=session.left_at.isoformat() if session.left_at else None,
        verified=session.verified,
    )


def participants_snapshot(*, meeting: Meeting) -> dict:
    """Who is in the room now, and who has been: plain data for dashboards."""
    sessions = ParticipantSession.objects.filter(meeting=meeting).order_by("joined_at", "id")
    return {
        "meeting": meeting_summary(meeting),
        "participants": [participant_of(s).data() for s in sessions],
        "count": live_count(meeting),
    }


def live_meetings_snapshot() -> list[dict]:
    meetings = list(Meeting.objects.filter(status=Meeting.Status.STARTED).select_related("host"))
    counts = live_counts(meetings)
    return [
        {
            "id": m.pk,
            "title": m.title,
            "teacher": m.host.name or m.host.email,
            "started_at": m.actual_start.isoformat() if m.actual_start else None,
            "count": counts.get(m.pk, 0),
        }
        for m in meetings
    ]


def may_watch_room(user_id: int, meeting_id: int) -> bool:
    """Sync: whether this user may watch the room (the host, the class's teachers, admins)."""
    return _watchable(user_id, meeting_id) is not None


def watchers_still_allowed(user_ids: list[int], meeting_id: int) -> set[int]:
    """Sync, in the tenant's schema: those of `user_ids` who may watch the room (the policy of
    `may_watch_room`), in three queries whatever their number, for the room's shared gate
    (realtime.access.RoomGate). Watching is managing (`can_manage_meeting`: admins, the host,
    the class's teachers), and every manager also sees the meeting in `meetings_visible`
    (admins all, the host by `host`, the class's teachers by `school_class__teachers`), so the
    policy's own `can_manage_meeting` decides, with the class's teachers fetched once."""
    meeting = (
        Meeting.objects.filter(pk=meeting_id)
        .select_related("school_class")
        .prefetch_related("school_class__teachers")
        .first()
    )
    if meeting is None:
        return set()
    users = User.objects.filter(pk__in=user_ids, is_active=True)
    return {user.pk for user in users if can_manage_meeting(user, meeting)}


def room_snapshot(meeting_id: int) -> dict | None:
    """Sync, in the tenant's schema: the room's snapshot for anyone who may watch it (checked
    by the caller: the subscription's gate), shared between its watchers; None when there is
    no such meeting."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    return participants_snapshot(meeting=meeting) if meeting is not None else None


def _watchable(user_id: int, meeting_id: int) -> Meeting | None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return access_meeting_or_none(user, meeting_id, to="manage") if user else None


def unmatched_participants(*, meeting: Meeting) -> list[dict]:
    """Participants for the teacher to resolve, one row each: those no one could identify, and
    those matched only by what they typed into Zoom (`suggested`: whom they claim to be), with
    the evidence: the name and email as typed, how they were matched, when they were in."""
    rows: dict[str, dict[str, Any]] = {}
    sessions = (
        ParticipantSession.objects.filter(meeting=meeting)
        .filter(Q(user__isnull=True) | Q(verified=False))
        .exclude(role=ParticipantRole.HOST)
        .exclude(guest__isnull=False)  # an invited guest, known by their Zoom registration
        .select_related("user")
        .order_by("id")
    )
    for s in sessions:
        row = rows.setdefault(
            s.participant_key,
            {
                "key": s.participant_key,
                "name": s.name,
                "email": s.email,
                "suggested": s.user,
                "matched_by": s.matched_by,
                "joined_at": s.joined_at,
                "left_at": s.left_at,
            },
        )
        if s.joined_at and (row["joined_at"] is None or s.joined_at < row["joined_at"]):
            row["joined_at"] = s.joined_at
        if row["left_at"] is not None and (s.left_at is None or s.left_at > row["left_at"]):
            row["left_at"] = s.left_at  # None while still in the room
    return list(rows.values())
