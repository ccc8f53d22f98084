"""Cloud recordings of played instances: an MP4 and a WebVTT transcript per recorded class, the
recordings endpoint (with a download token when asked, `include_fields=download_access_token`),
deleting a recording or one file of it, the file downloads and the play page.

A file downloads with a Bearer token that has the recording scope, or with `?access_token=`
carrying a token the sandbox issued: an OAuth access token with the scope, a download token of
that recording (from the endpoint, or the webhook's `download_token`) while it lives. Anything
else is refused (401), as a file of another account is not found."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from zoom_sandbox.common import ZoomError, api_error, invalid_token, locked, zoom_time
from zoom_sandbox.instances import Instance
from zoom_sandbox.meetings import Meeting
from zoom_sandbox.oauth import Token

# Zoom's `ttl` for a download token: 1 second to 7 days; a day when not given.
DOWNLOAD_TOKEN_TTL = 24 * 3600
DOWNLOAD_TOKEN_TTL_MAX = 7 * 24 * 3600
DELETE_ACTIONS = ("trash", "delete")


@dataclass
class DownloadToken:
    """A token that downloads the files of one recording until it expires."""

    account_id: str
    uuid: str  # the recorded instance's
    expires_at: float


def _file_key(entry: dict) -> str:
    """The key of a listed file's content: the last part of its download link."""
    return entry["download_url"].rsplit("/", 1)[-1]


def _no_recording() -> ZoomError:
    return api_error(404, 3301, "This recording does not exist.")


