from attendance.models import ParticipantSession
from attendance.services import live_count, live_counts, participant_data
from meetings.models import Meeting
from meetings.selectors import meeting_summary


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


def unmatched_participants(*, meeting: Meeting) -> list[dict]:
    """Participants no one could identify, one row each, for the teacher to resolve."""
    rows: dict[str, dict[str, str]] = {}
    for s in ParticipantSession.objects.filter(meeting=meeting, user__isnull=True).order_by("id"):
        rows.setdefault(
            s.participant_key, {"key": s.participant_key, "name": s.name, "email": s.email}
        )
    return list(rows.values())
