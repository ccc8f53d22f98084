"""The writes of recordings: keeping what Zoom says of a session's cloud recording (its
`recording.completed` event, or Zoom asked when that event was missed), deleting a recording here
and at Zoom, and the school's retention. Who may do what is attendance.recordings.policy's; the
play and download links are never stored (attendance.recordings.views asks Zoom each time)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from attendance.events import RecordingCompleted, RecordingDeleted
from attendance.recordings.models import (
    Recording,
    RecordingFile,
    Summary,
    Transcript,
)
from attendance.recordings.policy import recording_settings
from attendance.recordings.transcripts import cues_delete, transcript_request
from meetings.models import Meeting, ZoomSettings
from meetings.providers.base import (
    MeetingProvider,
    MeetingProviderError,
    NotFoundError,
    ProviderUnavailableError,
    RateLimitError,
)
from meetings.providers.base import Recording as ProviderRecording
from meetings.providers.base import RecordingFile as ProviderFile
from meetings.retention import meetings_past_retention
from meetings.zoom.links import origin_of, zoom_link_clean
from realtime.events import publish
from tenants.accounts.models import User
from tenants.audit.services import audit_record
from tenants.connection import tenant_connection
from tenants.text import text_clean

logger = logging.getLogger(__name__)

# A session's recording is asked of Zoom this long after the session ended, in case its
# `recording.completed` never comes (Zoom takes up to about the class's length to make it);
# then by the `recordings-reconcile` job, for sessions that ended within the lookback, newest
# first, at most a batch a run (those of the last hours are asked in every run).
RECONCILE_AFTER_MINUTES = 120
RECONCILE_LOOKBACK_DAYS = 3
RECONCILE_BATCH = 100
# Recordings deleted by the retention job in one run of one school (each is a call to Zoom).
RETENTION_BATCH = 50
# Transcripts (with their cues and summary) of sessions past retention deleted per statement.
TRANSCRIPT_BATCH = 200

ReconcileOutcome = Literal["stored", "known", "none", "skipped", "failed"]


def _api_origin() -> str:
    """The school's Zoom API origin as `scheme://host:port` ("" for Zoom's own)."""
    return origin_of(ZoomSettings.objects.values_list("api_base_url", flat=True).first() or "")


# What the columns hold (a signed event may carry any JSON: a value beyond them must not fail
# the event into retry after retry).
MAX_BYTES = 2**62
MAX_SECONDS = 2**31 - 1


_text = text_clean


def _file_key(file: ProviderFile) -> str:
    """Zoom's file id; for a file without one (never seen, but the event is not ours to trust),
    a key made of what it is, so that a repeated event still finds it."""
    if file.id:
        return _text(file.id, 100)
    start = file.recording_start.isoformat() if file.recording_start else ""
    return _text(f"no-id:{file.file_type}:{file.recording_type}:{start}", 100)


def _span_seconds(files: list[RecordingFile]) -> int:
    starts = [f.recording_start for f in files if f.recording_start is not None]
    ends = [f.recording_end for f in files if f.recording_end is not None]
    if not starts or not ends:
        return 0
    return min(MAX_SECONDS, max(0, int((max(ends) - min(starts)).total_seconds())))


# --- storing ----------------------------------------------------------------------------------


def recording_store(
    *,
    meeting: Meeting,
    recording: ProviderRecording,
    source: str = Recording.Source.WEBHOOK,
    webhook_event_id: int | None = None,
) -> Recording | None:
    """Keep a session's recording and each of its files (kind, recording type, extension,
    size, times, Zoom's status and its links, sealed at rest), as `recording.completed` or
    Zoom's recordings endpoint describe it. Each link is checked: one that is not Zoom's is
    dropped and logged, the rest kept.

    Idempotent: a repeated event changes nothing; a later one with more files adds them, and
    a file's status or size follows the latest word. A recording deleted here is never brought
    back (None). Publishes `recording.completed` after commit when something changed."""
    origin = _api_origin()
    refused: list[str] = []

    def clean(link: str) -> str:
        kept = zoom_link_clean(link, api_origin=origin) if link else ""
        if link and not kept:
            refused.append(link)
        return kept

    share_url = clean(recording.share_url)
    incoming = {
        _file_key(f): (f, clean(f.play_url), clean(f.download_url)) for f in recording.files
    }
    if refused:
        logger.warning(
            "recording of meeting %s (%s, webhook event %s): dropped %d link(s) not on Zoom's"
            " hosts, e.g. one to %r",
            meeting.pk,
            source,
            webhook_event_id,
            len(refused),
            refused[0].split("?")[0][:60],  # not the query: it may carry a passcode
        )
    zoom_uuid = _text(recording.uuid or meeting.zoom_uuid, 100)
    with transaction.atomic():
        row, created = Recording.objects.select_for_update().get_or_create(
            meeting=meeting, zoom_uuid=zoom_uuid, defaults={"source": source}
        )
        if row.status == Recording.Status.DELETED:
            logger.info(
                "recording %s of meeting %s was deleted here: %s ignored",
                row.pk,
                meeting.pk,
                f"webhook event {webhook_event_id}" if webhook_event_id else source,
            )
            return None
        known = {f.zoom_file_id: f for f in RecordingFile.objects.filter(recording=row)}
        added, changed = [], []
        for key, (file, play_url, download_url) in incoming.items():
            facts = {
                "file_type": _text(file.file_type, 32),
                "recording_type": _text(file.recording_type, 64),
                "file_extension": _text(file.file_extension, 16),
                "file_size": min(file.file_size, MAX_BYTES),
                "recording_start": file.recording_start,
                "recording_end": file.recording_end,
                "status": _text(file.status, 32),
            }
            stored = known.get(key)
            if stored is None:
                added.append(
                    RecordingFile(
                        recording=row,
                        zoom_file_id=key,
                        play_url=play_url,
                        download_url=download_url,
                        **facts,
                    )
                )
                continue
            # A later word wins, but a blank one does not erase what is known.
            updates = {
                name: value
                for name, value in {
                    **facts,
                    "play_url": play_url,
                    "download_url": download_url,
                }.items()
                if value not in ("", None) and getattr(stored, name) != value
            }
            if updates:
                for name, value in updates.items():
                    setattr(stored, name, value)
                changed.append((stored, list(updates)))
        if added:
            RecordingFile.objects.bulk_create(added, ignore_conflicts=True)
        for stored, names in changed:
            stored.save(update_fields=names)
        files = list(RecordingFile.objects.filter(recording=row))
        starts = [f.recording_start for f in files if f.recording_start is not None]
        totals = {
            "share_url": share_url or row.share_url,
            "start_time": recording.start_time
            or row.start_time
            or (min(starts) if starts else None),
            "duration_seconds": max(
                row.duration_seconds,
                _span_seconds(files) or min(MAX_SECONDS, recording.duration_minutes * 60),
            ),
            # Never less than its files; Zoom's own total when it says more.
            "total_size": min(
                MAX_BYTES,
                max(row.total_size, recording.total_size, sum(f.file_size for f in files)),
            ),
        }
        totals_changed = [name for name, value in totals.items() if getattr(row, name) != value]
        if totals_changed:
            for name, value in totals.items():
                setattr(row, name, value)
            row.save(update_fields=[*totals_changed, "updated_at"])
        if created or added or changed or totals_changed:
            publish(RecordingCompleted(meeting_id=meeting.pk))
    return row


def recording_reconcile(
    *, meeting_id: int, provider: MeetingProvider | None = None
) -> ReconcileOutcome:
    """Ask Zoom for a session's recording when its `recording.completed` may have been missed,
    and keep it as the event would have (source "reconcile"). Zoom's "no recording" (3301) is
    an answer: "none". A Zoom that cannot be reached or is rate limited raises (the actor
    tries again later); any other refusal is logged: "failed"."""
    from meetings.zoom.factory import provider_for_meeting

    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None or not meeting.zoom_uuid or meeting.status != Meeting.Status.ENDED:
        return "skipped"
    if Recording.objects.filter(meeting=meeting, zoom_uuid=meeting.zoom_uuid).exists():
        return "known"
    try:
        provider = provider or provider_for_meeting(meeting)
        found = provider.get_recording(meeting.zoom_uuid)
    except NotFoundError:
        return "none"
    except (ProviderUnavailableError, RateLimitError):
        raise
    except MeetingProviderError as exc:
        logger.warning(
            "recording of meeting %s: Zoom was not asked or refused (%s: %s)",
            meeting.pk,
            type(exc).__name__,
            exc,
        )
        return "failed"
    if not found.files:
        return "none"
    with transaction.atomic():
        stored = recording_store(
            meeting=meeting, recording=found, source=Recording.Source.RECONCILE
        )
        if stored is None:
            return "known"
        # Its transcript's event was likely missed too: fetched as that event would have.
        transcripts = found.transcript_files()
        if transcripts:
            transcript_request(
                meeting=meeting,
                zoom_file_id=transcripts[0].id,
                zoom_uuid=found.uuid or meeting.zoom_uuid,
            )
    logger.info("recording of meeting %s stored from Zoom (its event was missed)", meeting.pk)
    return "stored"


# --- deleting ---------------------------------------------------------------------------------


def _transcripts_of(recording: Recording) -> QuerySet[Transcript]:
    """The session's transcript that goes with `recording`: made from it; or, when the session
    keeps no other recording, whichever it has."""
    transcripts = Transcript.objects.filter(meeting_id=recording.meeting_id)
    others = Recording.objects.filter(
        meeting_id=recording.meeting_id, status=Recording.Status.AVAILABLE
    ).exclude(pk=recording.pk)
    return transcripts.filter(recording=recording) if others.exists() else transcripts


def _transcripts_delete(transcripts: list[int]) -> tuple[int, int]:
    """Delete these transcripts, their cues and their summaries; (transcripts, summaries)."""
    if not transcripts:
        return 0, 0
    summaries = Summary.objects.filter(transcript_id__in=transcripts).delete()[0]
    cues_delete(transcript_ids=transcripts)  # one statement, no row loaded
    deleted = Transcript.objects.filter(pk__in=transcripts).delete()[1]
    return deleted.get(Transcript._meta.label, 0), summaries


def recording_delete(
    *,
    recording: Recording,
    actor: User | None,
    ip: str | None = None,
    reason: str = "manual",
    provider: MeetingProvider | None = None,
) -> bool:
    """Delete a recording at Zoom first (for good: `delete_recording`), then here: it is
    marked deleted, its files lose their links, and its transcript (with the cues) and summary
    are deleted. Audited (`recording.deleted`; `actor` None is the system, e.g. retention).
    Zoom's "already gone" counts as done. A Zoom failure raises (MeetingProviderError) and
    leaves everything as it was. False when it was deleted already."""
    from meetings.zoom.factory import provider_for_meeting

    if recording.status == Recording.Status.DELETED:
        return False
    at_zoom = "no uuid"
    if recording.zoom_uuid:
        provider = provider or provider_for_meeting(recording.meeting)
        at_zoom = "deleted" if provider.delete_recording(recording.zoom_uuid) else "already gone"
    return _recording_mark_deleted(
        recording=recording, actor=actor, ip=ip, reason=reason, at_zoom=at_zoom
    )


def _recording_mark_deleted(
    *, recording: Recording, actor: User | None, ip: str | None, reason: str, at_zoom: str
) -> bool:
    """The recording deleted here (whatever became of it at Zoom: `at_zoom` says, in the
    audit entry): marked deleted, its files' links dropped, its transcript and summary gone."""
    with transaction.atomic():
        row = Recording.objects.select_for_update().get(pk=recording.pk)
        if row.status == Recording.Status.DELETED:
            return False  # someone else got here first
        row.status = Recording.Status.DELETED
        row.deleted_at = timezone.now()
        row.deleted_by = actor
        row.share_url = ""
        row.save(update_fields=["status", "deleted_at", "deleted_by", "share_url", "updated_at"])
        files = RecordingFile.objects.filter(recording=row).update(play_url="", download_url="")
        transcripts = list(_transcripts_of(row).values_list("pk", flat=True))
        transcripts_deleted, summaries_deleted = _transcripts_delete(transcripts)
        audit_record(
            actor=actor,
            actor_label="" if actor is not None else "system",
            action="recording.deleted",
            target=row,
            ip=ip,
            details={
                "meeting": row.meeting_id,
                "zoom": at_zoom,
                "files": files,
                "transcripts": transcripts_deleted,
                "summaries": summaries_deleted,
                "reason": reason,
            },
        )
        publish(RecordingDeleted(meeting_id=row.meeting_id, recording_id=row.pk))
    recording.status = row.status
    recording.deleted_at = row.deleted_at
    return True


