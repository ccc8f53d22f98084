"""Cloud recordings of played instances: an MP4 and a WebVTT transcript per recorded class, the
recordings endpoint and the file downloads."""

from __future__ import annotations

import secrets

from zoom_sandbox.common import api_error, locked, zoom_time
from zoom_sandbox.instances import Instance
from zoom_sandbox.meetings import Meeting
from zoom_sandbox.oauth import Token


class RecordingsMixin:
    files: dict[str, tuple[str, bytes]]  # file id -> (content type, content)

    def _reset_recordings(self) -> None:
        self.files = {}

    @locked
    def recording_get(self, token: Token, ref: str) -> dict:
        instance = self._instance(token, ref)
        if instance.recording is None:
            raise api_error(404, 3301, "This recording does not exist.")
        return instance.recording

    @locked
    def recording_file(self, token: Token, file_id: str) -> tuple[str, bytes]:
        if file_id not in self.files:
            raise api_error(404, 3301, "This recording does not exist.")
        return self.files[file_id]

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
