"""The remote summariser: the school's OpenAI-compatible chat-completions endpoint.

The school's setting is the API's base URL, as OpenAI's own clients take it (the part before
`/chat/completions`: `https://api.openai.com/v1`, `https://openrouter.ai/api/v1`,
`http://localhost:11434/v1` for a local Ollama in development). One POST to
`{base}/chat/completions` with the model, a system prompt asking for JSON
`{summary, action_items: [{text, speaker, start_seconds}]}`, the transcript as
"[mm:ss] Speaker: text" lines (a speaker's consecutive cues on one line), `response_format`
json_object and the key as a Bearer token.

The URL comes from a school, so the call goes through `tenants.outbound.outbound_session()`
(no private, loopback or link-local address, checked after DNS resolution), follows no
redirect, is https-only unless DEBUG is on, has a connect and a read timeout and a deadline for the
whole answer (TOTAL_SECONDS), and reads at most
MAX_RESPONSE_BYTES. A long transcript is cut to MAX_TRANSCRIPT_CHARS: its first two thirds and
its last third (where a class gives its homework) are kept, with a line saying how many lines
were left out between them. The answer is read defensively (code fences, text around the JSON,
missing fields, wrong types). Every failure is a `RemoteSummaryFailed` with a short reason that
is safe to store and show, and the HTTP status when there was one; the key is never in it.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Sequence
from typing import Any

import requests
from django.conf import settings

from attendance.recordings.summarisers.draft import ActionItem, Cue, Draft
from tenants.outbound import OutboundRefused, UnsafeURL, base_url_parse, outbound_session

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0  # models take their time over a class's transcript
# The whole answer, however it trickles in (the read timeout is per read).
TOTAL_SECONDS = 180.0
MAX_TRANSCRIPT_CHARS = 48_000  # ~12k tokens of English; Bengali takes more tokens a character
MAX_RESPONSE_BYTES = 1_000_000
SUMMARY_MAX_CHARS = 5000
MAX_ACTION_ITEMS = 20
ACTION_ITEM_MAX_CHARS = 500
SPEAKER_MAX_CHARS = 200
CHAT_PATH = "/chat/completions"

SYSTEM_PROMPT = (
    "You summarise the transcript of a school class for its students, parents and teachers. "
    "Each line of the transcript is '[mm:ss] Speaker: text', the time counted from the start "
    "of the recording. Answer with one JSON object and nothing else: "
    '{"summary": string, "action_items": [{"text": string, "speaker": string, '
    '"start_seconds": number}]}. The summary: what the class covered, in a short paragraph '
    "(at most about 120 words). The action items: what someone was asked to do (homework, "
    "deadlines, things to bring or prepare), each with who asked and the time in seconds "
    "where it was said; an empty list when nothing was asked. Write in the language the class "
    "was held in{language}. Use only what the transcript says."
)
LANGUAGES = {"bn": "Bengali", "en": "English"}


class RemoteSummaryFailed(Exception):
    """The school's summariser gave no usable answer. `code` says which way it failed (one of
    FAILURES); `reason` is ours, short and safe to store (it never holds the key or what the
    endpoint said); `status` is its HTTP status if any."""

    def __init__(self, code: str, reason: str, *, status: int | None = None):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.status = status


# The ways a call fails: the address (refused: not a plain URL, not https, not public), the
# connection (timeout, unreachable), the answer's status (http), the answer itself (answer).
FAILURES = ("refused", "timeout", "unreachable", "http", "answer")


def chat_url(endpoint: str) -> str:
    """`{endpoint}/chat/completions`, or RemoteSummaryFailed for an endpoint that may not be
    called here (not a plain URL; http outside DEBUG)."""
    try:
        parts = base_url_parse(endpoint)
    except UnsafeURL as exc:
        raise RemoteSummaryFailed("refused", "the endpoint is not a valid URL") from exc
    if parts.scheme != "https" and not settings.DEBUG:
        raise RemoteSummaryFailed("refused", "the endpoint must use https")
    return parts.geturl() + CHAT_PATH


def _clock(ms: int) -> str:
    seconds = max(0, ms) // 1000
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def transcript_lines(cues: Sequence[Cue]) -> list[str]:
    """'[mm:ss] Speaker: text', a speaker's consecutive cues joined on one line (minutes go past
    59 in a long class: [75:10])."""
    lines: list[str] = []
    speaker: str | None = None
    for cue in cues:
        text = " ".join(cue.text.split())
        if not text:
            continue
        if lines and cue.speaker == speaker:
            lines[-1] += " " + text
        else:
            who = " ".join(cue.speaker.split()) or "Unknown"
            lines.append(f"[{_clock(cue.start_ms)}] {who}: {text}")
            speaker = cue.speaker
    return lines


def transcript_text(cues: Sequence[Cue], *, limit: int = MAX_TRANSCRIPT_CHARS) -> str:
    """The transcript for the prompt, at most about `limit` characters: when longer, the first
    two thirds and the last third of the budget, whole lines, and a line between them saying
    how many were left out. A single line longer than its share is cut."""
    lines = [line[: limit // 3] for line in transcript_lines(cues)]
    if sum(len(line) + 1 for line in lines) <= limit:
        return "\n".join(lines)
    head: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > limit * 2 // 3:
            break
        head.append(line)
        used += len(line) + 1
    tail: list[str] = []
    used = 0
    for line in reversed(lines[len(head) :]):
        if used + len(line) + 1 > limit // 3 - 60:
            break
        tail.append(line)
        used += len(line) + 1
    tail.reverse()
    left_out = len(lines) - len(head) - len(tail)
    return "\n".join([*head, f"[… {left_out} lines left out …]", *tail])


def request_body(cues: Sequence[Cue], *, model: str, title: str, language: str) -> dict[str, Any]:
    named = LANGUAGES.get(language)
    system = SYSTEM_PROMPT.replace("{language}", f" (probably {named})" if named else "")
    heading = f"Class: {title}\n\n" if title else ""
    return {
        "model": model,
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": heading + transcript_text(cues)},
        ],
        "response_format": {"type": "json_object"},
        "temperature": 0.2,
    }


# --- the answer ------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*```[A-Za-z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


def _json_object(content: str) -> dict[str, Any]:
    """The JSON object in a model's message: bare, in a ``` fence, or with words around it."""
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    try:
        value = json.loads(text)
    except ValueError:
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end <= start:
            raise RemoteSummaryFailed("answer", "the answer held no JSON object") from None
        try:
            value = json.loads(text[start : end + 1])
        except ValueError:
            raise RemoteSummaryFailed("answer", "the answer held no JSON object") from None
    if not isinstance(value, dict):
        raise RemoteSummaryFailed("answer", "the answer was not a JSON object")
    return value


