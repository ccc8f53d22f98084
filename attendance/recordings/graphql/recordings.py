"""A session's recordings (`sessionRecordings`) and deleting one (`deleteRecording`). Files are
shown with the platform's own play and download links (attendance.recordings.views), never
Zoom's: those are asked of Zoom when someone follows the link."""

from __future__ import annotations

from datetime import datetime

import strawberry
from django.urls import reverse
from strawberry.types import Info

import meetings.graphql.errors  # noqa: F401 - the policy's NotFound and Zoom's failures as typed errors
from attendance.recordings.models import Recording as RecordingRow
from attendance.recordings.models import RecordingFile as RecordingFileRow
from attendance.recordings.policy import (
    access_recording,
    access_session_recordings,
    file_shown,
)
from attendance.recordings.selectors import (
    MAX_AVAILABILITY,
    MAX_FILES,
    recording_availability,
    session_recordings,
)
from attendance.recordings.services import (
    recording_delete,
    recording_file_downloadable,
    recording_file_playable,
)
from tenants.graphql.context import NotAllowed, client_ip, require_user
from tenants.graphql.errors import FieldError, typed_errors
from tenants.ids import pk_or_none


@strawberry.type(description="One file of a recording: a video, the audio, the transcript...")
class RecordingFile:
    id: strawberry.ID
    file_type: str = strawberry.field(description="Zoom's kind: MP4, M4A, TRANSCRIPT, CHAT...")
    recording_type: str = strawberry.field(
        description="Zoom's view: shared_screen_with_speaker_view, audio_only..."
    )
    file_extension: str
    file_size: float = strawberry.field(description="Bytes (may exceed 2^31).")
    duration_seconds: int
    play_url: str | None = strawberry.field(
        description="The platform's link that plays it at Zoom (null: not playable)."
    )
    download_url: str | None = strawberry.field(
        description="The platform's link that downloads it from Zoom (null: not ready)."
    )


@strawberry.type(description="A session's cloud recording.")
class Recording:
    id: strawberry.ID
    status: str = strawberry.field(description='"available" or "deleted".')
    start_time: datetime | None
    duration_seconds: int
    total_size: float = strawberry.field(description="Bytes (may exceed 2^31).")
    files: list[RecordingFile]
    can_delete: bool = strawberry.field(
        description="The viewer may delete it (here and at Zoom): those who manage the session."
    )


@strawberry.type(description="What the viewer may know of one session's recordings.")
class RecordingAvailability:
    meeting_id: strawberry.ID
    shared: bool = strawberry.field(
        description="The viewer may see this session's recordings (false: they are not shared"
        " with them; the other fields are then empty)."
    )
    available: int = strawberry.field(description="Recordings available.")
    deleted: bool = strawberry.field(description="It had a recording that was deleted.")
    transcript_status: str | None = strawberry.field(
        description='"pending", "ready" or "failed"; null when it has no transcript.'
    )
    has_summary: bool


@strawberry.type
class DeleteRecordingPayload:
    ok: bool = False
    errors: list[FieldError] = strawberry.field(default_factory=list)


def file_from(row: RecordingFileRow) -> RecordingFile:
    return RecordingFile(
        id=strawberry.ID(str(row.pk)),
        file_type=row.file_type,
        recording_type=row.recording_type,
        file_extension=row.file_extension,
        file_size=float(row.file_size),
        duration_seconds=row.duration_seconds,
        play_url=reverse("recording_file_play", args=[row.pk])
        if recording_file_playable(row)
        else None,
        download_url=reverse("recording_file_download", args=[row.pk])
        if recording_file_downloadable(row)
        else None,
    )


def recording_from(row: RecordingRow, *, can_delete: bool) -> Recording:
    """`can_delete` is also "manages the session": the others get only the kinds of file
    students and parents may have (policy.VIEWER_FILE_TYPES)."""
    files = [f for f in row.files.all() if file_shown(f.file_type, manages=can_delete)]
    return Recording(
        id=strawberry.ID(str(row.pk)),
        status=row.status,
        start_time=row.start_time,
        duration_seconds=row.duration_seconds,
        total_size=float(row.total_size),
        files=[file_from(f) for f in files[:MAX_FILES]],
        can_delete=can_delete,
    )


@strawberry.type
class RecordingsQuery:
    @strawberry.field(
        description="A session's available recordings, by start: for those who manage it, and"
        " for its class's students and their parents when the school shows recordings to them"
        " (an empty list for others who may see the session)."
    )
    def session_recordings(self, info: Info, meeting_id: strawberry.ID) -> list[Recording]:
        user = require_user(info)
        access = access_session_recordings(user, meeting_id)
        if not access.shared:
            return []
        return [
            recording_from(r, can_delete=access.manages) for r in session_recordings(access.meeting)
        ]

    @strawberry.field(
        description="For a page of sessions (at most 50), what the viewer may know of their"
        " recordings; sessions the viewer cannot see are left out."
    )
    def recording_availability(
        self, info: Info, meeting_ids: list[strawberry.ID]
    ) -> list[RecordingAvailability]:
        user = require_user(info)
        if len(meeting_ids) > MAX_AVAILABILITY:
            raise NotAllowed(f"At most {MAX_AVAILABILITY} sessions at once.")
        ids = [pk for pk in (pk_or_none(i) for i in meeting_ids) if pk is not None]
        return [
            RecordingAvailability(
                meeting_id=strawberry.ID(str(row.meeting_id)),
                shared=row.shared,
                available=row.available,
                deleted=row.deleted,
                transcript_status=row.transcript_status,
                has_summary=row.has_summary,
            )
            for row in recording_availability(user, ids)
        ]


@strawberry.type
class RecordingsMutation:
    @strawberry.mutation(
        description="Delete a recording here and at Zoom, with its transcript and summary"
        " (those who manage the session). Audited."
    )
    @typed_errors(DeleteRecordingPayload)
    def delete_recording(self, info: Info, id: strawberry.ID) -> DeleteRecordingPayload:
        user = require_user(info)
        recording = access_recording(user, id, to="manage")
        recording_delete(recording=recording, actor=user, ip=client_ip(info))
        return DeleteRecordingPayload(ok=True, errors=[])