class RecordingsMixin:
    files: dict[str, tuple[str, bytes]]  # file id -> (content type, content)
    file_instances: dict[str, str]  # file id -> the recorded instance's uuid
    download_tokens: dict[str, DownloadToken]

    def _reset_recordings(self) -> None:
        self.files = {}
        self.file_instances = {}
        self.download_tokens = {}

    @locked
    def recording_get(
        self, token: Token, ref: str, *, include_fields: str = "", ttl: str | None = None
    ) -> dict:
        instance = self._instance(token, ref)
        if instance.recording is None:
            raise _no_recording()
        answer = dict(instance.recording)
        if "download_access_token" in include_fields.split(","):
            answer["download_access_token"] = self._download_token_issue(instance, ttl)
        return answer

    def _download_token_issue(self, instance: Instance, ttl: str | int | None = None) -> str:
        try:
            seconds = DOWNLOAD_TOKEN_TTL if ttl in (None, "") else int(ttl)
        except ValueError:
            seconds = 0
        if not 1 <= seconds <= DOWNLOAD_TOKEN_TTL_MAX:
            raise api_error(400, 300, "Invalid ttl: from 1 to 604800 seconds.")
        value = secrets.token_urlsafe(32)
        self.download_tokens[value] = DownloadToken(
            instance.account_id, instance.uuid, self.clock() + seconds
        )
        return value

    @locked
    def recording_delete(self, token: Token, ref: str, *, file_id: str = "", action: str) -> None:
        """Zoom's DELETE of a recording (all its files) or of one file; `trash` and `delete`
        both take it out of the API here (Zoom's trash is not modelled)."""
        if action not in DELETE_ACTIONS:
            raise api_error(400, 300, "Invalid action: trash or delete.")
        instance = self._instance(token, ref)
        if instance.recording is None:
            raise _no_recording()
        listed = instance.recording["recording_files"]
        gone = [f for f in listed if not file_id or f["id"] == file_id]
        if not gone:
            raise _no_recording()
        for entry in gone:
            key = _file_key(entry)
            self.files.pop(key, None)
            self.file_instances.pop(key, None)
        kept = [f for f in listed if f not in gone]
        if not kept:
            instance.recording = None
            return
        instance.recording = {
            **instance.recording,
            "recording_files": kept,
            "recording_count": len(kept),
            "total_size": sum(f["file_size"] for f in kept),
        }

    @locked
    def recording_file(self, token: Token, file_id: str) -> tuple[str, bytes]:
        """A file for a Bearer token: of its own account only."""
        instance = self.instances.get(self.file_instances.get(file_id, ""))
        if file_id not in self.files or instance is None:
            raise _no_recording()
        if instance.account_id != token.account_id:
            raise _no_recording()
        return self.files[file_id]

    @locked
    def recording_file_by_query_token(self, value: str, file_id: str) -> tuple[str, bytes]:
        """A file for `?access_token=`: a download token of its recording, or an access token
        with the recording scope. Anything else (unknown, expired, another recording's): 401."""
        issued = self.download_tokens.get(value)
        if issued is None:
            token = self.bearer(f"Bearer {value}")
            self.require_scope(token, "recording:read")
            return self.recording_file(token, file_id)
        uuid = self.file_instances.get(file_id)
        if issued.expires_at <= self.clock() or (uuid is not None and uuid != issued.uuid):
            raise invalid_token()
        if file_id not in self.files:
            raise _no_recording()
        return self.files[file_id]

    @locked
    def recording_play(self, file_id: str, passcode: str) -> tuple[Instance, dict] | None:
        """The play page's file and its recording, when `passcode` is the recording's play
        passcode; None when it is not; not found when there is no such file."""
        instance = self.instances.get(self.file_instances.get(file_id, ""))
        if instance is None or instance.recording is None or file_id not in self.files:
            raise _no_recording()
        expected = instance.recording["recording_play_passcode"].encode()
        if not secrets.compare_digest(passcode.encode(), expected):
            return None
        entry = next(f for f in instance.recording["recording_files"] if _file_key(f) == file_id)
        return instance, entry

    def _make_recording(
        self, instance: Instance, meeting: Meeting | None, transcript, *, vtt: str = ""
    ) -> dict:
        base = self.base_url
        start, end = instance.start_time, instance.end_time
        vtt_bytes = vtt.encode() if vtt else vtt_from_lines(transcript)
        mp4 = b"\x00\x00\x00\x18ftypmp42sandbox-recording"
        files = []
        for kind, ext, rtype, content_type, content in (
            ("MP4", "MP4", "shared_screen_with_speaker_view", "video/mp4", mp4),
            ("TRANSCRIPT", "VTT", "audio_transcript", "text/vtt", vtt_bytes),
        ):
            file_id = secrets.token_hex(16)
            self.files[file_id] = (content_type, content)
            self.file_instances[file_id] = instance.uuid
            files.append(
                {
                    "id": f"{file_id[:8]}-{file_id[8:12]}-{file_id[12:16]}-{file_id[16:20]}",
                    "meeting_id": instance.uuid,
                    "recording_start": zoom_time(start),
                    "recording_end": zoom_time(end),
                    "file_type": kind,
                    "file_extension": ext,
                    "file_size": len(content),
                    "play_url": f"{base}/rec/play/{file_id}",
                    "download_url": f"{base}/rec/download/{file_id}",
                    "status": "completed",
                    "recording_type": rtype,
                }
            )
        host = self.users.get(instance.host_id)
        return {
            "uuid": instance.uuid,
            "id": instance.meeting_id,
            "account_id": instance.account_id,
            "host_id": instance.host_id,
            "host_email": host.email if host else "",
            "topic": instance.topic,
            "type": instance.type,
            "start_time": zoom_time(start),
            "timezone": instance.timezone,
            "duration": max(1, round((end - start).total_seconds() / 60)),
            "total_size": sum(f["file_size"] for f in files),
            "recording_count": len(files),
            "share_url": f"{base}/rec/share/{secrets.token_urlsafe(16)}",
            "password": meeting.password if meeting else "",
            "recording_play_passcode": secrets.token_urlsafe(24),
            "recording_files": files,
        }


def vtt_from_lines(transcript) -> bytes:
    """A Zoom-style WebVTT file of (start, end, speaker, text) lines (seconds)."""
    lines = ["WEBVTT", ""]
    for index, (begin, finish, speaker, text) in enumerate(transcript, start=1):
        lines += [str(index), f"{_vtt(begin)} --> {_vtt(finish)}", f"{speaker}: {text}", ""]
    return "\n".join(lines).encode()


def _vtt(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
