"""Attendance scoring: how long each person was in the class, and what that makes them.

A pure module: no models, no database, no clock. The time a person attended is the union of their
join/leave segments clipped to the class window, so two devices or a quick rejoin never count
twice, and the result depends only on the set of segments, never on the order events arrived in.

Statuses, for a policy's threshold T (minutes, or a share of the class window):
- ABSENT:  attended less than `partial_minimum_seconds` (default 1: never joined, or joined only
  outside the window). This rule comes first, whatever T is.
- PRESENT: attended at least T (exactly T counts).
- PARTIAL: anything in between.
EXCUSED is set by people and never returned here.

All datetimes must be timezone-aware; they are compared and subtracted in UTC, so a class that
spans a daylight-saving change is measured in elapsed time, not wall-clock time.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from itertools import chain
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

_SECOND = timedelta(seconds=1)
_ZERO = timedelta(0)


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}.")
    # Subtracting two datetimes that share a tzinfo ignores DST changes between them: go to UTC.
    return value if value.tzinfo is UTC else value.astimezone(UTC)


class Status(StrEnum):
    PRESENT = "present"
    PARTIAL = "partial"
    ABSENT = "absent"
    EXCUSED = "excused"  # set by a teacher or admin; scoring never returns it


@dataclass(frozen=True)
class Segment:
    """One stretch of one device in the meeting. `start` None: a leave seen without its join
    (joined before we know, so from the window's start); `end` None: still in the meeting.
    Stored in UTC."""

    start: datetime | None
    end: datetime | None

    def __post_init__(self) -> None:
        if self.start is not None:
            object.__setattr__(self, "start", _utc(self.start, "Segment.start"))
        if self.end is not None:
            object.__setattr__(self, "end", _utc(self.end, "Segment.end"))


@dataclass(frozen=True)
class Score:
    attended_seconds: int
    status: Status


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Policy:
    """A tenant's thresholds: present after `present_minutes`, or after `present_share` (0..1)
    of the class window; exactly one of the two is set. Below `partial_minimum_seconds` of
    attended time a person is ABSENT (at least 1, so that never joining is always ABSENT)."""

    present_minutes: int | None = 15
    present_share: float | None = None
    partial_minimum_seconds: int = 1

    def __post_init__(self) -> None:
        if (self.present_minutes is None) == (self.present_share is None):
            raise ValueError(
                "Set exactly one of present_minutes or present_share "
                "(for a share, pass present_minutes=None)."
            )
        if self.present_minutes is not None and (
            not _is_int(self.present_minutes) or self.present_minutes < 0
        ):
            raise ValueError(
                f"present_minutes must be a whole number of minutes, 0 or more; "
                f"got {self.present_minutes!r}."
            )
        if self.present_share is not None:
            share = self.present_share
            if not isinstance(share, int | float) or isinstance(share, bool):
                raise ValueError(f"present_share must be a number from 0 to 1; got {share!r}.")
            if not (math.isfinite(share) and 0 <= share <= 1):
                raise ValueError(f"present_share must be from 0 to 1; got {share!r}.")
            object.__setattr__(self, "present_share", float(share))
        if not _is_int(self.partial_minimum_seconds) or self.partial_minimum_seconds < 1:
            raise ValueError(
                f"partial_minimum_seconds must be a whole number of seconds, 1 or more; "
                f"got {self.partial_minimum_seconds!r}."
            )

    def present_seconds(self, *, window_start: datetime, window_end: datetime) -> int:
        """Attended seconds needed to be PRESENT in this window (a share is rounded up)."""
        if self.present_minutes is not None:
            return self.present_minutes * 60
        lo, hi = _window(window_start, window_end)
        microseconds = (hi - lo) // timedelta(microseconds=1)
        # str() gives the share as written (0.3, not 0.29999…), so 30 % of 60 min is 1080 s.
        return math.ceil(Fraction(str(self.present_share)) * microseconds / 1_000_000)


def _window(window_start: datetime, window_end: datetime) -> tuple[datetime, datetime]:
    lo, hi = _utc(window_start, "window_start"), _utc(window_end, "window_end")
    if hi < lo:
        raise ValueError(f"The class window ends ({hi}) before it starts ({lo}).")
    return lo, hi


def _horizon(
    window_start: datetime, window_end: datetime, now: datetime | None
) -> tuple[datetime, datetime]:
    """The span that counts: the window, cut short at `now` while the class is in progress
    (nobody has attended the future, whether their segment is open or not)."""
    lo, hi = _window(window_start, window_end)
    if now is not None:
        hi = min(hi, _utc(now, "now"))
    return lo, hi


def _union_seconds(segments: Iterable[Segment], lo: datetime, hi: datetime) -> int:
    if hi <= lo:
        return 0
    spans = []
    for segment in segments:
        start = segment.start if segment.start is not None and segment.start > lo else lo
        end = segment.end if segment.end is not None and segment.end < hi else hi
        if end > start:  # drops reversed segments and those outside the span
            spans.append((start, end))
    if not spans:
        return 0
    spans.sort()
    total = _ZERO
    run_start, run_end = spans[0]
    for start, end in spans[1:]:
        if start > run_end:
            total += run_end - run_start
            run_start, run_end = start, end
        elif end > run_end:
            run_end = end
    total += run_end - run_start
    return total // _SECOND


def _status(attended: int, present_seconds: int, policy: Policy) -> Status:
    if attended < policy.partial_minimum_seconds:
        return Status.ABSENT
    if attended >= present_seconds:
        return Status.PRESENT
    return Status.PARTIAL


def attended_seconds(
    segments: Iterable[Segment],
    *,
    window_start: datetime,
    window_end: datetime,
    now: datetime | None = None,
) -> int:
    """Whole seconds (floored) covered by the union of `segments` within the window, up to `now`
    if given."""
    lo, hi = _horizon(window_start, window_end, now)
    return _union_seconds(segments, lo, hi)


def score(
    segments: Iterable[Segment],
    *,
    window_start: datetime,
    window_end: datetime,
    policy: Policy,
    now: datetime | None = None,
) -> Score:
    """One person's score. While the class is in progress (`now` before its end) the threshold
    is still that of the whole class, so the status is "so far"."""
    lo, hi = _horizon(window_start, window_end, now)
    attended = _union_seconds(segments, lo, hi)
    present = policy.present_seconds(window_start=window_start, window_end=window_end)
    return Score(attended, _status(attended, present, policy))


def score_many(
    people: Mapping[K, Iterable[Segment]],
    *,
    window_start: datetime,
    window_end: datetime,
    policy: Policy,
    enrolled: Iterable[K],
    now: datetime | None = None,
) -> dict[K, Score]:
    """Scores for everyone enrolled (ABSENT with 0 seconds if they have no segments) and for
    everyone with segments, enrolled or not (a guest or an unmatched participant)."""
    lo, hi = _horizon(window_start, window_end, now)
    present = policy.present_seconds(window_start=window_start, window_end=window_end)
    scores = {}
    for key in dict.fromkeys(chain(enrolled, people)):
        attended = _union_seconds(people.get(key, ()), lo, hi)
        scores[key] = Score(attended, _status(attended, present, policy))
    return scores
