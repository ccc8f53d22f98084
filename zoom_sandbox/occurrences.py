"""Zoom's expansion of a `recurrence` object into occurrences, written from Zoom's documentation
and independently of `meetings.recurrence`, so that the sandbox can catch mistakes there.

Zoom keeps the wall-clock time of the first start in the meeting's timezone; weekly days are
"1" (Sunday) to "7" (Saturday) and weeks start on Sunday; a month without the chosen day is
skipped; an occurrence id is the epoch milliseconds of its start."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_OCCURRENCES = 60
MAX_REPEAT_INTERVAL = {1: 99, 2: 50, 3: 10}


class RecurrenceInvalid(ValueError):
    """The recurrence object cannot be scheduled; `field` names the offending field."""

    def __init__(self, message: str, *, field: str = "recurrence"):
        super().__init__(message)
        self.field = field


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RecurrenceInvalid(f"Invalid timezone: {name}", field="timezone") from exc


def parse_start(value: str, timezone: str) -> datetime:
    """Zoom accepts `yyyy-MM-ddTHH:mm:ssZ` (UTC) or `yyyy-MM-ddTHH:mm:ss` (in `timezone`)."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise RecurrenceInvalid(f"Invalid start_time: {value}", field="start_time") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(timezone))
    return parsed.astimezone(UTC).replace(microsecond=0)


def occurrence_id(start: datetime) -> str:
    return str(int(start.timestamp() * 1000))


def _int(body: dict, key: str, default: int | None = None) -> int | None:
    value = body.get(key, default)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise RecurrenceInvalid(f"Invalid field: {key}", field=f"recurrence.{key}") from exc


def expand(recurrence: dict, first_start: datetime, timezone: str) -> list[datetime]:
    """Start times (aware, UTC) of every occurrence of a fixed-time recurring meeting."""
    kind = _int(recurrence, "type")
    if kind not in (1, 2, 3):
        raise RecurrenceInvalid("Invalid recurrence type.", field="recurrence.type")
    interval = _int(recurrence, "repeat_interval", 1)
    if not 1 <= interval <= MAX_REPEAT_INTERVAL[kind]:
        raise RecurrenceInvalid("Invalid repeat_interval.", field="recurrence.repeat_interval")
    end_times = _int(recurrence, "end_times")
    end_date_time = recurrence.get("end_date_time")
    if end_times is not None and end_date_time:
        raise RecurrenceInvalid(
            "end_times and end_date_time cannot be used together.", field="recurrence.end_times"
        )
    if end_times is None and not end_date_time:
        end_times = 1  # Zoom's default
    if end_times is not None and not 1 <= end_times <= MAX_OCCURRENCES:
        raise RecurrenceInvalid("Invalid end_times.", field="recurrence.end_times")
    until = parse_start(end_date_time, "UTC") if end_date_time else None

    tz = zone(timezone)
    local_first = first_start.astimezone(tz)
    wall = local_first.time().replace(tzinfo=None)
    starts: list[datetime] = []
    for day in _days(kind, interval, recurrence, local_first.date()):
        start = datetime.combine(day, wall, tz).astimezone(UTC)
        if until is not None and start > until:
            break
        starts.append(start)
        if len(starts) == (end_times or MAX_OCCURRENCES):
            break
        if day.year > local_first.year + 20:  # a monthly rule that never matches
            break
    if not starts:
        raise RecurrenceInvalid("The recurrence has no occurrence.", field="recurrence")
    return starts


def _weekly_days(recurrence: dict) -> list[int]:
    raw = str(recurrence.get("weekly_days") or "")
    try:
        days = sorted({int(part) for part in raw.split(",") if part.strip()})
    except ValueError as exc:
        raise RecurrenceInvalid("Invalid weekly_days.", field="recurrence.weekly_days") from exc
    if not days or not all(1 <= d <= 7 for d in days):
        raise RecurrenceInvalid("Invalid weekly_days.", field="recurrence.weekly_days")
    return days


def _days(kind: int, interval: int, recurrence: dict, first: date):
    if kind == 1:
        day = first
        while True:
            yield day
            day += timedelta(days=interval)
    elif kind == 2:
        days = _weekly_days(recurrence)
        # Python: Monday = 0 ... Sunday = 6; Zoom: Sunday = 1 ... Saturday = 7
        sunday = first - timedelta(days=(first.weekday() + 1) % 7)
        while True:
            for zoom_day in days:
                day = sunday + timedelta(days=zoom_day - 1)
                if day >= first:
                    yield day
            sunday += timedelta(weeks=interval)
    else:
        month_day = _int(recurrence, "monthly_day")
        week = _int(recurrence, "monthly_week")
        week_day = _int(recurrence, "monthly_week_day")
        if month_day is None and (week is None or week_day is None):
            raise RecurrenceInvalid("Invalid monthly_day.", field="recurrence.monthly_day")
        if month_day is not None and not 1 <= month_day <= 31:
            raise RecurrenceInvalid("Invalid monthly_day.", field="recurrence.monthly_day")
        if month_day is None and (week not in (-1, 1, 2, 3, 4) or not 1 <= week_day <= 7):
            raise RecurrenceInvalid("Invalid monthly_week.", field="recurrence.monthly_week")
        year, month = first.year, first.month
        while True:
            day = (
                _month_day(year, month, month_day)
                if month_day is not None
                else _nth_weekday(year, month, week, week_day)
            )
            if day is not None and day >= first:
                yield day
            month += interval
            year, month = year + (month - 1) // 12, (month - 1) % 12 + 1


def _month_day(year: int, month: int, month_day: int) -> date | None:
    if month_day > calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, month_day)


def _nth_weekday(year: int, month: int, week: int, zoom_day: int) -> date:
    python_day = (zoom_day - 2) % 7
    days = [
        date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() == python_day
    ]
    return days[-1] if week == -1 else days[week - 1]
