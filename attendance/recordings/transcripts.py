"""A session's transcript, from Zoom's word that it is ready to cues stored with their speakers.

1. `transcript_request` (the webhook handlers: `recording.transcript_completed`, or a
   `recording.completed` that lists a finished transcript file) marks the meeting's transcript
   pending and queues the fetch after the commit. A duplicate, or a transcript already stored,
   does nothing.
2. `transcript_fetch` (the `transcript_fetch` actor) asks Zoom for the recording's files (the
   links in the event are not used: they expire, and the event may be old), downloads the
   transcript files streamed and size-limited (LIVEROLL_TRANSCRIPT_MAX_BYTES), parses them
   (meetings.zoom.vtt: malformed cues skipped and counted), and stores the cues. Zoom being
   unavailable or rate-limited is retried by the actor with backoff, each attempt counted on
   the transcript; after the last one, or at once for what no retry mends (no recording, too
   large, Zoom not connected), the transcript is `failed` with the reason.
3. `transcript_store` replaces the meeting's cues in one transaction, links each cue's speaker
   to the session's participant and person where the name says unambiguously who it is, marks
   the transcript ready, then (after the commit) publishes `transcript.ready` and queues the
   summary.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from attendance.events import TranscriptReady
from attendance.models import ParticipantRole, ParticipantSession
from attendance.recordings import actors
from attendance.recordings.models import Recording, Transcript, TranscriptCue
from meetings.models import Meeting
from meetings.providers.base import (
    FileTooLargeError,
    MeetingProvider,
    MeetingProviderError,
    NotFoundError,
    ProviderUnavailableError,
    RateLimitError,
)
from meetings.providers.base import Transcript as ProviderTranscript
from realtime.events import publish
from tenants.text import text_clean

logger = logging.getLogger(__name__)

# The actor's first run and its retries.
MAX_ATTEMPTS = int(actors.transcript_fetch.options.get("max_retries", 0)) + 1
# What the columns hold: a cue's speaker name, and its times (PostgreSQL integer, in ms).
SPEAKER_MAX = 200
MS_MAX = 2**31 - 1
# One cue's text is a sentence or a few; a longer one (a pasted document read out, a broken
# file) is cut here so that search and summaries never meet a megabyte in one row.
CUE_TEXT_MAX = 10_000
ERROR_MAX = 500


class TranscriptNotReady(Exception):
    """Zoom lists no finished transcript file yet: raised for the actor's retry."""


# --- 1. asked for -------------------------------------------------------------------------------


def transcript_request(*, meeting: Meeting, zoom_file_id: str, zoom_uuid: str = "") -> bool:
    """Zoom says `meeting`'s transcript (its file `zoom_file_id`) is ready: mark it pending and
    fetch it after the commit. Returns whether a fetch was queued: not for a transcript stored
    already, nor for one pending for the same file (the same news twice)."""
    transcript, created = Transcript.objects.select_for_update().get_or_create(
        meeting=meeting, defaults={"zoom_file_id": zoom_file_id[:100]}
    )
    if not created and (
        transcript.status == Transcript.Status.READY
        or (
            transcript.status == Transcript.Status.PENDING
            and transcript.zoom_file_id == zoom_file_id[:100]
        )
    ):
        return False
    instance = text_clean(zoom_uuid or meeting.zoom_uuid, 100)
    transcript.status = Transcript.Status.PENDING
    transcript.zoom_file_id = zoom_file_id[:100]
    transcript.attempts = 0
    transcript.error = ""
    if transcript.recording_id is None or instance != transcript.zoom_uuid:
        transcript.recording = _recording_of(meeting, instance)
    transcript.zoom_uuid = instance
    transcript.save()
    meeting_id = meeting.pk
    transaction.on_commit(lambda: actors.transcript_fetch.send(meeting_id))
    return True


def _recording_of(meeting: Meeting, zoom_uuid: str) -> Recording | None:
    recordings = Recording.objects.filter(meeting=meeting)
    if zoom_uuid:
        recordings = recordings.filter(zoom_uuid=zoom_uuid)
    return recordings.order_by("-created_at").first()


