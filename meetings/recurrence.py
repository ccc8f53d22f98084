"""Recurrence rules: daily, weekly on given days, or monthly on a day of the month or on a
weekday of a week of the month (Zoom's `monthly_week` / `monthly_week_day`); every
`interval` periods; ending after `count` occurrences or on `until`. Mapped to Zoom's recurrence
object, and expanded into occurrences by dateutil's RRULE implementation (RFC 5545) with Zoom's
rules: weeks start on Sunday, a month without the chosen day is skipped, `until` is the last
local day; wall-clock time in the meeting's timezone, so a class at 09:00 stays at 09:00 across
daylight-saving changes. Checked against the Zoom sandbox's own expansion
(`zoom_sandbox/occurrences.py`) and against a calendar reading our RRULE."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, rrule

MAX_OCCURRENCES = 60  # Zoom's limit for one recurring meeting
MAX_INTERVAL = {"daily": 99, "weekly": 50, "monthly": 10}  # Zoom's limits for repeat_interval
WEEKDAY_NAMES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # index = Python's weekday()
_WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)  # dateutil's, by Python's weekday()


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
    # Monthly on a weekday instead of a day: week 1..4 or -1 (the last), weekday Monday = 0.
    month_week: int | None = None
    month_weekday: int | None = None
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
        by_weekday = self.month_week is not None or self.month_weekday is not None
        if frequency == Frequency.MONTHLY:
            if by_weekday:
                if self.month_day is not None:
                    raise RecurrenceError("Choose a day of the month or a weekday, not both.")
                if self.month_week not in (-1, 1, 2, 3, 4):
                    raise RecurrenceError("The week of the month is 1 to 4, or -1 for the last.")
                if self.month_weekday is None or not 0 <= self.month_weekday <= 6:
                    raise RecurrenceError("Days of the week are 0 (Monday) to 6 (Sunday).")
            elif self.month_day is None or not 1 <= self.month_day <= 31:
                raise RecurrenceError("Choose a day of the month from 1 to 31.")
        elif self.month_day is not None or by_weekday:
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
            if self.month_weekday is not None:
                body["monthly_week"] = self.month_week
                body["monthly_week_day"] = (self.month_weekday + 1) % 7 + 1
            else:
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
        by_weekday = kind == Frequency.MONTHLY and not body.get("monthly_day")
        return cls(
            frequency=kind,
            interval=int(body.get("repeat_interval") or 1),
            weekdays=tuple((int(d) - 2) % 7 for d in str(body["weekly_days"]).split(","))
            if kind == Frequency.WEEKLY
            else (),
            month_day=int(body["monthly_day"])
            if kind == Frequency.MONTHLY and not by_weekday
            else None,
            month_week=int(body["monthly_week"]) if by_weekday else None,
            month_weekday=(int(body["monthly_week_day"]) - 2) % 7 if by_weekday else None,
            count=int(body["end_times"]) if body.get("end_times") else None,
            until=until,
        )

    # --- expansion -------------------------------------------------------------------------

    def occurrences(self, first_start: datetime, *, timezone: str) -> list[datetime]:
        """Start times (aware, UTC) of every occurrence, the first at or after `first_start`.

        Expanded by dateutil's RRULE implementation on the wall clock of the class's zone
        (naive local times), then placed in the zone: a class at 09:00 stays at 09:00 across
        daylight-saving changes. On a day when that time does not exist (02:30 on the spring
        change) the occurrence is that time read with the offset from before the gap (03:30
        summer time), as RFC 5545 3.3.5 reads a DTSTART there."""
        starts = self.wall_clock_starts(first_start, timezone=timezone)
        return [start.astimezone(UTC) for start in starts]

    def wall_clock_starts(self, first_start: datetime, *, timezone: str) -> list[datetime]:
        """The occurrences of `occurrences` in the class's zone, each at the rule's wall-clock
        time even where that time does not exist that day (what a calendar's DTSTART,
        EXDATE and RECURRENCE-ID say). `first_start` given in that zone keeps its wall clock
        as it is (`wall_clocks_at`)."""
        zone = ZoneInfo(timezone)
        local_first = first_start.astimezone(zone)
        wall = local_first.timetz().replace(tzinfo=None)
        # One more than the limit, to tell "exactly the limit" from "more than the limit".
        limit = self.count or MAX_OCCURRENCES + 1
        days = [
            when.date() for when in islice(self._rrule(local_first.replace(tzinfo=None)), limit)
        ]
        if not days:
            # A monthly rule on the 31st that ends before any month has one: nothing to
            # schedule, and a series without a first class has nothing to show or start.
            raise RecurrenceError("That rule makes no class before it ends; end it later.")
        if len(days) > MAX_OCCURRENCES:
            raise RecurrenceError(
                f"That rule makes more than {MAX_OCCURRENCES} occurrences; end it sooner."
            )
        return [datetime.combine(day, wall, zone) for day in days]

    def _rrule(self, dtstart: datetime) -> rrule:
        """The rule as dateutil's `rrule`, from `dtstart` (naive, the class's wall clock)."""
        options: dict[str, Any] = {
            "dtstart": dtstart,
            "interval": self.interval,
            # Zoom's weeks start on Sunday (weekly_days 1 = Sunday): it matters for "every 2
            # weeks on Sunday and Monday".
            "wkst": SU,
        }
        if self.frequency == Frequency.WEEKLY:
            options["byweekday"] = [_WEEKDAYS[d] for d in self.weekdays]
        elif self.frequency == Frequency.MONTHLY:
            if self.month_weekday is not None:
                options["byweekday"] = [_WEEKDAYS[self.month_weekday](self.month_week or 1)]
            else:
                # A month without that day (the 31st in April) is skipped, as RFC 5545 does.
                options["bymonthday"] = [self.month_day]
        if self.count is not None:
            options["count"] = self.count
        elif self.until is not None:
            # The whole last day, on the class's wall clock.
            options["until"] = datetime.combine(self.until, time.max)
        if self.frequency == Frequency.DAILY:
            return rrule(DAILY, **options)
        return rrule(WEEKLY if self.frequency == Frequency.WEEKLY else MONTHLY, **options)

    def describe(self) -> str:
        every = f"every {self.interval} " if self.interval > 1 else "every "
        if self.frequency == Frequency.DAILY:
            text = every + ("days" if self.interval > 1 else "day")
        elif self.frequency == Frequency.WEEKLY:
            days = ", ".join(calendar.day_name[d] for d in self.weekdays)
            text = every + ("weeks" if self.interval > 1 else "week") + f" on {days}"
        elif self.month_weekday is not None:
            nth = {-1: "last", 1: "first", 2: "second", 3: "third", 4: "fourth"}
            text = (
                every
                + ("months" if self.interval > 1 else "month")
                + f" on the {nth[self.month_week or 1]} {calendar.day_name[self.month_weekday]}"
            )
        else:
            text = (
                every + ("months" if self.interval > 1 else "month") + f" on day {self.month_day}"
            )
        end = f", {self.count} times" if self.count else f", until {self.until}"
        return text + end


def wall_clocks_at(start: datetime, *, timezone: str) -> list[datetime]:
    """The wall-clock times in `timezone` that are the instant `start`: its local time, and,
    when `start` falls just after a spring change, the time in the gap that reads as `start`
    (02:30 on that day is 03:30 summer time, RFC 5545 3.3.5). A series whose first occurrence
    fell in the gap was stored by its instant: which of the two is its wall clock is told by
    its other occurrences."""
    zone = ZoneInfo(timezone)
    local = start.astimezone(zone)
    found = [local]
    before = (start - timedelta(hours=3)).astimezone(zone).utcoffset()
    after = local.utcoffset()
    if before is None or after is None or after <= before:
        return found
    in_gap = (local.replace(tzinfo=None) - (after - before)).replace(tzinfo=zone)
    exists = in_gap.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == in_gap.replace(
        tzinfo=None
    )
    if not exists and in_gap.astimezone(UTC) == start.astimezone(UTC):
        found.append(in_gap)
    return found
