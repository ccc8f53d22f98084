"""A session's summary and action items.

`summary_draft` is the one interface: plain cues in, a `Draft` out. With no model configured it
is the local summariser (attendance/recordings/summarisers/local.py: extractive, no network);
with the school's endpoint (`RecordingSettings.summary_endpoint`) it asks that model
(summarisers/remote.py), and when the model fails in any way it falls back to the local
summariser and says why in `fallback_reason`.

`summary_write` is what the `summary_write` actor runs once a transcript is stored (and again
on a teacher's request, `summary_rewrite_request`): it reads the session's ready transcript,
drafts (outside any transaction: a model may take a minute), writes the one `Summary` of the
session and publishes `summary.ready` to the session's group after commit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.events import SummaryReady
from attendance.recordings import actors
from attendance.recordings.models import RecordingSettings, Summary, Transcript, TranscriptCue
from attendance.recordings.policy import can_manage_recordings, recording_settings
from attendance.recordings.summarisers.draft import ActionItem, Cue, Draft
from attendance.recordings.summarisers.local import is_bengali, summarise_local
from attendance.recordings.summarisers.remote import RemoteSummaryFailed, summarise_remote
from meetings.models import Meeting
from meetings.policy import NotFound
from realtime.events import publish
from tenants.accounts.models import User
from tenants.connection import tenant_connection

logger = logging.getLogger(__name__)

__all__ = ["ActionItem", "Cue", "Draft", "RemoteConfig", "summary_draft", "summary_write"]

FALLBACK_REASON_MAX = 300  # Summary.fallback_reason's max_length
LANGUAGE_SAMPLE_CHARS = 5000


@dataclass(frozen=True)
class RemoteConfig:
    """The school's model: its API base URL (ending in /v1 for most), key and model name."""

    endpoint: str
    api_key: str = field(repr=False)  # never in a log line or a traceback's locals
    model: str = ""

    @classmethod
    def of(cls, settings: RecordingSettings) -> RemoteConfig | None:
        if not settings.summary_endpoint:
            return None
        return cls(
            settings.summary_endpoint, settings.summary_api_key or "", settings.summary_model
        )


def transcript_language(cues: Sequence[Cue]) -> str:
    """ "bn" when the transcript is mostly in Bengali script, else "en"."""
    sample, size = [], 0
    for cue in cues:
        sample.append(cue.text)
        size += len(cue.text)
        if size > LANGUAGE_SAMPLE_CHARS:
            break
    return "bn" if is_bengali(" ".join(sample)) else "en"


def summary_draft(
    cues: Sequence[Cue],
    *,
    title: str = "",
    language: str = "",
    remote: RemoteConfig | None = None,
    context: str = "",
) -> Draft:
    """The summary and action items of a transcript's `cues` (in order). `remote`: the
    school's model, tried first; `context` names the session in the log ("<schema> meeting
    <id>")."""
    if remote is None:
        return summarise_local(cues)
    try:
        return summarise_remote(
            cues,
            endpoint=remote.endpoint,
            api_key=remote.api_key,
            model=remote.model,
            title=title,
            language=language or transcript_language(cues),
        )
    except RemoteSummaryFailed as exc:
        reason, status = exc.reason, exc.status
        logger.warning(
            "summary of %s: the school's summariser (%s, model %r) failed: %s (HTTP status %s);"
            " the local summariser wrote it",
            context or "a session",
            urlsplit(remote.endpoint).netloc,  # the host only: never the key, never a path
            remote.model,
            reason,
            status,
        )
    except Exception:  # noqa: BLE001 - a school's model never costs a class its summary
        reason = "unexpected error"
        logger.exception(
            "summary of %s: the school's summariser failed unexpectedly; the local summariser"
            " wrote it",
            context or "a session",
        )
    return replace(summarise_local(cues), fallback_reason=reason[:FALLBACK_REASON_MAX])


# --- reading and writing a session's summary -------------------------------------------------


def summary_of(*, meeting: Meeting) -> Summary | None:
    """The session's summary, if written. Callers have checked who may see it
    (attendance.recordings.policy)."""
    return Summary.objects.filter(meeting=meeting).first()


def _ready_transcript(meeting_id: int) -> Transcript | None:
    return Transcript.objects.filter(meeting_id=meeting_id, status=Transcript.Status.READY).first()


def summary_write(*, meeting_id: int) -> Summary | None:
    """Write (or write again) the summary of session `meeting_id` from its ready transcript;
    nothing, logged, when it has no transcript or the transcript has no cues."""
    schema = tenant_connection().schema_name
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        logger.info("summary of %s meeting %s: no such meeting", schema, meeting_id)
        return None
    transcript = _ready_transcript(meeting.pk)
    if transcript is None:
        logger.info("summary of %s meeting %s: no ready transcript", schema, meeting_id)
        return None
    cues = [
        Cue(speaker=speaker, start_ms=start_ms, text=text)
        for speaker, start_ms, text in TranscriptCue.objects.filter(transcript=transcript)
        .order_by("position")
        .values_list("speaker", "start_ms", "text")
    ]
    if not cues:
        logger.info("summary of %s meeting %s: the transcript has no cues", schema, meeting_id)
        return None
    draft = summary_draft(
        cues,
        title=meeting.title,
        remote=RemoteConfig.of(recording_settings()),
        context=f"{schema} meeting {meeting.pk}",
    )
    with transaction.atomic():
        summary, _created = Summary.objects.update_or_create(
            meeting=meeting,
            defaults={
                "transcript": transcript,
                "text": draft.text,
                "action_items": [
                    {"text": item.text, "speaker": item.speaker, "start_ms": item.start_ms}
                    for item in draft.action_items
                ],
                "method": draft.method,
                "model": draft.model,
                "fallback_reason": draft.fallback_reason,
                # When this text was written: a summary written again is a new one.
                "created_at": timezone.now(),
            },
        )
        publish(SummaryReady(meeting_id=meeting.pk, method=draft.method))
    return summary


def summary_rewrite_request(*, actor: User, meeting: Meeting) -> None:
    """Have the session's summary written again (after commit, by the actor): for those who
    manage the session, once it has a transcript."""
    if not can_manage_recordings(actor, meeting):
        raise NotFound("meeting")
    if not TranscriptCue.objects.filter(
        transcript__meeting=meeting, transcript__status=Transcript.Status.READY
    ).exists():
        raise ValidationError(_("This session has no transcript yet."), code="no_transcript")
    meeting_id = meeting.pk
    transaction.on_commit(lambda: actors.summary_write.send(meeting_id))
