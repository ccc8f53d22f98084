"""Reads of recordings: a session's recordings as a viewer may see them, and the sessions whose
recording may have been missed. Access is attendance.recordings.policy's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from attendance.recordings.models import Recording, RecordingFile, Summary, Transcript
from meetings.models import Meeting
from meetings.policy import NotFound, meetings_visible
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


MAX_AVAILABILITY = 50  # sessions asked at once (a page of the past list)


@dataclass(frozen=True)
class Availability:
    """What a viewer may know of a session's recordings (`recordingAvailability`)."""

    meeting_id: int
    shared: bool
    available: int = 0
    deleted: bool = False
    transcript_status: str | None = None
    has_summary: bool = False


def recording_availability(user: User, meeting_ids: list[int]) -> list[Availability]:
    """For each of `meeting_ids` (at most MAX_AVAILABILITY, in the order given) that `user` may
    see: whether its recordings are shared with them and, if so, how many are available,
    whether one was deleted, its transcript's status, whether it has a summary. Sessions they
    cannot see are left out. Three queries however many sessions."""
    from attendance.recordings.policy import meetings_with_recordings_visible

    ids = list(dict.fromkeys(meeting_ids))[:MAX_AVAILABILITY]
    if not ids:
        return []
    visible = set(meetings_visible(user).filter(pk__in=ids).values_list("pk", flat=True))
    if not visible:
        return []
    rows = (
        meetings_with_recordings_visible(user)
        .filter(pk__in=visible)
        .annotate(
            available=Count("recordings", filter=Q(recordings__status=Recording.Status.AVAILABLE)),
            deleted=Exists(
                Recording.objects.filter(meeting=OuterRef("pk"), status=Recording.Status.DELETED)
            ),
            transcript_status=Subquery(
                Transcript.objects.filter(meeting=OuterRef("pk")).values("status")[:1]
            ),
            has_summary=Exists(Summary.objects.filter(meeting=OuterRef("pk"))),
        )
        .values_list("pk", "available", "deleted", "transcript_status", "has_summary")
    )
    shared = {
        pk: Availability(pk, True, available, deleted, status, summary)
        for pk, available, deleted, status, summary in rows
    }
    return [shared.get(pk) or Availability(pk, False) for pk in ids if pk in visible]


def may_follow_session_recordings(user_id: int, meeting_id: int) -> bool:
    """Sync: whether the active user `user_id` may see session `meeting_id`'s recordings (the
    policy's one door), for its live events (`sessionRecordingEvents`), at subscribe and
    again before events."""
    from attendance.recordings.policy import access_session_recordings

    user = User.objects.filter(pk=user_id, is_active=True).first()
    try:
        return access_session_recordings(user, meeting_id, to="read").shared
    except NotFound:
        return False


def followers_still_allowed(user_ids: list[int], meeting_id: int) -> set[int]:
    """`may_follow_session_recordings` of several users (realtime.access.RoomGate): a page
    has few followers, so each goes through the policy's one door, in one trip to the
    database thread."""
    return {u for u in user_ids if may_follow_session_recordings(u, meeting_id)}