# --- retention --------------------------------------------------------------------------------


@dataclass
class RetentionPurged:
    recordings: int = 0  # deleted (their transcripts and summaries in their own audit entry)
    failed: int = 0  # Zoom could not delete them now: next run (their transcripts went)
    refused: int = 0  # Zoom refused for good: deleted here only ("not deleted at Zoom")
    transcripts: int = 0  # of sessions past retention with no recording left
    summaries: int = 0


# Zoom's "the recording is still being processed" (HTTP 400): a refusal for now, not for good.
ZOOM_BUSY_CODES = frozenset({"3303"})


def recordings_retention_purge(
    *, now: datetime | None = None, batch: int = RETENTION_BATCH
) -> RetentionPurged:
    """The school's `retention_days`: recordings of sessions that ended longer ago are deleted
    through `recording_delete` (here and at Zoom, with their transcript and summary; the
    system as the actor), at most `batch` a run; then the transcripts and summaries of such
    sessions that have no recording left (deleted at Zoom first, or never stored). The
    transcript and summary go whatever Zoom answers. A recording Zoom cannot delete now
    (unreachable, rate limited) stays, is logged and counted, and goes to the back of the
    queue; one Zoom refuses for good (not connected, any other refusal) is deleted here, the
    audit entry saying "not deleted at Zoom: <reason>". Idempotent: what is deleted no longer
    matches."""
    result = RetentionPurged()
    days = recording_settings().retention_days
    if not days:
        return result
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    past = meetings_past_retention(cutoff=cutoff).values("pk")
    due = (
        Recording.objects.filter(status=Recording.Status.AVAILABLE, meeting__in=past)
        .select_related("meeting")
        # The ones Zoom refused last time were touched: they come last.
        .order_by("updated_at", "pk")[:batch]
    )
    for recording in due:
        try:
            try:
                if recording_delete(recording=recording, actor=None, reason="retention"):
                    result.recordings += 1
            except MeetingProviderError as exc:
                if str(exc.code) in ZOOM_BUSY_CODES:
                    raise ProviderUnavailableError(
                        exc.message, status=exc.status, code=exc.code
                    ) from exc
                raise
        except (ProviderUnavailableError, RateLimitError) as exc:
            # Zoom is to be asked again next run; what is kept here goes now, as promised.
            result.failed += 1
            with transaction.atomic():
                Recording.objects.filter(pk=recording.pk).update(updated_at=now)
                ids = list(_transcripts_of(recording).values_list("pk", flat=True))
                transcripts, summaries = _transcripts_delete(ids)
                result.transcripts += transcripts
                result.summaries += summaries
            logger.warning(
                "retention: recording %s of meeting %s not deleted at Zoom yet (%s: %s);"
                " its transcript deleted, Zoom asked again next run",
                recording.pk,
                recording.meeting_id,
                type(exc).__name__,
                exc,
            )
        except MeetingProviderError as exc:  # not connected, refused: asking again won't help
            result.refused += 1
            _recording_mark_deleted(
                recording=recording,
                actor=None,
                ip=None,
                reason="retention",
                at_zoom=f"not deleted at Zoom: {exc.message}"[:300],
            )
            logger.warning(
                "retention: recording %s of meeting %s deleted here, not at Zoom (%s: %s)",
                recording.pk,
                recording.meeting_id,
                type(exc).__name__,
                exc,
            )
    available = Recording.objects.filter(
        meeting_id=OuterRef("meeting_id"), status=Recording.Status.AVAILABLE
    )
    orphans = Transcript.objects.filter(meeting__in=past).filter(~Exists(available))
    while True:
        with transaction.atomic():
            ids = list(orphans.order_by().values_list("pk", flat=True)[:TRANSCRIPT_BATCH])
            transcripts, summaries = _transcripts_delete(ids)
            result.transcripts += transcripts
            result.summaries += summaries
        if len(ids) < TRANSCRIPT_BATCH:
            break
    if result != RetentionPurged():
        audit_record(
            actor_label="system",
            action="retention.recordings.purged",
            details={**asdict(result), "days": days, "cutoff": cutoff.isoformat()},
        )
        logger.info(
            "retention: recordings of %s purged %s", tenant_connection().schema_name, result
        )
    return result


