"""A session's recording page, live (`sessionRecordingEvents`): READY, then one event per
change of the session's recording, transcript or summary once it commits (the real services,
websocket stack and channel layer); refused to those who may not see the recordings, stopped
when access ends, and never another school's or another session's news."""

from datetime import UTC, datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from django.db.models import Max
from django_tenants.utils import schema_context

from attendance.events import RecordingCompleted, SummaryReady, TranscriptReady
from attendance.recordings.models import Recording, RecordingSettings, Transcript
from attendance.recordings.services import recording_delete, recording_store
from attendance.recordings.summaries import summary_write
from attendance.recordings.transcripts import transcript_store
from meetings.models import Meeting
from meetings.providers.base import Recording as ProviderRecording
from meetings.providers.base import RecordingFile as ProviderFile
from meetings.providers.base import Transcript as ProviderTranscript
from meetings.providers.base import TranscriptEntry
from realtime import access
from realtime.events import publish
from tenants.audit.models import AuditEntry

from ...graphql.test_subscriptions import _next, _refusal, _subscribe, _tidy  # noqa: F401
from ...support import committed

pytestmark = pytest.mark.django_db

EVENTS = """subscription($id: ID!) { sessionRecordingEvents(meetingId: $id) { kind meetingId } }"""
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _in(world, fn):
    """`fn` run and committed in `world`'s schema, from a test's event loop."""

    def run():
        with schema_context(world.schema):
            return fn()

    return database_sync_to_async(lambda: committed(run))()


def _session_make(world, title="Maths") -> int:
    # No Zoom uuid: deleting its recording asks nothing of Zoom.
    return Meeting.objects.create(
        school_class=world.school_class,
        host=world.users["teacher"],
        title=title,
        start_time=START,
        duration_minutes=60,
        status=Meeting.Status.ENDED,
        actual_start=START,
        actual_end=START + timedelta(minutes=61),
        zoom_meeting_id="1234567890",
    ).pk


@pytest.fixture
def sessions(worlds, broker):
    """Two ended sessions of alpha's class and one of beta's, committed (websocket threads see
    them): {"a": id, "a2": id, "b": id}. The school's settings are put back afterwards, and the
    audit entries the tests committed (a deletion) are removed."""

    def last_audit():
        with schema_context(worlds["a"].schema):
            return AuditEntry.objects.aggregate(last=Max("pk"))["last"] or 0

    audited = committed(last_audit)
    made = {
        "a": committed(lambda: _make(worlds["a"])),
        "a2": committed(lambda: _make(worlds["a"], "History")),
        "b": committed(lambda: _make(worlds["b"])),
    }
    yield made

    def clean(world, ids):
        with schema_context(world.schema):
            Meeting.objects.filter(pk__in=ids).delete()
            RecordingSettings.objects.all().delete()
            AuditEntry.objects.filter(pk__gt=audited).delete()

    committed(lambda: clean(worlds["a"], [made["a"], made["a2"]]))
    committed(lambda: clean(worlds["b"], [made["b"]]))


def _make(world, title="Maths") -> int:
    with schema_context(world.schema):
        return _session_make(world, title)


def _school_shows_students(world, shown: bool):
    return _in(
        world,
        lambda: RecordingSettings.objects.update_or_create(
            singleton=True, defaults={"students_may_view": shown}
        ),
    )


async def _ready(ws, meeting_id: int) -> None:
    event = (await _next(ws))["payload"]["data"]["sessionRecordingEvents"]
    assert event == {"kind": "READY", "meetingId": str(meeting_id)}


async def _kind(ws) -> str:
    message = await _next(ws)
    assert message["type"] == "next", message
    return message["payload"]["data"]["sessionRecordingEvents"]["kind"]


def _recording(meeting_id: int) -> ProviderRecording:
    return ProviderRecording(
        meeting_id="1234567890",
        uuid="",
        topic="Maths",
        start_time=START,
        share_url="",
        files=(ProviderFile("f1", "MP4", "", "", None, None, 10),),
    )


FETCHED = ProviderTranscript(
    meeting_uuid="",
    entries=tuple(
        TranscriptEntry(index=i, start_seconds=i * 5, end_seconds=i * 5 + 4, speaker="T", text=text)
        for i, text in enumerate(
            [
                "Today we look at photosynthesis in green plants.",
                "Please read chapter four before Friday.",
                "Light energy becomes chemical energy in the leaf.",
            ]
        )
    ),
)


