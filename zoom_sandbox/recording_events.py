"""The bodies of Zoom's recording events, as the sandbox sends them after a recorded class (the
class player and the live room alike): `recording.completed` with the recording's files, then
`recording.transcript_completed`, which Zoom documents as the same object with only the
TRANSCRIPT file(s) in `recording_files`."""

from __future__ import annotations

from datetime import datetime


def recording_completed(
    *, account_id: str, recording: dict, download_token: str, at: datetime
) -> dict:
    return {
        "event": "recording.completed",
        "event_ts": int(at.timestamp() * 1000),
        "download_token": download_token,
        "payload": {"account_id": account_id, "object": recording},
    }


def transcript_completed(
    *, account_id: str, recording: dict, download_token: str, at: datetime
) -> dict:
    files = [f for f in recording["recording_files"] if f["file_type"] == "TRANSCRIPT"]
    return {
        "event": "recording.transcript_completed",
        "event_ts": int(at.timestamp() * 1000),
        "download_token": download_token,
        "payload": {
            "account_id": account_id,
            "object": {
                **recording,
                "total_size": sum(f["file_size"] for f in files),
                "recording_count": len(files),
                "recording_files": files,
            },
        },
    }
