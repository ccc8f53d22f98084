import json
from datetime import UTC, datetime, timedelta

import pytest
from django_tenants.utils import schema_context

from attendance.inbox.intake import dedupe_key
from attendance.models import WebhookEvent
from meetings.models import Meeting, Registrant
from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.school.services import class_enrol

from ..meetings.conftest import teacher_connected, zoom_alpha  # noqa: F401 - fixtures shared

CLASS_START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ZOOM_ID = "81234567890"
UUID = "abcUUID123=="


def zoom_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def body(event: str, *, participant: dict | None = None, uuid=UUID, zoom_id=ZOOM_ID, **obj):
    """A webhook body shaped like Zoom's (see tests/fixtures/zoom/webhooks)."""
    payload_object = {
        "id": zoom_id,
        "uuid": uuid,
        "host_id": "host-zoom-id",
        "topic": "Maths",
        "type": 8,
        "start_time": zoom_time(CLASS_START),
        "timezone": "UTC",
        "duration": 60,
    }
    payload_object.update(obj)
    if participant is not None:
        payload_object["participant"] = participant
    return {
        "event": event,
        "event_ts": int(CLASS_START.timestamp() * 1000),
        "payload": {"account_id": "acct", "object": payload_object},
    }


def person(name, *, minute=None, left=None, email="", registrant_id=None, uuid=None, zoom_id=""):
    """A participant object; `minute`/`left` are minutes after the class start."""
    p = {"user_id": str(abs(hash(name)) % 10**8), "user_name": name, "id": zoom_id, "email": email}
    if uuid is not None:
        p["participant_uuid"] = uuid
    if registrant_id is not None:
        p["registrant_id"] = registrant_id
    if minute is not None:
        p["join_time"] = zoom_time(CLASS_START + timedelta(minutes=minute))
    if left is not None:
        p["leave_time"] = zoom_time(CLASS_START + timedelta(minutes=left))
    return p


def joined(name, minute, **kw):
    return body("meeting.participant_joined", participant=person(name, minute=minute, **kw))


def left(name, minute, **kw):
    return body("meeting.participant_left", participant=person(name, left=minute, **kw))


def started(minute=0):
    return body("meeting.started", start_time=zoom_time(CLASS_START + timedelta(minutes=minute)))


def ended(minute=60):
    return body("meeting.ended", end_time=zoom_time(CLASS_START + timedelta(minutes=minute)))


def store(bodies) -> list[int]:
    """Put bodies in the inbox as the intake would (its dedupe rule: a redelivery, one row).
    Returns the ids, duplicates included."""
    ids = []
    for b in bodies:
        key = dedupe_key(b, json.dumps(b).encode())
        event, _ = WebhookEvent.objects.get_or_create(
            dedupe_key=key,
            defaults={
                "event": b["event"],
                "event_ts": b.get("event_ts"),
                "zoom_meeting_id": str(b["payload"]["object"].get("id", "")),
                "zoom_uuid": b["payload"]["object"].get("uuid", ""),
                "body": b,
            },
        )
        ids.append(event.pk)
    return ids


@pytest.fixture
def live_class(alpha):
    """alpha's class with three students (Ann registered, Bob by email, Cy by name only) and a
    60-minute session on Zoom."""
    with schema_context(alpha.schema):
        ann = user_create(email="ann@alpha.test", password=None, role=Role.STUDENT, name="Ann A")
        bob = user_create(email="bob@alpha.test", password=None, role=Role.STUDENT, name="Bob B")
        cy = user_create(email="cy@alpha.test", password=None, role=Role.STUDENT, name="Cy C")
        class_enrol(school_class=alpha.school_class, students=[ann, bob, cy])
        meeting = Meeting.objects.create(
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="Maths",
            start_time=CLASS_START,
            duration_minutes=60,
            zoom_meeting_id=ZOOM_ID,
            zoom_account=Meeting.Account.USER,
        )
        Registrant.objects.create(
            meeting=meeting, user=ann, status="registered", zoom_registrant_id="reg-ann"
        )
    return alpha, meeting, {"ann": ann, "bob": bob, "cy": cy}
