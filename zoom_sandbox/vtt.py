"""The check `play --transcript FILE.vtt` makes before anything is sent: is the file a WebVTT
transcript Zoom could have written? The sandbox's own, deliberately small reading (it does not
borrow the platform's parser, which it is there to exercise)."""

from __future__ import annotations

import re

_TIMING = re.compile(
    r"^(?:\d+:)?\d{2}:\d{2}\.\d{3}[ \t]+-->[ \t]+(?:\d+:)?\d{2}:\d{2}\.\d{3}(?:[ \t].*)?$"
)


def vtt_check(text: str | bytes) -> str:
    """Why `text` is not a WebVTT transcript; "" when it is one (the WEBVTT header, then at
    least one cue: a timing line followed by text)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return "it is not UTF-8 text"
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        return "it does not start with the WEBVTT header"
    for number, line in enumerate(lines[1:], start=1):
        following = lines[number + 1].strip() if number + 1 < len(lines) else ""
        if _TIMING.match(line.strip()) and following:
            return ""
    return "it has no cue (a timing line such as 00:00:01.000 --> 00:00:04.000, then text)"