async def test_the_page_hears_each_change_after_it_commits(alpha, sessions):
    # given the class's teacher on the session's recording page
    meeting_id = sessions["a"]
    ws = await _subscribe(alpha, "teacher", EVENTS, {"id": str(meeting_id)})
    await _ready(ws, meeting_id)

    def meeting():
        return Meeting.objects.get(pk=meeting_id)

    # when Zoom's recording is stored, its transcript fetched, the summary written, and the
    # recording deleted: each committed by the real services
    await _in(alpha, lambda: recording_store(meeting=meeting(), recording=_recording(meeting_id)))
    assert await _kind(ws) == "RECORDING"

    def fetched():
        pending = Transcript.objects.create(meeting=meeting(), status=Transcript.Status.PENDING)
        return transcript_store(transcript=pending, fetched=FETCHED)

    assert await _in(alpha, fetched) == "ready"
    assert await _kind(ws) == "TRANSCRIPT"

    assert await _in(alpha, lambda: summary_write(meeting_id=meeting_id)) is not None
    assert await _kind(ws) == "SUMMARY"

    def deleted():
        row = Recording.objects.get(meeting_id=meeting_id)
        return recording_delete(recording=row, actor=alpha.users["teacher"])

    assert await _in(alpha, deleted) is True
    assert await _kind(ws) == "RECORDING_DELETED"
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_nothing_is_heard_before_the_commit(alpha, sessions):
    meeting_id = sessions["a"]
    ws = await _subscribe(alpha, "admin", EVENTS, {"id": str(meeting_id)})
    await _ready(ws, meeting_id)

    def rolled_back():
        from django.db import transaction

        with transaction.atomic():
            publish(SummaryReady(meeting_id=meeting_id, method="local"))
            transaction.set_rollback(True)

    await _in(alpha, rolled_back)
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


@pytest.mark.parametrize("role", ["student", "parent"])
async def test_those_the_school_does_not_show_are_refused(alpha, sessions, role):
    ws = await _subscribe(alpha, role, EVENTS, {"id": str(sessions["a"])})
    assert await _refusal(ws) == "No such meeting."
    await ws.disconnect()


async def test_the_student_is_heard_when_the_school_shows_them(alpha, sessions):
    await _school_shows_students(alpha, True)
    ws = await _subscribe(alpha, "student", EVENTS, {"id": str(sessions["a"])})
    await _ready(ws, sessions["a"])
    await database_sync_to_async(publish)(
        TranscriptReady(meeting_id=sessions["a"], cue_count=3), schema_name=alpha.schema
    )
    assert await _kind(ws) == "TRANSCRIPT"
    await ws.disconnect()


async def test_another_teacher_and_another_school_are_refused(alpha, beta, sessions):
    other_teacher = await _subscribe(beta, "teacher", EVENTS, {"id": str(sessions["a"])})
    assert await _refusal(other_teacher) == "No such meeting."
    await other_teacher.disconnect()
    # beta's admin guessing alpha's session id: beta has no such session
    admin = await _subscribe(beta, "admin", EVENTS, {"id": str(sessions["a2"])})
    assert await _refusal(admin) == "No such meeting."
    await admin.disconnect()
    garbage = await _subscribe(alpha, "admin", EVENTS, {"id": "not-an-id"})
    assert await _refusal(garbage) == "No such meeting."
    await garbage.disconnect()


async def test_a_student_whose_access_ends_hears_no_more(alpha, sessions, monkeypatch):
    # given a student of the class on the page while the school shows them recordings
    await _school_shows_students(alpha, True)
    meeting_id = sessions["a"]
    ws = await _subscribe(alpha, "student", EVENTS, {"id": str(meeting_id)})
    await _ready(ws, meeting_id)

    # when the school stops showing them (and the gate looks again before the next event)
    await _school_shows_students(alpha, False)
    monkeypatch.setattr(access, "RECHECK_SECONDS", 0)
    await database_sync_to_async(publish)(
        SummaryReady(meeting_id=meeting_id, method="local"), schema_name=alpha.schema
    )

    # then the subscription ends instead of relaying it
    assert (await _next(ws))["type"] == "complete"
    await ws.disconnect()


async def test_another_schools_and_another_sessions_news_never_arrive(alpha, beta, sessions):
    # given beta's admin on beta's session, alpha's teacher on alpha's first session
    ours = await _subscribe(beta, "admin", EVENTS, {"id": str(sessions["b"])})
    await _ready(ours, sessions["b"])
    theirs = await _subscribe(alpha, "teacher", EVENTS, {"id": str(sessions["a"])})
    await _ready(theirs, sessions["a"])

    # when alpha's session with beta's session's id, and alpha's other session, change
    for meeting_id in (sessions["b"], sessions["a2"]):
        await database_sync_to_async(publish)(
            RecordingCompleted(meeting_id=meeting_id), schema_name=alpha.schema
        )
    # then neither hears it (ids are per school: beta's session may have alpha's first
    # session's number, and then that is alpha's session's own news); each hears its own
    assert await ours.receive_nothing(timeout=0.3)
    if sessions["b"] == sessions["a"]:
        assert await _kind(theirs) == "RECORDING"
    assert await theirs.receive_nothing(timeout=0.3)
    await database_sync_to_async(publish)(
        RecordingCompleted(meeting_id=sessions["b"]), schema_name=beta.schema
    )
    assert await _kind(ours) == "RECORDING"
    assert await theirs.receive_nothing(timeout=0.3)
    for ws in (ours, theirs):
        await ws.disconnect()