# --- 2. fetched ---------------------------------------------------------------------------------


def transcript_fetch(
    *, meeting_id: int, provider: MeetingProvider | None = None, attempt: int | None = None
) -> str:
    """Fetch, parse and store a pending transcript (the actor's body; `provider` for tests).
    `attempt`: which of the actor's MAX_ATTEMPTS this is (from its message; by default the
    transcript's own count). Returns the transcript's status afterwards ("" when there was
    none pending: a duplicate message, one for a transcript already stored or given up on, or
    deleted meanwhile). Raises what the actor should retry, until the last attempt; the last
    one leaves the transcript failed, with the reason."""
    claimed = Transcript.objects.filter(
        meeting_id=meeting_id, status=Transcript.Status.PENDING
    ).update(attempts=F("attempts") + 1, updated_at=timezone.now())
    if not claimed:
        return ""
    transcript = (
        Transcript.objects.select_related("meeting__host", "recording")
        .filter(meeting_id=meeting_id)
        .first()
    )
    if transcript is None:
        logger.info("transcript of meeting %s: deleted while fetched; nothing to do", meeting_id)
        return ""
    attempts = transcript.attempts
    last = (attempt if attempt is not None else attempts) >= MAX_ATTEMPTS
    try:
        fetched = _download(transcript, provider)
        return transcript_store(transcript=transcript, fetched=fetched)
    except FileTooLargeError as exc:
        return _fail(
            transcript,
            f"The transcript is larger than the {exc.limit:,} bytes allowed "
            "(LIVEROLL_TRANSCRIPT_MAX_BYTES).",
        )
    except NotFoundError:
        return _fail(transcript, "Zoom has no recording of this session (deleted, or never made).")
    except (ProviderUnavailableError, RateLimitError, TranscriptNotReady) as exc:
        reason = _retry_reason(exc)
        if last:
            return _fail(transcript, f"{reason} Gave up after {transcript.attempts} attempts.")
        _note(transcript, reason)
        raise
    except MeetingProviderError as exc:  # not connected, refused, a permission missing
        return _fail(transcript, f"Zoom refused the transcript: {exc.message}")
    except Exception:
        logger.exception("transcript of meeting %s: attempt %d failed", meeting_id, attempts)
        if last:
            return _fail(transcript, "The transcript could not be stored (an unexpected error).")
        _note(transcript, "An unexpected error.")
        raise


def _download(transcript: Transcript, provider: MeetingProvider | None) -> ProviderTranscript:
    from meetings.zoom.factory import provider_for_meeting

    meeting = transcript.meeting
    # The instance it was asked for; the meeting's own uuid follows its latest instance.
    uuid = (
        transcript.zoom_uuid
        or (transcript.recording.zoom_uuid if transcript.recording else "")
        or meeting.zoom_uuid
    )
    if not uuid:
        raise NotFoundError("the session has no Zoom meeting instance")
    provider = provider or provider_for_meeting(meeting)
    fetched = provider.get_transcript(
        uuid, max_bytes=int(getattr(settings, "LIVEROLL_TRANSCRIPT_MAX_BYTES", 8 * 1024 * 1024))
    )
    if fetched is None:
        raise TranscriptNotReady("Zoom lists no finished transcript file for this session yet.")
    return fetched


def _retry_reason(exc: Exception) -> str:
    if isinstance(exc, RateLimitError):
        return "Zoom's rate limit was reached."
    if isinstance(exc, TranscriptNotReady):
        return str(exc)
    return "Zoom could not be reached, or failed."


def _note(transcript: Transcript, reason: str) -> None:
    Transcript.objects.filter(pk=transcript.pk, status=Transcript.Status.PENDING).update(
        error=reason[:ERROR_MAX], updated_at=timezone.now()
    )
    logger.warning(
        "transcript of meeting %s: attempt %d of %d failed (%s); retried later",
        transcript.meeting_id,
        transcript.attempts,
        MAX_ATTEMPTS,
        reason,
    )


