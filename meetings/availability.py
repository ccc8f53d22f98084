"""Free times for a class: busy intervals merged, candidate slots within the school's hours on
its wall clock, free of every busy interval, and clashes of planned times with busy ones. Pure:
no database and no Django (an import contract); `meetings.availability_selectors` gathers the
busy times and the school's hours.

Candidates step on the wall clock from the start of the school day, every STEP (15 minutes:
school timetables are laid out in quarter hours, and a 30-minute step would miss a 45-minute
gap between a class ending at 10:15 and one at 11:00). A day of a daylight-saving change keeps
its wall-clock grid: a local time that does not exist that day (skipped by the spring change) is
not offered, and one that happens twice (the autumn change) is offered once, the first time.

Suggestions are spread over the window rather than packed into its first day: each day gives at
most as many as `first` shared among the days that have a free time (at least one, at most
MAX_PER_DAY), the earliest ones of the day that do not overlap one another; then the earliest
`first` of them all. A month asked for 20 suggestions gets about one a school day; a week, up to
three a day."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

STEP = timedelta(minutes=15)
MAX_PER_DAY = 3


@dataclass(frozen=True, order=True)
class Interval:
    """[start, end): aware datetimes."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class SchoolHours:
    """When classes are held: from `day_start` to `day_end` on `school_days` (Monday = 0), on
    the wall clock of `timezone` (the school's)."""

    day_start: time
    day_end: time
    school_days: frozenset[int]
    timezone: str


class Timed(Protocol):
    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


T = TypeVar("T", bound=Timed)


# --- intervals -----------------------------------------------------------------------------------


def intervals_merge(intervals: Iterable[Timed]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same time (touching ones joined); empty ones
    dropped."""
    merged: list[Interval] = []
    for item in sorted((i.start, i.end) for i in intervals if i.end > i.start):
        start, end = item
        if merged and start <= merged[-1].end:
            if end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, end)
        else:
            merged.append(Interval(start, end))
    return merged


def intervals_subtract(intervals: Iterable[Timed], minus: Iterable[Timed]) -> list[Interval]:
    """The parts of `intervals` outside every interval of `minus` (merged)."""
    cuts = intervals_merge(minus)
    result: list[Interval] = []
    for piece in intervals_merge(intervals):
        start = piece.start
        for cut in cuts:
            if cut.end <= start or cut.start >= piece.end:
                continue
            if cut.start > start:
                result.append(Interval(start, cut.start))
            start = max(start, cut.end)
        if start < piece.end:
            result.append(Interval(start, piece.end))
    return result


def is_free(slot: Timed, merged: Sequence[Interval], starts: Sequence[datetime]) -> bool:
    """Whether `slot` overlaps none of `merged` (sorted and disjoint; `starts` their starts)."""
    before = bisect_left(starts, slot.end) - 1  # the last busy interval starting before the end
    return before < 0 or merged[before].end <= slot.start


def overlapping(planned: Sequence[Interval], busy: Sequence[T]) -> list[tuple[Interval, T]]:
    """Every (planned interval, busy item) pair that overlap, in the order of `planned`, then of
    the busy items' starts."""
    items = sorted((b for b in busy if b.end > b.start), key=lambda b: (b.start, b.end))
    if not items:
        return []
    starts = [b.start for b in items]
    longest = max(b.end - b.start for b in items)
    pairs: list[tuple[Interval, T]] = []
    for want in planned:
        # Only items starting within `longest` before the planned start can reach into it.
        low = bisect_left(starts, want.start - longest)
        high = bisect_left(starts, want.end)
        pairs.extend((want, b) for b in items[low:high] if b.end > want.start)
    return pairs


# --- the wall clock ------------------------------------------------------------------------------


def wall_instant(day: date, wall: time, zone: ZoneInfo) -> datetime | None:
    """The instant (UTC) at which the clock in `zone` shows `wall` on `day`: None when it never
    does (the hour skipped by a spring change); the first of the two when it does twice."""
    naive = datetime.combine(day, wall)
    aware = naive.replace(tzinfo=zone)  # fold=0: the earlier of an ambiguous pair
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return instant


def _day_slots(
    day: date,
    hours: SchoolHours,
    zone: ZoneInfo,
    *,
    start: datetime,
    end: datetime,
    duration: timedelta,
    step: timedelta,
) -> Iterator[Interval]:
    """The slots of `duration` of one school day that start on its wall-clock grid, end by its
    end and lie inside [start, end), in order."""
    wall = datetime.combine(day, hours.day_start)
    wall_end = datetime.combine(day, hours.day_end)
    # The day's end by the wall clock (the earlier instant, should a change fall on it).
    close = wall_end.replace(tzinfo=zone).astimezone(UTC)
    # Most days keep one offset from the first bell to the last: then each wall-clock time is
    # that offset away from UTC, without asking the zone every time.
    offsets = {
        edge.replace(tzinfo=zone, fold=fold).utcoffset()
        for edge in (wall, wall_end)
        for fold in (0, 1)
    }
    offset = offsets.pop() if len(offsets) == 1 else None
    while wall < wall_end:
        if offset is not None:
            instant: datetime | None = (wall - offset).replace(tzinfo=UTC)
        else:
            instant = wall_instant(day, wall.time(), zone)
        wall += step
        if instant is None:
            continue
        slot = Interval(instant, instant + duration)
        if slot.end > close:
            return  # later ones end later still (the grid only moves forward)
        if slot.start >= start and slot.end <= end:
            yield slot


def school_day_slots(
    hours: SchoolHours,
    *,
    start: datetime,
    end: datetime,
    duration: timedelta,
    step: timedelta = STEP,
) -> Iterator[tuple[date, Iterator[Interval]]]:
    """Each school day from `start` to `end` (in the school's zone) with its candidate slots
    (`_day_slots`), in order."""
    zone = ZoneInfo(hours.timezone)
    day = start.astimezone(zone).date()
    last_day = end.astimezone(zone).date()
    while day <= last_day:
        if day.weekday() in hours.school_days:
            yield (
                day,
                _day_slots(day, hours, zone, start=start, end=end, duration=duration, step=step),
            )
        day += timedelta(days=1)


def slots_suggest(
    *,
    hours: SchoolHours,
    busy: Iterable[Timed],
    duration: timedelta,
    start: datetime,
    end: datetime,
    first: int,
    step: timedelta = STEP,
    max_per_day: int = MAX_PER_DAY,
) -> list[Interval]:
    """Up to `first` free slots of `duration` in [start, end), earliest first, spread over the
    days (module docstring)."""
    if first < 1 or duration <= timedelta(0):
        return []
    merged = intervals_merge(busy)
    starts = [b.start for b in merged]
    # Each day's earliest free slots that do not overlap one another, at most max_per_day (a
    # smaller share per day is a prefix of these).
    days: list[list[Interval]] = []
    for _day, slots in school_day_slots(hours, start=start, end=end, duration=duration, step=step):
        taken: list[Interval] = []
        for slot in slots:
            if (not taken or slot.start >= taken[-1].end) and is_free(slot, merged, starts):
                taken.append(slot)
                if len(taken) == max_per_day:
                    break
        if taken:
            days.append(taken)
    if not days:
        return []
    per_day = min(max_per_day, max(1, math.ceil(first / len(days))))
    chosen = sorted(slot for taken in days for slot in taken[:per_day])
    return chosen[:first]
