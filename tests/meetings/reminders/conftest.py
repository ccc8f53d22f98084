from datetime import timedelta

from django.utils import timezone

from meetings.models import Meeting
from tests.support import mail_deliver_pending

# Sessions in these tests start around NOW, two days from the wall clock (scheduling refuses a
# start in the past); each sweep is told the time it runs at.
NOW = timezone.now().replace(second=0, microsecond=0) + timedelta(days=2)


def session(world, *, minutes: float, audience: str = "class", **fields) -> Meeting:
    """A session of `world`'s class (or none, for school-wide and personal meetings) starting
    `minutes` after NOW, hosted by its teacher."""
    fields.setdefault("school_class", world.school_class)
    return Meeting.objects.create(
        host=world.users["teacher"],
        title=fields.pop("title", f"Maths {audience}"),
        target_audience=audience,
        start_time=NOW + timedelta(minutes=minutes),
        **fields,
    )


def at(minutes: float):
    """NOW plus `minutes`: when a sweep runs."""
    return NOW + timedelta(minutes=minutes)


def delivered():
    """The mails queued in the current schema, delivered now (to the test's mail backend)."""
    return mail_deliver_pending()
