"""`/recordings/files/<id>/play/` and `/recordings/files/<id>/download/`: the platform's links to
a recording's files. Signed in, through the policy (a file of a deleted recording, or one that
is not yours, is 404), then a fresh link from Zoom (`recording_file_open`: asked each time,
audited, never stored) as a 302. Every answer is `no-store`: the redirect carries Zoom's token
or passcode."""

from __future__ import annotations

import logging

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from attendance.recordings.models import RecordingFile
from attendance.recordings.policy import access_recording_file
from attendance.recordings.services import (
    FileUse,
    RecordingFileGone,
    recording_file_downloadable,
    recording_file_open,
    recording_file_playable,
)
from meetings.policy import NotFound
from meetings.providers.base import MeetingProviderError
from meetings.zoom.factory import ZoomNotConnected
from tenants.accounts.throttle import Limit, throttle
from tenants.audit.services import request_ip
from tenants.connection import tenant_connection

logger = logging.getLogger(__name__)

PAGES: dict[str, tuple[int, StrPromise, StrPromise]] = {
    "not-found": (
        404,
        gettext_lazy("No such recording"),
        gettext_lazy(
            "This recording does not exist, was deleted, or is not shown to your account."
        ),
    ),
    "not-playable": (
        404,
        gettext_lazy("This file cannot be played"),
        gettext_lazy("It is not a video or an audio file, or Zoom is still preparing it."),
    ),
    "gone": (
        404,
        gettext_lazy("This recording is no longer on Zoom"),
        gettext_lazy(
            "Zoom does not have this file any more: it was deleted there, or it expired. Ask "
            "the class's teacher if you need it."
        ),
    ),
    "not-connected": (
        502,
        gettext_lazy("The recording cannot be opened now"),
        gettext_lazy(
            "The Zoom account this class was held on is not connected to the school now. Ask "
            "the class's teacher or the school's admin."
        ),
    ),
    "too-many": (
        429,
        gettext_lazy("Too many recordings opened"),
        gettext_lazy(
            "You opened recordings very often in the last minute. Wait a minute, then try again."
        ),
    ),
    "zoom-failed": (
        502,
        gettext_lazy("The recording cannot be opened now"),
        gettext_lazy(
            "Zoom did not give the recording. Try again in a few minutes; if it keeps "
            "happening, tell the school's admin."
        ),
    ),
}


def _page(request: HttpRequest, reason: str) -> HttpResponse:
    status, heading, text = PAGES[reason]
    response = render(
        request,
        "recordings/file.html",
        {"reason": reason, "heading": heading, "text": text},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


# Each opening is a call on the Zoom account's shared rate limit (the one class starts and
# registrations need) and an audit entry: a person gets 30 a minute, then a minute's pause.
OPEN_LIMIT = Limit(name="recording-open", limit=31, window=60, lockout=60)


def _open(request: HttpRequest, file_id: int, use: FileUse) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    # Counted before the lookup, so that guessing ids costs the same.
    who = f"{tenant_connection().schema_name}:{request.user.pk}"
    if throttle().hit(OPEN_LIMIT, who).locked_for:
        logger.warning("recording files: %s opened too many, paused", request.user.pk)
        return _page(request, "too-many")
    try:
        file = access_recording_file(request.user, file_id)
    except NotFound:
        return _page(request, "not-found")
    usable = recording_file_playable if use == "play" else recording_file_downloadable
    if not usable(file):
        return _page(request, "not-playable" if use == "play" else "not-found")
    try:
        url = recording_file_open(file=file, use=use, user=request.user, ip=request_ip(request))
    except RecordingFileGone as exc:
        logger.info("recording file %s (%s): %s", file.pk, use, exc)
        return _page(request, "gone")
    except MeetingProviderError as exc:
        _log_failure(file, use, exc)
        return _page(
            request, "not-connected" if isinstance(exc, ZoomNotConnected) else "zoom-failed"
        )
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _log_failure(file: RecordingFile, use: FileUse, exc: MeetingProviderError) -> None:
    """What an operator needs to act: which file of which session, on which Zoom recording,
    and what Zoom answered (never the link)."""
    recording = file.recording
    logger.warning(
        "recording file %s (%s, %s) of meeting %s, Zoom recording %r: %s: %s"
        " (HTTP status %s, Zoom code %s)",
        file.pk,
        use,
        file.file_type,
        recording.meeting_id,
        recording.zoom_uuid,
        type(exc).__name__,
        exc.message,
        exc.status,
        exc.code,
    )


@require_GET
def recording_file_play(request: HttpRequest, file_id: int) -> HttpResponse:
    return _open(request, file_id, "play")


@require_GET
def recording_file_download(request: HttpRequest, file_id: int) -> HttpResponse:
    return _open(request, file_id, "download")
