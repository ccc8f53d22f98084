"""What a summariser takes and gives: plain data, no database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Cue:
    """One cue of a transcript: who spoke, when (milliseconds into the recording), what."""

    speaker: str
    start_ms: int
    text: str


@dataclass(frozen=True)
class ActionItem:
    """Something asked of people in the session, with who asked and when (None: unknown)."""

    text: str
    speaker: str
    start_ms: int | None


@dataclass(frozen=True)
class Draft:
    """A summary and its action items, with how it was written. `fallback_reason` says why the
    local summariser wrote it although the school configured a model ("" otherwise)."""

    text: str
    action_items: tuple[ActionItem, ...] = ()
    method: Literal["local", "remote"] = "local"
    model: str = ""
    fallback_reason: str = ""