def _fail(transcript: Transcript, reason: str) -> str:
    Transcript.objects.filter(pk=transcript.pk, status=Transcript.Status.PENDING).update(
        status=Transcript.Status.FAILED, error=reason[:ERROR_MAX], updated_at=timezone.now()
    )
    logger.warning(
        "transcript of meeting %s failed after %d attempt(s): %s",
        transcript.meeting_id,
        transcript.attempts,
        reason,
    )
    return Transcript.Status.FAILED


# --- 3. stored ----------------------------------------------------------------------------------


def transcript_store(*, transcript: Transcript, fetched: ProviderTranscript) -> str:
    """Replace the meeting's cues with `fetched`'s, speakers linked, and mark the transcript
    ready; after the commit, `transcript.ready` and the summary. Returns the status (a
    transcript that stopped being pending meanwhile is left as it is)."""
    meeting = transcript.meeting
    speakers = speaker_directory(meeting)
    skipped = fetched.skipped
    rows: list[TranscriptCue] = []
    for entry in fetched.entries:
        start_ms, end_ms = round(entry.start_seconds * 1000), round(entry.end_seconds * 1000)
        if not 0 <= start_ms <= end_ms <= MS_MAX:
            skipped += 1  # parsed, but no time a recording has
            continue
        speaker = text_clean(entry.speaker, SPEAKER_MAX)
        participant_id, person_id = speakers.get(speaker_key(speaker), (None, None))
        rows.append(
            TranscriptCue(
                transcript_id=transcript.pk,
                meeting_id=meeting.pk,
                position=len(rows) + 1,
                start_ms=start_ms,
                end_ms=end_ms,
                speaker=speaker,
                participant_id=participant_id,
                person_id=person_id,
                text=text_clean(entry.text, CUE_TEXT_MAX),
            )
        )
    with transaction.atomic():
        locked = Transcript.objects.select_for_update().filter(pk=transcript.pk).first()
        if locked is None:
            logger.info("transcript of meeting %s: deleted while fetched; not stored", meeting.pk)
            return ""
        if locked.status != Transcript.Status.PENDING:
            return str(locked.status)
        cues_delete(meeting_ids=[meeting.pk])
        TranscriptCue.objects.bulk_create(rows, batch_size=2000)
        locked.status = Transcript.Status.READY
        locked.cue_count = len(rows)
        locked.skipped_cues = skipped
        locked.duration_seconds = round(max((row.end_ms for row in rows), default=0) / 1000)
        locked.fetched_at = timezone.now()
        locked.error = ""
        if locked.recording_id is None:
            locked.recording = _recording_of(meeting, fetched.meeting_uuid)
        locked.save()
        publish(TranscriptReady(meeting_id=meeting.pk, cue_count=len(rows)))
        meeting_id = meeting.pk
        transaction.on_commit(lambda: actors.summary_write.send(meeting_id))
    logger.info(
        "transcript of meeting %s stored: %d cues, %d skipped, %d speaker(s) linked",
        meeting.pk,
        len(rows),
        skipped,
        len({row.speaker for row in rows if row.participant_id or row.person_id}),
    )
    return Transcript.Status.READY


def cues_delete(*, meeting_ids: Sequence[int] = (), transcript_ids: Sequence[int] = ()) -> None:
    """The cues of these meetings and of these transcripts, gone in one statement.
    (QuerySet.delete() would first load every row, text and all: django-tenants listens to
    every model's deletions, so Django cannot delete fast.)"""
    if not meeting_ids and not transcript_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TranscriptCue._meta.db_table}"  # noqa: S608 - the model's own table
            " WHERE meeting_id = ANY(%s::bigint[]) OR transcript_id = ANY(%s::bigint[])",
            [list(meeting_ids), list(transcript_ids)],
        )


# --- lost messages -------------------------------------------------------------------------------

