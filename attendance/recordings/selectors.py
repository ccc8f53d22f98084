"""Reads of recordings: a session's recordings as a viewer may see them, and the sessions whose
recording may have been missed. Access is attendance.recordings.policy's."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from attendance.recordings.models import Recording, RecordingFile
from attendance.recordings.policy import can_see_recordings
from meetings.models import Meeting
from tenants.accounts.models import User

# A session has a recording or two (a class stopped and started again in Zoom); these bound
# the lists all the same.
MAX_RECORDINGS = 20
MAX_FILES = 50


def session_recordings(meeting: Meeting) -> list[Recording]:
    """The session's available recordings by start, each with its files prefetched (two
    queries however many there are)."""
    rows = (
        Recording.objects.filter(meeting=meeting, status=Recording.Status.AVAILABLE)
        .prefetch_related(
            Prefetch("files", queryset=RecordingFile.objects.order_by("recording_start", "pk"))
        )
        .order_by("start_time", "pk")[:MAX_RECORDINGS]
    )
    return list(rows)


def recording_deleted(*, meeting: Meeting, zoom_uuid: str) -> bool:
    """Whether the session's recording of this Zoom instance was deleted here (what Zoom says
    of it afterwards, a late event, brings nothing back)."""
    return Recording.objects.filter(
        meeting=meeting, zoom_uuid=zoom_uuid or meeting.zoom_uuid, status=Recording.Status.DELETED
    ).exists()


def sessions_without_recording(
    *, now: datetime | None = None, lookback_days: int, settle_minutes: int, limit: int
) -> QuerySet[Meeting]:
    """Ended sessions on Zoom of the last `lookback_days` with no recording stored, that ended
    at least `settle_minutes` ago: newest first, at most `limit`."""
    now = now or timezone.now()
    return (
        Meeting.objects.filter(
            status=Meeting.Status.ENDED,
            actual_end__gte=now - timedelta(days=lookback_days),
            actual_end__lte=now - timedelta(minutes=settle_minutes),
            recordings__isnull=True,
        )
        .exclude(zoom_uuid="")
        .order_by("-actual_end", "-pk")[:limit]
    )


def may_follow_session_recordings(user_id: int, meeting_id: int) -> bool:
    """Sync: whether the active user `user_id` may see session `meeting_id`'s recordings, for
    its live events (`sessionRecordingEvents`), at subscribe and again before events."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    meeting = Meeting.objects.select_related("school_class").filter(pk=meeting_id).first()
    return user is not None and meeting is not None and can_see_recordings(user, meeting)
