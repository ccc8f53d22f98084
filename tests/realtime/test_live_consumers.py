"""The live views: a meeting's room for its teachers, the school's running classes for
admins. Snapshot first, then one message per change; nobody else gets in."""

import json

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django_tenants.utils import schema_context

from attendance import services
from config.asgi import application
from meetings.models import Meeting

from ..attendance.conftest import CLASS_START, ZOOM_ID, joined, started, store
from ..support import committed

pytestmark = pytest.mark.django_db


_committed = committed


@pytest.fixture
def meeting(worlds):
    world = worlds["a"]

    def create():
        with schema_context(world.schema):
            return Meeting.objects.create(
                school_class=world.school_class,
                host=world.users["teacher"],
                title="Live maths",
                start_time=CLASS_START,
                zoom_meeting_id=ZOOM_ID,
            ).pk

    def delete():
        with schema_context(world.schema):
            Meeting.objects.filter(pk=meeting_id).delete()

    meeting_id = _committed(create)
    yield world, meeting_id
    _committed(delete)


def _ws(world, role, path):
    from channels.testing import WebsocketCommunicator

    headers = [
        (b"host", world.host.encode()),
        (b"origin", f"http://{world.host}".encode()),
        (b"cookie", f"{settings.SESSION_COOKIE_NAME}={world.session_keys[role]}".encode()),
    ]
    return WebsocketCommunicator(application, path, headers=headers)


async def _receive(ws) -> dict:
    return json.loads(await ws.receive_from(timeout=5))


async def _close_code(ws) -> int:
    connected, _ = await ws.connect(timeout=5)
    assert connected
    message = await ws.receive_output(timeout=5)
    assert message["type"] == "websocket.close"
    return message["code"]


async def test_teacher_gets_a_snapshot_then_the_changes(meeting):
    world, meeting_id = meeting
    ws = _ws(world, "teacher", f"/ws/meetings/{meeting_id}/live/")
    assert (await ws.connect(timeout=5))[0]
    snapshot = await _receive(ws)
    assert snapshot["event"] == "snapshot"
    assert snapshot["data"]["meeting"]["title"] == "Live maths"
    assert snapshot["data"]["count"] == 0

    def play(bodies):
        def run():
            with schema_context(world.schema):
                for event_id in store(bodies):
                    services.webhook_event_process(event_id=event_id)

        return database_sync_to_async(lambda: _committed(run))()

    for body in (started(), joined("Ann A", 1)):  # one at a time, as when the room is quiet
        await play([body])
    # Stored before a worker gets to them: processed together, announced in one message.
    await play([joined("Guest G", 2), joined("Bob B", 3, email="student@alpha.test")])

    events = [await _receive(ws) for _ in range(3)]
    assert [e["event"] for e in events] == [
        "meeting.started",
        "participants.changed",
        "participants.changed",
    ]
    assert [c["participant"]["name"] for c in events[1]["data"]["changes"]] == ["Ann A"]
    batch = events[2]["data"]
    assert [
        (c["change"], c["participant"]["name"], c["participant"]["role"]) for c in batch["changes"]
    ] == [
        ("joined", "Guest G", "guest"),
        ("joined", "Bob B", "student"),
    ]
    assert (batch["count"], batch["status"]) == (3, "started")
    await ws.disconnect()

    def clean():
        from attendance.models import WebhookEvent

        with schema_context(world.schema):
            WebhookEvent.objects.all().delete()

    await database_sync_to_async(lambda: _committed(clean))()


@pytest.mark.parametrize("role", ["student", "parent"])
async def test_students_and_parents_cannot_watch_the_room(meeting, role):
    world, meeting_id = meeting
    assert await _close_code(_ws(world, role, f"/ws/meetings/{meeting_id}/live/")) == 4404


async def test_another_tenants_teacher_cannot_watch_by_guessing_the_id(meeting, worlds):
    _, meeting_id = meeting
    beta = worlds["b"]
    assert await _close_code(_ws(beta, "admin", f"/ws/meetings/{meeting_id}/live/")) == 4404


async def test_live_classes_are_for_admins(meeting):
    world, _ = meeting
    ws = _ws(world, "admin", "/ws/live/")
    assert (await ws.connect(timeout=5))[0]
    assert (await _receive(ws))["event"] == "snapshot"
    await ws.disconnect()
    assert await _close_code(_ws(world, "teacher", "/ws/live/")) == 4403


async def test_a_watcher_who_loses_access_is_cut_off(meeting, monkeypatch):
    """Checked at connect, and again before events: made inactive, the teacher gets no more
    of the room and the socket closes with 4403."""
    from realtime import consumers
    from realtime.groups import publish
    from tenants.accounts.models import User

    world, meeting_id = meeting
    teacher = world.users["teacher"]
    ws = _ws(world, "teacher", f"/ws/meetings/{meeting_id}/live/")
    assert (await ws.connect(timeout=5))[0]
    assert (await _receive(ws))["event"] == "snapshot"

    def set_active(active):
        with schema_context(world.schema):
            User.objects.filter(pk=teacher.pk).update(is_active=active)

    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0)
    await database_sync_to_async(lambda: _committed(lambda: set_active(False)))()
    try:
        data = {"meeting_id": meeting_id, "changes": [], "count": 0, "status": "started"}
        await database_sync_to_async(publish)(
            "meeting", meeting_id, event="participants.changed", data=data, schema_name="alpha"
        )
        message = await ws.receive_output(timeout=5)
        assert (message["type"], message.get("code")) == ("websocket.close", 4403)
    finally:
        await database_sync_to_async(lambda: _committed(lambda: set_active(True)))()