# A pending transcript untouched this long has no fetch on its way (the actor's retries touch it
# within about half an hour): its message was lost (Redis down at the commit, a worker killed).
RESEND_AFTER_MINUTES = 60
# A ready transcript with no summary this long after it was stored: its summary message was lost.
SUMMARY_RESEND_AFTER_MINUTES = 30
RESEND_BATCH = 50  # of each, per school and run


@dataclass
class Resent:
    fetches: int = 0
    summaries: int = 0


def transcripts_resend(*, now: datetime | None = None, batch: int = RESEND_BATCH) -> Resent:
    """The periodic job's body (one school): the fetch sent again for transcripts pending longer
    than RESEND_AFTER_MINUTES (their attempts counted afresh), the summary for ready
    transcripts with cues and no summary, oldest first, at most `batch` of each."""
    now = now or timezone.now()
    result = Resent()
    stale = Transcript.objects.filter(
        status=Transcript.Status.PENDING,
        updated_at__lt=now - timedelta(minutes=RESEND_AFTER_MINUTES),
    ).order_by("updated_at", "pk")
    unsummarised = Transcript.objects.filter(
        status=Transcript.Status.READY,
        cue_count__gt=0,
        fetched_at__lt=now - timedelta(minutes=SUMMARY_RESEND_AFTER_MINUTES),
        meeting__summary__isnull=True,
    ).order_by("fetched_at", "pk")
    with transaction.atomic():
        fetch_ids = list(stale.values_list("meeting_id", flat=True)[:batch])
        Transcript.objects.filter(
            meeting_id__in=fetch_ids, status=Transcript.Status.PENDING
        ).update(attempts=0, updated_at=now)
        summary_ids = list(unsummarised.values_list("meeting_id", flat=True)[:batch])

        def send() -> None:
            for meeting_id in fetch_ids:
                actors.transcript_fetch.send(meeting_id)
            for meeting_id in summary_ids:
                actors.summary_write.send(meeting_id)

        transaction.on_commit(send)
    result.fetches, result.summaries = len(fetch_ids), len(summary_ids)
    if fetch_ids or summary_ids:
        logger.warning(
            "transcripts of meetings %s sent to be fetched again, summaries of %s to be written"
            " (their messages were lost)",
            fetch_ids,
            summary_ids,
        )
    return result


# --- speakers -----------------------------------------------------------------------------------


def speaker_key(name: str) -> str:
    """A name as compared: NFC, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


@dataclass
class _Named:
    participant_id: int
    person_id: int | None
    identities: set[tuple[str, object]]


def speaker_directory(meeting: Meeting) -> dict[str, tuple[int | None, int | None]]:
    """Speaker name (`speaker_key`) → (participant session, person) for the names that tell
    unambiguously who spoke: every session of the meeting under that name is the same person
    (one user; or, for someone with no account, one device session). The session is the
    first under that name; the person is its user, the host for the host's session. The
    host's own name gives the host when no participant uses it. Names two people share stay
    text only."""
    named: dict[str, _Named] = {}
    sessions = (
        ParticipantSession.objects.filter(meeting=meeting)
        .order_by("joined_at", "pk")
        .values_list("pk", "name", "user_id", "participant_key", "role")
    )
    for pk, name, user_id, key, role in sessions:
        if not name or not name.strip():
            continue
        person = user_id or (meeting.host_id if role == ParticipantRole.HOST else None)
        identity: tuple[str, object] = ("user", person) if person else ("device", key)
        entry = named.setdefault(speaker_key(name), _Named(pk, person, set()))
        entry.identities.add(identity)
    directory: dict[str, tuple[int | None, int | None]] = {
        name: (entry.participant_id, entry.person_id)
        for name, entry in named.items()
        if len(entry.identities) == 1
    }
    host_name = speaker_key(meeting.host.name) if meeting.host_id else ""
    if host_name and host_name not in named:
        directory[host_name] = (None, meeting.host_id)
    return directory
