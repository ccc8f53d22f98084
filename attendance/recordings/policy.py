"""Who may see a session's recording, transcript and summary, and who may delete them: the one
place the GraphQL fields, the search, the play and download routes and the summaries go through.

Those who manage the session see them always (admins; its host; its class's teachers). A
student or a parent sees them when all three hold: they may see the session at all
(`meetings.policy.meetings_visible`: a staff session or someone else's 1:1 linked to the class
is not theirs), it is of their class (enrolled / parent of someone enrolled), and the school
allows it (`RecordingSettings.students_may_view` / `parents_may_view`). Nobody else: a
school-wide session's recording is not shown to every student of the school. Students and
parents get only the files in VIEWER_FILE_TYPES (not the chat, nor the timeline with
classmates' names and emails). Deleting and rewriting are for those who manage the session.
Fails closed, like `meetings.policy`: an inactive user or an unknown role sees nothing.

The API rule: NotFound only when the viewer cannot see the session itself; a session they see
whose recordings are not for them is `SessionAccess(shared=False)` (the fields answer [] or
null); the mutations keep NotFound (`to="manage"`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.db.models import Q, QuerySet

from attendance.recordings.models import Recording, RecordingFile, RecordingSettings
from meetings.models import Meeting
from meetings.policy import NotFound, can_manage_meeting, meetings_visible
from tenants.accounts.models import Role, User
from tenants.ids import pk_or_none

# The kinds of file students and parents may see, play and download; managers have them all.
VIEWER_FILE_TYPES = frozenset({"MP4", "M4A", "TRANSCRIPT", "CC"})


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
    meetings = Meeting.objects.filter(pk__in=Meeting.objects.filter(rule).values("pk"))
    if user.role in (Role.STUDENT, Role.PARENT):
        # Of their class, and a session they may see at all (not a staff session, not
        # someone else's 1:1).
        meetings = meetings.filter(pk__in=meetings_visible(user).values("pk"))
    return meetings


def recordings_visible(user: User | None) -> QuerySet[Recording]:
    """Recordings `user` may play (deleted ones included: callers filter by status)."""
    return Recording.objects.filter(meeting__in=meetings_with_recordings_visible(user))


def can_manage_recordings(user: User | None, meeting: Meeting) -> bool:
    """Deleting a session's recording (here and at Zoom) and writing its summary again."""
    return user is not None and can_manage_meeting(user, meeting)


def file_shown(file_type: str, *, manages: bool) -> bool:
    """Whether a viewer (who may see the recording) may see and open a file of this kind."""
    return manages or file_type.upper() in VIEWER_FILE_TYPES


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
    yours", "not a kind of file for you" and "its recording was deleted" are the same
    NotFound."""
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
    manages = can_manage_recordings(user, found.recording.meeting)
    if not file_shown(found.file_type, manages=manages):
        raise NotFound("recording")
    return found


@dataclass(frozen=True)
class SessionAccess:
    """A session the viewer may see; `shared`: they may see its recordings, transcript and
    summary; `manages`: they may delete and rewrite them (and see every kind of file)."""

    meeting: Meeting
    shared: bool
    manages: bool


def access_session_recordings(
    user: User | None, meeting_id: object, *, to: Literal["read", "manage"] = "read"
) -> SessionAccess:
    """The one door to a session's recordings, transcript and summary. NotFound when `user`
    cannot see the session itself ("missing" and "not yours" are one), or, `to="manage"`, does
    not manage it. A session they see whose recordings are not for them is `shared=False`."""
    pk = pk_or_none(meeting_id)
    if pk is None or user is None or not _active(user) or user.role not in Role.values:
        raise NotFound("meeting")
    meeting = Meeting.objects.select_related("school_class").filter(pk=pk).first()
    if meeting is None:
        raise NotFound("meeting")
    if can_manage_recordings(user, meeting):
        return SessionAccess(meeting=meeting, shared=True, manages=True)
    if to == "manage" or not meetings_visible(user).filter(pk=pk).exists():
        raise NotFound("meeting")
    shared = meetings_with_recordings_visible(user).filter(pk=pk).exists()
    return SessionAccess(meeting=meeting, shared=shared, manages=False)