def _seconds(value: Any) -> float | None:
    """A time in seconds from a number, a numeric string or "mm:ss" / "h:mm:ss"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) or (
        isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", value)
    ):
        seconds = float(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*\[?\d{1,3}(:\d{2}){1,2}\]?\s*", value):
        seconds = 0.0
        for part in value.strip(" []").split(":"):
            seconds = seconds * 60 + int(part)
    else:
        return None
    return seconds if math.isfinite(seconds) and 0 <= seconds < 10**7 else None


def _text(value: Any, limit: int) -> str:
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def draft_from_answer(answer: Any, *, model: str) -> Draft:
    """The draft in a chat-completions answer (already parsed from JSON)."""
    try:
        content = answer["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise RemoteSummaryFailed("answer", "the answer was not a chat completion") from None
    if not isinstance(content, str) or not content.strip():
        raise RemoteSummaryFailed("answer", "the answer was empty")
    value = _json_object(content)
    summary = value.get("summary")
    if isinstance(summary, list):  # a list of points instead of a paragraph
        summary = "\n".join(s for s in summary if isinstance(s, str))
    if not isinstance(summary, str) or not summary.strip():
        raise RemoteSummaryFailed("answer", "the answer had no summary")
    items = value.get("action_items", value.get("actionItems"))
    action_items = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict):
            continue
        text = _text(item.get("text"), ACTION_ITEM_MAX_CHARS)
        if not text:
            continue
        seconds = _seconds(item.get("start_seconds", item.get("startSeconds")))
        action_items.append(
            ActionItem(
                text=text,
                speaker=_text(item.get("speaker"), SPEAKER_MAX_CHARS),
                start_ms=None if seconds is None else round(seconds * 1000),
            )
        )
        if len(action_items) == MAX_ACTION_ITEMS:
            break
    answered_model = answer.get("model") if isinstance(answer, dict) else None
    return Draft(
        text=summary.strip()[:SUMMARY_MAX_CHARS],
        action_items=tuple(action_items),
        method="remote",
        model=(answered_model if isinstance(answered_model, str) and answered_model else model)[
            :100
        ],
    )


# --- the call --------------------------------------------------------------------------------


def _read_bounded(response: requests.Response, *, deadline: float) -> bytes:
    body = b""
    for chunk in response.iter_content(chunk_size=65536):
        body += chunk
        if len(body) > MAX_RESPONSE_BYTES:
            raise RemoteSummaryFailed(
                "answer", "the answer was too large", status=response.status_code
            )
        if time.monotonic() > deadline:
            raise RemoteSummaryFailed(
                "timeout", "the endpoint did not answer in time", status=response.status_code
            )
    return body


def summarise_remote(
    cues: Sequence[Cue],
    *,
    endpoint: str,
    api_key: str,
    model: str,
    title: str = "",
    language: str = "",
) -> Draft:
    """The school's model's summary of `cues`; RemoteSummaryFailed when there is none."""
    url = chat_url(endpoint)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    body = request_body(cues, model=model, title=title, language=language)
    deadline = time.monotonic() + TOTAL_SECONDS
    try:
        with outbound_session() as session:
            response = session.post(
                url,
                json=body,
                headers=headers,
                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                allow_redirects=False,
                stream=True,
            )
            with response:
                status = response.status_code
                if 300 <= status < 400:
                    raise RemoteSummaryFailed(
                        "answer", "the endpoint answered with a redirect", status=status
                    )
                if status >= 400:
                    raise RemoteSummaryFailed(
                        "http", f"the endpoint answered HTTP {status}", status=status
                    )
                raw = _read_bounded(response, deadline=deadline)
    except OutboundRefused:
        raise RemoteSummaryFailed("refused", "the endpoint's address is not a public one") from None
    except requests.Timeout:
        raise RemoteSummaryFailed("timeout", "the endpoint did not answer in time") from None
    except requests.RequestException:
        raise RemoteSummaryFailed("unreachable", "the endpoint could not be reached") from None
    try:
        answer = json.loads(raw)
    except ValueError:
        raise RemoteSummaryFailed("answer", "the answer was not JSON", status=status) from None
    try:
        return draft_from_answer(answer, model=model)
    except RemoteSummaryFailed as exc:
        exc.status = status
        raise
