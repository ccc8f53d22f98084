"""Who may see a session's recording, transcript and summary, and who may delete them: the one
place the GraphQL fields, the search, the play and download routes and the summaries go through.

Those who manage the session see them always (admins; its host; its class's teachers). The
class's enrolled students, and the parents of enrolled students, see them when the school
allows it (`RecordingSettings.students_may_view` / `parents_may_view`). Nobody else: a
school-wide session's recording is not shown to every student of the school. Deleting is for
those who manage the session. Fails closed, like `meetings.policy`: an inactive user or an
unknown role sees nothing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from attendance.recordings.models import Recording, RecordingFile, RecordingSettings
from meetings.models import Meeting
from meetings.policy import NotFound, can_manage_meeting, meetings_visible
from tenants.accounts.models import Role, User
from tenants.ids import pk_or_none


def recording_settings() -> RecordingSettings:
    """The school's settings (the defaults, unsaved, when it has none)."""
    return RecordingSettings.objects.first() or RecordingSettings()


def _active(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def meetings_with_recordings_visible(
    user: User | None, *, settings: RecordingSettings | None = None
) -> QuerySet[Meeting]:
    """The sessions whose recordings, transcripts and summaries `user` may see."""
    if user is None or not _active(user) or user.role not in Role.values:
        return Meeting.objects.none()
    if user.role == Role.ADMIN:
        return Meeting.objects.all()
    settings = settings or recording_settings()
    rule = Q(host=user)
    if user.role == Role.TEACHER:
        rule |= Q(school_class__teachers=user)
    elif user.role == Role.STUDENT:
        if not settings.students_may_view:
            return Meeting.objects.none()
        rule = Q(school_class__students=user)
    elif user.role == Role.PARENT:
        if not settings.parents_may_view:
            return Meeting.objects.none()
        rule = Q(school_class__students__parent_links__parent=user)
    # Joins through many-to-many relations repeat rows: select by id instead.
    return Meeting.objects.filter(pk__in=Meeting.objects.filter(rule).values("pk"))


def recordings_visible(user: User | None) -> QuerySet[Recording]:
    """Recordings `user` may play (deleted ones included: callers filter by status)."""
    return Recording.objects.filter(meeting__in=meetings_with_recordings_visible(user))


def can_see_recordings(user: User | None, meeting: Meeting) -> bool:
    """The same rule for one session."""
    if user is None or not _active(user):
        return False
    if can_manage_meeting(user, meeting):
        return True
    return meetings_with_recordings_visible(user).filter(pk=meeting.pk).exists()


def can_manage_recordings(user: User | None, meeting: Meeting) -> bool:
    """Deleting a session's recording (here and at Zoom) and writing its summary again."""
    return user is not None and can_manage_meeting(user, meeting)


def access_recording(user: User | None, recording_id: object, *, to: str = "read") -> Recording:
    """One recording for `user`: "missing" and "not yours" are the same NotFound."""
    pk = pk_or_none(recording_id)
    recording = (
        recordings_visible(user).select_related("meeting", "meeting__school_class").filter(pk=pk)
        if pk is not None
        else Recording.objects.none()
    ).first()
    if recording is None:
        raise NotFound("recording")
    if to == "manage" and not can_manage_recordings(user, recording.meeting):
        raise NotFound("recording")
    return recording


def access_recording_file(user: User | None, file_id: object) -> RecordingFile:
    """One file of a recording `user` may see, for playing or downloading: "missing", "not
    yours" and "its recording was deleted" are the same NotFound."""
    pk = pk_or_none(file_id)
    found = (
        RecordingFile.objects.select_related(
            "recording", "recording__meeting", "recording__meeting__school_class"
        )
        .filter(
            pk=pk,
            recording__in=recordings_visible(user),
            recording__status=Recording.Status.AVAILABLE,
        )
        .first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFound("recording")
    return found


def access_session_recordings(user: User | None, meeting_id: object) -> tuple[Meeting, bool]:
    """A session and whether `user` may see its recordings. NotFound when they may see
    neither the session nor its recordings; a session they may see whose recordings are not
    for them (a student, when the school does not show them) is (session, False)."""
    pk = pk_or_none(meeting_id)
    meeting = (
        Meeting.objects.select_related("school_class").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if meeting is None or not _active(user):
        raise NotFound("meeting")
    if can_see_recordings(user, meeting):
        return meeting, True
    if meetings_visible(user).filter(pk=meeting.pk).exists():
        return meeting, False
    raise NotFound("meeting")
