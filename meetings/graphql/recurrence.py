"""A recurrence rule as the scheduling form sends it (`scheduleMeeting`, `schedulingClashes`)."""

from __future__ import annotations

from datetime import date

import strawberry

from meetings.graphql import types as t
from meetings.recurrence import Frequency, RecurrenceRule


@strawberry.input
class RecurrenceInput:
    frequency: t.Frequency
    interval: int = 1
    weekdays: list[int] | None = None  # 0 = Monday … 6 = Sunday
    month_day: int | None = None
    month_week: int | None = None  # monthly on a weekday: 1..4, or -1 for the last week
    month_weekday: int | None = None  # 0 = Monday … 6 = Sunday
    count: int | None = None
    until: date | None = None


def rule_from_input(r: RecurrenceInput | None) -> RecurrenceRule | None:
    """The rule (RecurrenceError when it cannot be scheduled), or None for a single class."""
    if r is None:
        return None
    return RecurrenceRule(
        frequency=Frequency(r.frequency.value),
        interval=r.interval,
        weekdays=tuple(r.weekdays or ()),
        month_day=r.month_day,
        month_week=r.month_week,
        month_weekday=r.month_weekday,
        count=r.count,
        until=r.until,
    )
