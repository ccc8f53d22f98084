"""WebVTT transcripts, as Zoom writes them (numbered cues, `Speaker Name: text`), parsed into
TranscriptEntry rows. Liberal: a missing header, CRLF, a BOM, cue settings, NOTE/STYLE/REGION
blocks, `<v Speaker>` voice tags and cues without numbers are accepted. A malformed cue (a
timing line that does not parse, an end before its start, no text, a block of text with no
timing) is skipped and counted, never fatal: `vtt_parse` reports how many.

Text is NFC-normalised: Bengali (like other scripts) has composed and decomposed spellings of
the same letters, and search and speaker matching compare one form.

Linear in the size of the document: no pattern here backtracks over a long line (a transcript
may be megabytes, and its text is whatever was said or typed)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from meetings.providers.base import TranscriptEntry

_TIMESTAMP = r"(?:(\d{1,9}):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIMESTAMP}\s*-->\s*{_TIMESTAMP}(?:[ \t]+[^\n]*)?$")
_VOICE = re.compile(r"^<v(?:\.[\w.-]{1,100})?[ \t]+([^<>]{1,200})>(.*?)(?:</v>)?$")
# A tag never spans a `<`: "<a<a<a..." is matched tag by tag, not re-scanned to the end.
_TAG = re.compile(r"</?[a-z][^<>]*>", re.I)
# "Name: text". The name may not contain ':' (so "12:30" or a URL is not taken for a speaker).
_SPEAKER = re.compile(r"^([^:\n]{1,100}?):\s+(.*)$", re.S)
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
# Blocks that are not cues (WebVTT's header and its NOTE, STYLE and REGION blocks).
_NOT_CUES = ("WEBVTT", "NOTE", "STYLE", "REGION")


@dataclass(frozen=True)
class ParsedVtt:
    """A document's cues, and how many malformed ones were skipped (with the first few
    reasons, for a log line)."""

    entries: tuple[TranscriptEntry, ...]
    skipped: int = 0
    problems: tuple[str, ...] = ()


class _Malformed(Exception):
    """A cue that cannot be kept; the message says why."""


MAX_PROBLEMS = 10


def vtt_parse(text: str | bytes) -> ParsedVtt:
    """The cues of a WebVTT document, in order, and the malformed ones counted."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", errors="replace")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    entries: list[TranscriptEntry] = []
    skipped = 0
    problems: list[str] = []
    for number, block in enumerate(_BLANK_LINES.split(text)):
        block = block.strip("\n")
        if not block.strip() or _not_a_cue(block):
            continue
        try:
            entries.append(_parse_cue(block, position=len(entries) + 1))
        except _Malformed as exc:
            skipped += 1
            if len(problems) < MAX_PROBLEMS:
                problems.append(f"block {number + 1}: {exc}")
    return ParsedVtt(tuple(entries), skipped, tuple(problems))


def parse_vtt(text: str | bytes) -> tuple[TranscriptEntry, ...]:
    """The cues of a WebVTT document, in order (malformed ones left out)."""
    return vtt_parse(text).entries


def vtt_check(text: str | bytes) -> str:
    """Why `text` is not a WebVTT transcript ("" when it is one): it must start with the
    `WEBVTT` header and hold at least one readable cue."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            return "it is not UTF-8 text"
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0].rstrip("\r")
    if first != "WEBVTT" and not first.startswith(("WEBVTT ", "WEBVTT\t")):
        return "it does not start with the WEBVTT header"
    if not vtt_parse(text).entries:
        return "it holds no readable cue"
    return ""


def _not_a_cue(block: str) -> bool:
    first = block.split("\n", 1)[0]
    return any(first == word or first.startswith((word + " ", word + "\t")) for word in _NOT_CUES)


def _parse_cue(block: str, *, position: int) -> TranscriptEntry:
    lines = block.split("\n")
    timing_at = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
    # A cue has its timing on the first or second line (after an optional identifier).
    if timing_at is None:
        raise _Malformed("no timing line")
    match = _TIMING.match(lines[timing_at])
    if match is None:
        raise _Malformed("the timing line does not parse")
    groups = match.groups()
    start, end = _seconds(*groups[:4]), _seconds(*groups[4:])
    if end < start:
        raise _Malformed("it ends before it starts")
    identifier = lines[0].strip() if timing_at == 1 else ""
    index = int(identifier) if identifier.isdigit() and len(identifier) < 10 else position
    speaker, body = _speaker_and_text([line.strip() for line in lines[timing_at + 1 :]])
    if not body:
        raise _Malformed("it has no text")
    return TranscriptEntry(
        index=index, start_seconds=start, end_seconds=end, speaker=speaker, text=body
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
    if int(minutes) > 59 or int(seconds) > 59:
        raise _Malformed("a timestamp has more than 59 minutes or seconds")
    return (
        int(hours or 0) * 3600
        + int(minutes) * 60
        + int(seconds)
        + int(fraction.ljust(3, "0")) / 1000
    )
