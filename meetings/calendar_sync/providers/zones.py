"""The timezone an event is written in."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

logger = logging.getLogger(__name__)


def known_zone(name: str) -> str:
    """`name` when it is an IANA zone this host knows, else "UTC". The event's start and end
    are aware instants either way, so the event lands at the right time; only its wall-clock
    label would differ (a class saved with a zone since withdrawn from the tz database)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("calendar event timezone %r unknown: written in UTC", name[:60])
        return "UTC"
    return name
