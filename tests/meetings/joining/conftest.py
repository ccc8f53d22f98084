from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.models import Meeting, TargetAudience


def meeting_make(world, *, start=None, audience=TargetAudience.CLASS, **fields) -> Meeting:
    """A class meeting of `world`'s class, hosted by its teacher, on Zoom (id 777)."""
    with schema_context(world.schema):
        return Meeting.objects.create(
            school_class=world.school_class,
            host=world.users["teacher"],
            title="Algebra",
            start_time=start or timezone.now() + timedelta(minutes=5),
            duration_minutes=45,
            target_audience=audience,
            zoom_meeting_id=fields.pop("zoom_meeting_id", "777"),
            zoom_account=fields.pop("zoom_account", Meeting.Account.ACCOUNT),
            **fields,
        )


@pytest.fixture
def class_meeting(alpha) -> Meeting:
    return meeting_make(alpha)
