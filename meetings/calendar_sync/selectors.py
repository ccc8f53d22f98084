"""Reads of the calendar sync: the school's provider apps, a person's connections, and which
sessions a person's calendar should hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.calendar_sync.models import CalendarApp, CalendarConnection, Provider, SyncedEvent
from meetings.models import Meeting
from meetings.policy import meetings_visible
from tenants.accounts.models import User

# What a person's calendar holds: their feed's upcoming sessions (meetings.ics), from a day
# back (a session that just ended stays until tomorrow) to a year ahead, the soonest first, at
# most so many (an admin sees every session of the school).
SYNC_PAST = timedelta(days=1)
SYNC_AHEAD = timedelta(days=366)
SYNC_MAX_EVENTS = 500


@dataclass(frozen=True)
class SyncWindow:
    start: datetime
    end: datetime


def sync_window(*, now: datetime | None = None) -> SyncWindow:
    now = now or timezone.now()
    return SyncWindow(start=now - SYNC_PAST, end=now + SYNC_AHEAD)


# A connection's `last_error` is one of these codes ("failed:<count>"), put into words when it
# is read, in the reader's language.
ERROR_NEEDS_RECONNECT = "needs_reconnect"
ERROR_REFUSED = "refused"
ERROR_NOT_SET_UP = "not_set_up"
ERROR_FAILED = "failed"
# The provider's quota for the day is used up: the next periodic sync goes on.
ERROR_QUOTA = "quota"


def calendar_error_text(*, code: str, provider: str) -> str:
    """A connection's last error in our words ("" when none)."""
    label = str(Provider(provider).label) if provider in Provider.values else provider
    name, _sep, count = code.partition(":")
    if not code:
        return ""
    if name == ERROR_NEEDS_RECONNECT:
        return _("%(provider)s no longer accepts our access. Connect it again.") % {
            "provider": label
        }
    if name == ERROR_REFUSED:
        return _("%(provider)s refused our access. Connect it again if this goes on.") % {
            "provider": label
        }
    if name == ERROR_NOT_SET_UP:
        return _("The school has switched %(provider)s off.") % {"provider": label}
    if name == ERROR_QUOTA:
        return _(
            "%(provider)s's daily limit was reached; your calendar will be brought up to date "
            "later."
        ) % {"provider": label}
    if name == ERROR_FAILED and count.isdigit():
        return _("Some sessions (%(count)s) could not be written; they will be tried again.") % {
            "count": count
        }
    return _("The calendar could not be reached. Try again later.")


def calendar_app_get(*, provider: str) -> CalendarApp | None:
    return CalendarApp.objects.filter(provider=provider).first()


def calendar_apps() -> dict[str, CalendarApp]:
    """The school's apps by provider (a provider never entered is absent)."""
    return {app.provider: app for app in CalendarApp.objects.all()}


def calendar_providers_available() -> list[tuple[str, bool]]:
    """Every provider, and whether people may connect it (its app entered and enabled)."""
    apps = calendar_apps()
    return [(p.value, bool(apps.get(p.value) and apps[p.value].usable)) for p in Provider]


def calendar_connected_counts() -> dict[str, int]:
    rows = CalendarConnection.objects.values("provider").annotate(n=Count("pk"))
    return {row["provider"]: row["n"] for row in rows}


# An event is there when it was written (a remote id) and not deleted since.
_WRITTEN = Q(events__removed=False) & ~Q(events__remote_id="")


def calendar_connections_of(*, user: User) -> list[CalendarConnection]:
    """`user`'s own connections, each with `event_count`: the events written there now."""
    return list(
        CalendarConnection.objects.filter(user=user)
        .annotate(event_count=Count("events", filter=_WRITTEN))
        .order_by("provider")
    )


def calendar_connection_of(*, user: User, provider: str) -> CalendarConnection | None:
    return (
        CalendarConnection.objects.filter(user=user, provider=provider)
        .annotate(event_count=Count("events", filter=_WRITTEN))
        .first()
    )


def calendar_sync_wanted(
    *, user: User, window: SyncWindow, meeting_ids: list[int] | None = None
) -> list[Meeting]:
    """The sessions `user`'s calendar should show (the cancelled ones among them are deleted
    there), with what an event body reads; `meeting_ids` narrows it to those sessions."""
    rows: QuerySet[Meeting] = meetings_visible(user).filter(
        start_time__gte=window.start, start_time__lte=window.end
    )
    if meeting_ids is not None:
        rows = rows.filter(pk__in=meeting_ids)
    return list(rows.select_related("school_class").order_by("start_time", "pk")[:SYNC_MAX_EVENTS])


def calendar_sync_horizon_end(*, user: User, window: SyncWindow) -> datetime:
    """The start of the last session the capped set holds: later ones are beyond the cap."""
    last = (
        meetings_visible(user)
        .filter(start_time__gte=window.start, start_time__lte=window.end)
        .order_by("start_time", "pk")
        .values_list("start_time", flat=True)[SYNC_MAX_EVENTS - 1 : SYNC_MAX_EVENTS]
    )
    found = list(last)
    return found[0] if found else window.end


def calendar_connections_concerned(*, meeting_ids: list[int]) -> list[int]:
    """The active connections a change of these sessions concerns: those holding an event of
    one of them, and those whose person may now see one of them."""
    ids = set(
        SyncedEvent.objects.filter(
            meeting_id__in=meeting_ids, connection__status=CalendarConnection.Status.ACTIVE
        ).values_list("connection_id", flat=True)
    )
    window = sync_window()
    upcoming = list(
        Meeting.objects.filter(
            pk__in=meeting_ids, start_time__gte=window.start, start_time__lte=window.end
        ).values_list("pk", flat=True)
    )
    if upcoming:
        # One question per connected person, through the policy itself: who may see a session
        # is decided in one place only.
        for connection in CalendarConnection.objects.filter(
            status=CalendarConnection.Status.ACTIVE
        ).select_related("user"):
            if connection.pk in ids:
                continue
            if meetings_visible(connection.user).filter(pk__in=upcoming).exists():
                ids.add(connection.pk)
    return sorted(ids)


def calendar_connections_active_ids() -> list[int]:
    return list(
        CalendarConnection.objects.filter(status=CalendarConnection.Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
