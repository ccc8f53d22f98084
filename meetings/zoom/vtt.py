"""WebVTT transcripts, as Zoom writes them (numbered cues, `Speaker Name: text`), parsed into
TranscriptEntry rows. Liberal: a missing header, CRLF, a BOM, cue settings, NOTE/STYLE blocks,
`<v Speaker>` voice tags and cues without numbers are accepted; unreadable blocks are skipped."""

from __future__ import annotations

import re

from meetings.providers.base import TranscriptEntry

_TIMESTAMP = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIMESTAMP}\s*-->\s*{_TIMESTAMP}(?:\s+.*)?$")
_VOICE = re.compile(r"^<v(?:\.[\w.-]+)?\s+([^>]+)>(.*?)(?:</v>)?$")
_TAG = re.compile(r"</?[a-z][^>]*>", re.I)
# "Name: text". The name may not contain ':' (so "12:30" or a URL is not taken for a speaker).
_SPEAKER = re.compile(r"^([^:\n]{1,100}?):\s+(.*)$", re.S)


def parse_vtt(text: str | bytes) -> tuple[TranscriptEntry, ...]:
    """The cues of a WebVTT document, in order."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", errors="replace")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    entries: list[TranscriptEntry] = []
    for block in re.split(r"\n[ \t]*\n", text):
        entry = _parse_cue(block.strip("\n"), position=len(entries) + 1)
        if entry is not None:
            entries.append(entry)
    return tuple(entries)


def _parse_cue(block: str, *, position: int) -> TranscriptEntry | None:
    lines = block.split("\n")
    timing_at = next((i for i, line in enumerate(lines) if "-->" in line), None)
    # A cue has its timing on the first or second line (after an optional identifier); the
    # header, NOTE, STYLE and REGION blocks have none there.
    if timing_at is None or timing_at > 1:
        return None
    match = _TIMING.match(lines[timing_at])
    if match is None:
        return None
    identifier = lines[0].strip() if timing_at == 1 else ""
    index = int(identifier) if identifier.isdigit() else position
    speaker, body = _speaker_and_text([line.strip() for line in lines[timing_at + 1 :]])
    return TranscriptEntry(
        index=index,
        start_seconds=_seconds(*match.groups()[:4]),
        end_seconds=_seconds(*match.groups()[4:]),
        speaker=speaker,
        text=body,
    )


def _speaker_and_text(lines: list[str]) -> tuple[str, str]:
    lines = [line for line in lines if line]
    if not lines:
        return "", ""
    speaker = ""
    voice = _VOICE.match(lines[0])
    if voice:
        speaker = voice.group(1).strip()
        lines[0] = voice.group(2)
    else:
        named = _SPEAKER.match(lines[0])
        if named:
            speaker, lines[0] = named.group(1).strip(), named.group(2)
    body = "\n".join(_TAG.sub("", line).strip() for line in lines).strip()
    return speaker, body


def _seconds(hours: str | None, minutes: str, seconds: str, fraction: str) -> float:
    return (
        int(hours or 0) * 3600
        + int(minutes) * 60
        + int(seconds)
        + int(fraction.ljust(3, "0")) / 1000
    )
