"""The per-person feed (`/calendar/<token>.ics`): the meetings a person may see, as iCalendar
made by `meetings.calendars`."""

import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from meetings.calendars import CalendarItem, calendar_build
from meetings.models import CalendarEvent, Meeting
from meetings.policy import meetings_visible
from tenants.accounts.models import User

logger = logging.getLogger(__name__)

# What a feed shows: calendars poll it every few minutes, so it stays small whatever the school
# has stored — a month back, a year ahead, at most so many events (the soonest first).
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=366)
FEED_MAX_EVENTS = 1000


def feed_meetings(*, user: User) -> QuerySet[Meeting]:
    """The meetings of `user`'s feed, with what rendering reads."""
    now = timezone.now()
    return (
        meetings_visible(user)
        .filter(start_time__gte=now - FEED_PAST, start_time__lte=now + FEED_AHEAD)
        .select_related("calendar_event", "school_class")
        .order_by("start_time", "pk")[:FEED_MAX_EVENTS]
    )


def meeting_item(meeting: Meeting, *, page_url: str, join_url: str = "") -> CalendarItem:
    """One session as a calendar event, with its calendar identity (uid, sequence)."""
    event: CalendarEvent = meeting.calendar_event
    return CalendarItem(
        uid=event.uid,
        sequence=event.sequence,
        title=meeting.title,
        description=meeting.description,
        start=meeting.start_time,
        end=meeting.end_time,
        timezone=meeting.timezone,
        cancelled=event.status == CalendarEvent.Status.CANCELLED,
        page_url=page_url,
        join_url=join_url,
    )


def _items(
    meetings: Iterable[Meeting], join_base: str, links: Mapping[int, str]
) -> Iterator[CalendarItem]:
    for meeting in meetings:
        if getattr(meeting, "calendar_event", None) is None:
            continue
        try:
            link = links.get(meeting.pk, "")
            page = link or f"{join_base.rstrip('/')}/app/meetings/{meeting.pk}"
            yield meeting_item(meeting, page_url=page, join_url=link)
        except (OverflowError, ValueError) as exc:
            # One bad row (a start near year 9999 whose end overflows) must not take the whole
            # feed, and every calendar of the class with it, down.
            logger.error("calendar feed: meeting %s skipped: %r", meeting.pk, exc)


def calendar_render(
    *,
    meetings: Iterable[Meeting],
    name: str,
    join_base: str,
    links: Mapping[int, str] | None = None,
) -> str:
    """Links in the feed are the platform's own, never Zoom's: the person's join link (`links`,
    by meeting id) where they may join, else the meeting's page (`/meetings/<id>/`)."""
    items = _items(meetings, join_base, links or {})
    body = calendar_build(method="PUBLISH", items=items, name=name)
    return body.decode()