# --- playing and downloading ------------------------------------------------------------------

# The kinds of file a browser plays at Zoom (its play page); the others are downloaded.
PLAYABLE_TYPES = frozenset({"MP4", "M4A"})
FileUse = Literal["play", "download"]


class RecordingFileGone(Exception):
    """Zoom no longer has the file (deleted there, or expired)."""


def recording_file_playable(file: RecordingFile) -> bool:
    return file.file_type.upper() in PLAYABLE_TYPES and file.status in ("", "completed")


def recording_file_downloadable(file: RecordingFile) -> bool:
    return file.status in ("", "completed")


def recording_file_open(
    *,
    file: RecordingFile,
    use: FileUse,
    user: User,
    ip: str | None = None,
    provider: MeetingProvider | None = None,
) -> str:
    """A fresh link that plays or downloads `file` at Zoom, for `user` (whom the policy let
    through), now: Zoom is asked each time (a download token lives minutes and is never
    stored). Audited (`recording.played` / `recording.downloaded`). RecordingFileGone when
    Zoom no longer has it; MeetingProviderError when Zoom cannot be asked or refuses."""
    from meetings.zoom.factory import provider_for_meeting

    recording = file.recording
    if not recording.zoom_uuid:
        raise RecordingFileGone(f"recording {recording.pk} has no Zoom uuid")
    provider = provider or provider_for_meeting(recording.meeting, interactive=True)
    try:
        links = provider.recording_file_links(recording.zoom_uuid)
    except NotFoundError as exc:
        raise RecordingFileGone(f"Zoom has no recording {recording.zoom_uuid!r}") from exc
    link = next((item for item in links if item.file_id == file.zoom_file_id), None)
    if link is None:
        raise RecordingFileGone(f"Zoom's recording no longer lists file {file.zoom_file_id!r}")
    url = link.play_url if use == "play" else link.download_url
    if not url:
        raise MeetingProviderError(f"Zoom gave no {use} link for file {file.zoom_file_id!r}")
    audit_record(
        actor=user,
        action="recording.played" if use == "play" else "recording.downloaded",
        target=file,
        ip=ip,
        details={
            "meeting": recording.meeting_id,
            "recording": recording.pk,
            "file_type": file.file_type,
        },
    )
    return url
