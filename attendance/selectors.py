from django.db.models import Count

from attendance.models import ParticipantSession
from meetings.models import Meeting
from meetings.policy import access_meeting_or_none
from meetings.selectors import meeting_summary
from tenants.accounts.models import User
from tenants.accounts.selectors import is_active_admin


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


def participant_data(session: ParticipantSession) -> dict:
    """A participant as realtime events and snapshots carry them: plain data."""
    return {
        "key": session.participant_key,
        "name": session.name,
        "role": session.role,
        "joined_at": session.joined_at.isoformat() if session.joined_at else None,
        "left_at": session.left_at.isoformat() if session.left_at else None,
    }


def participants_snapshot(*, meeting: Meeting) -> dict:
    """Who is in the room now, and who has been: plain data for dashboards."""
    sessions = ParticipantSession.objects.filter(meeting=meeting).order_by("joined_at", "id")
    return {
        "meeting": meeting_summary(meeting),
        "participants": [participant_data(s) for s in sessions],
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


def room_snapshot_for(user_id: int, meeting_id: int) -> dict | None:
    """Sync, in the tenant's schema: the room's snapshot, or None when this user may not
    watch it (the host, the class's teachers and admins may). For the subscriptions."""
    meeting = _watchable(user_id, meeting_id)
    return participants_snapshot(meeting=meeting) if meeting is not None else None


def may_watch_room(user_id: int, meeting_id: int) -> bool:
    return _watchable(user_id, meeting_id) is not None


def _watchable(user_id: int, meeting_id: int) -> Meeting | None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return access_meeting_or_none(user, meeting_id, to="manage") if user else None


def live_snapshot_for(user_id: int) -> list | None:
    """Sync: the running classes, or None unless the user is an active admin."""
    return live_meetings_snapshot() if is_active_admin(user_id) else None


def unmatched_participants(*, meeting: Meeting) -> list[dict]:
    """Participants no one could identify, one row each, for the teacher to resolve."""
    rows: dict[str, dict[str, str]] = {}
    for s in ParticipantSession.objects.filter(meeting=meeting, user__isnull=True).order_by("id"):
        rows.setdefault(
            s.participant_key, {"key": s.participant_key, "name": s.name, "email": s.email}
        )
    return list(rows.values())
