"""Recurrence rules: daily, weekly on given days, or monthly on a day of the month; every
`interval` periods; ending after `count` occurrences or on `until`. Mapped to Zoom's recurrence
object, and expanded into occurrences locally (wall-clock time in the meeting's timezone, so a
class at 09:00 stays at 09:00 across daylight-saving changes)."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

MAX_OCCURRENCES = 60  # Zoom's limit for one recurring meeting
MAX_INTERVAL = {"daily": 99, "weekly": 50, "monthly": 10}  # Zoom's limits for repeat_interval
WEEKDAY_NAMES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # index = Python's weekday()


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class RecurrenceError(ValueError):
    """A rule that cannot be scheduled; the message says why, for the person scheduling."""


@dataclass(frozen=True)
class RecurrenceRule:
    frequency: Frequency
    interval: int = 1
    weekdays: tuple[int, ...] = ()  # Python weekdays, Monday = 0; weekly only
    month_day: int | None = None  # 1..31; monthly only
    count: int | None = None
    until: date | None = None  # last day on which an occurrence may fall, inclusive

    def __post_init__(self) -> None:
        frequency = Frequency(self.frequency)
        object.__setattr__(self, "frequency", frequency)
        object.__setattr__(self, "weekdays", tuple(sorted(set(self.weekdays))))
        if not 1 <= self.interval <= MAX_INTERVAL[frequency]:
            raise RecurrenceError(
                f"A {frequency} class can repeat every 1 to {MAX_INTERVAL[frequency]} "
                f"{'days' if frequency == 'daily' else frequency[:-2] + 's'}."
            )
        if (self.count is None) == (self.until is None):
            raise RecurrenceError("Say either how many times the class happens or until when.")
        if self.count is not None and not 1 <= self.count <= MAX_OCCURRENCES:
            raise RecurrenceError(f"A recurring class can have 1 to {MAX_OCCURRENCES} occurrences.")
        if frequency == Frequency.WEEKLY:
            if not self.weekdays:
                raise RecurrenceError("Choose at least one day of the week.")
            if not all(0 <= d <= 6 for d in self.weekdays):
                raise RecurrenceError("Days of the week are 0 (Monday) to 6 (Sunday).")
        elif self.weekdays:
            raise RecurrenceError("Days of the week only apply to weekly classes.")
        if frequency == Frequency.MONTHLY:
            if self.month_day is None or not 1 <= self.month_day <= 31:
                raise RecurrenceError("Choose a day of the month from 1 to 31.")
        elif self.month_day is not None:
            raise RecurrenceError("A day of the month only applies to monthly classes.")

    # --- Zoom ------------------------------------------------------------------------------

    def to_zoom(self, *, timezone: str) -> dict[str, Any]:
        """Zoom's `recurrence` object (type 1 daily, 2 weekly, 3 monthly)."""
        body: dict[str, Any] = {"repeat_interval": self.interval}
        if self.frequency == Frequency.DAILY:
            body["type"] = 1
        elif self.frequency == Frequency.WEEKLY:
            body["type"] = 2
            # Zoom numbers days 1 = Sunday ... 7 = Saturday
            body["weekly_days"] = ",".join(str((d + 1) % 7 + 1) for d in self.weekdays)
        else:
            body["type"] = 3
            body["monthly_day"] = self.month_day
        if self.count is not None:
            body["end_times"] = self.count
        elif self.until is not None:  # one of the two, always (__post_init__)
            local_end = datetime.combine(self.until, time(23, 59), ZoneInfo(timezone))
            body["end_date_time"] = local_end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return body

    @classmethod
    def from_zoom(cls, body: dict[str, Any], *, timezone: str) -> RecurrenceRule:
        kind = {1: Frequency.DAILY, 2: Frequency.WEEKLY, 3: Frequency.MONTHLY}[int(body["type"])]
        until = None
        if body.get("end_date_time") and not body.get("end_times"):
            end = datetime.fromisoformat(body["end_date_time"].replace("Z", "+00:00"))
            until = end.astimezone(ZoneInfo(timezone)).date()
        return cls(
            frequency=kind,
            interval=int(body.get("repeat_interval") or 1),
            weekdays=tuple((int(d) - 2) % 7 for d in str(body["weekly_days"]).split(","))
            if kind == Frequency.WEEKLY
            else (),
            month_day=int(body["monthly_day"]) if kind == Frequency.MONTHLY else None,
            count=int(body["end_times"]) if body.get("end_times") else None,
            until=until,
        )

    # --- expansion -------------------------------------------------------------------------

    def occurrences(self, first_start: datetime, *, timezone: str) -> list[datetime]:
        """Start times (aware, UTC) of every occurrence, the first at or after `first_start`."""
        zone = ZoneInfo(timezone)
        local_first = first_start.astimezone(zone)
        wall = local_first.timetz().replace(tzinfo=None)
        starts: list[datetime] = []
        for day in self._days(local_first.date()):
            if self.until is not None and day > self.until:
                break
            starts.append(datetime.combine(day, wall, zone).astimezone(UTC))
            if len(starts) == (self.count or MAX_OCCURRENCES):
                break
        if not starts:
            # A monthly rule on the 31st that ends before any month has one: nothing to
            # schedule, and a series without a first class has nothing to show or start.
            raise RecurrenceError("That rule makes no class before it ends; end it later.")
        if self.until is not None and len(starts) >= MAX_OCCURRENCES:
            raise RecurrenceError(
                f"That rule makes more than {MAX_OCCURRENCES} occurrences; end it sooner."
            )
        return starts

    def _days(self, first: date) -> Iterator[date]:
        if self.frequency == Frequency.DAILY:
            day = first
            while True:
                yield day
                day += timedelta(days=self.interval)
        elif self.frequency == Frequency.WEEKLY:
            # Zoom's weeks start on Sunday (weekly_days 1 = Sunday): it matters for "every
            # 2 weeks on Sunday and Monday".
            week_start = first - timedelta(days=(first.weekday() + 1) % 7)
            sunday_first = sorted(self.weekdays, key=lambda d: (d + 1) % 7)
            while True:
                for weekday in sunday_first:
                    day = week_start + timedelta(days=(weekday + 1) % 7)
                    if day >= first:
                        yield day
                week_start += timedelta(weeks=self.interval)
        elif self.month_day is not None:  # monthly rules always have one (__post_init__)
            year, month = first.year, first.month
            while True:
                # A month without that day (the 31st in April) is skipped, as RFC 5545 does.
                if self.month_day <= calendar.monthrange(year, month)[1]:
                    day = date(year, month, self.month_day)
                    if day >= first:
                        yield day
                month += self.interval
                year, month = year + (month - 1) // 12, (month - 1) % 12 + 1

    def describe(self) -> str:
        every = f"every {self.interval} " if self.interval > 1 else "every "
        if self.frequency == Frequency.DAILY:
            text = every + ("days" if self.interval > 1 else "day")
        elif self.frequency == Frequency.WEEKLY:
            days = ", ".join(calendar.day_name[d] for d in self.weekdays)
            text = every + ("weeks" if self.interval > 1 else "week") + f" on {days}"
        else:
            text = (
                every + ("months" if self.interval > 1 else "month") + f" on day {self.month_day}"
            )
        end = f", {self.count} times" if self.count else f", until {self.until}"
        return text + end
