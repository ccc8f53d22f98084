from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attendance import services
from attendance.inbox import engine, lock
from attendance.inbox.wakeup import wake_claim, wake_clear
from attendance.models import (
    AttendancePolicy,
    AttendanceRecord,
    ParticipantIdentity,
    ParticipantSession,
    Recording,
    WebhookEvent,
)
from attendance.selectors import unmatched_participants
from meetings.models import Meeting
from meetings.providers.base import Page, Participant
from realtime import events as realtime_events
from tenants.audit.models import AuditEntry

from ..support import committed
from .conftest import CLASS_START, ZOOM_ID, body, ended, joined, left, started, store

pytestmark = pytest.mark.django_db


def process(bodies) -> list[str | None]:
    return [engine.webhook_event_process(event_id=i) for i in store(bodies)]


def segments(meeting, name):
    rows = ParticipantSession.objects.filter(meeting=meeting, name=name).order_by("joined_at")
    return [
        (
            int((s.joined_at - CLASS_START).total_seconds() // 60) if s.joined_at else None,
            int((s.left_at - CLASS_START).total_seconds() // 60) if s.left_at else None,
        )
        for s in rows
    ]


def count_unverified() -> None:
    """The school counts matches by a typed name or email before a teacher confirms them."""
    AttendancePolicy.objects.update_or_create(
        singleton=True, defaults={"unverified_matches_count": True}
    )


def records(meeting) -> dict[str, tuple[str, int]]:
    return {
        r.student.email: (r.status, r.attended_seconds)
        for r in AttendanceRecord.objects.filter(meeting=meeting).select_related("student")
    }


# --- meeting lifecycle ------------------------------------------------------------------------


def test_started_and_ended_set_status_and_actual_times(live_class):
    world, meeting, _ = live_class
    with schema_context(world.schema):
        process([started(minute=2)])
        meeting.refresh_from_db()
        assert (meeting.status, meeting.zoom_uuid) == ("started", "abcUUID123==")
        assert meeting.actual_start == CLASS_START + timedelta(minutes=2)

        process([ended(minute=58)])
        meeting.refresh_from_db()
        assert meeting.status == "ended"
        assert meeting.actual_end == CLASS_START + timedelta(minutes=58)


def test_a_known_session_is_read_as_the_orm_reads_it_but_its_links_stay_sealed(live_class):
    # given: a session that took its uuid, with its links and Zoom settings stored
    world, meeting, _ = live_class
    with schema_context(world.schema):
        Meeting.objects.filter(pk=meeting.pk).update(
            join_url="https://zoom.us/j/1?pwd=secret",
            start_url="https://zoom.us/s/1?zak=host-token",
            zoom_settings={"waiting_room": True},
        )
        process([started(minute=2)])

        # when: a later event of the session finds it by its uuid
        found = engine._meeting_by_uuid("abcUUID123==")
        orm = Meeting.objects.get(pk=meeting.pk)

        # then: every field as the ORM has it (the JSON decoded), the links never loaded
        assert found is not None and found.pk == meeting.pk
        assert found.get_deferred_fields() == {"join_url", "start_url"}
        for field in Meeting._meta.concrete_fields:
            if field.attname not in ("join_url", "start_url"):
                assert getattr(found, field.attname) == getattr(orm, field.attname), field.name
        assert found.zoom_settings == {"waiting_room": True}
        assert engine._meeting_by_uuid("no-such-uuid==") is None
        assert engine._meeting_by_uuid("x" * 500) is None  # not a Zoom uuid: not looked for

        # and the session's end, saved from that instance, leaves the links as they were
        process([joined("Ann A", 5), ended(minute=58)])
        orm.refresh_from_db()
        assert orm.status == "ended"
        assert orm.join_url == "https://zoom.us/j/1?pwd=secret"
        assert orm.start_url == "https://zoom.us/s/1?zak=host-token"


def test_recurring_instances_are_told_apart_by_uuid(live_class):
    world, first, _ = live_class
    with schema_context(world.schema):
        series_second = Meeting.objects.create(
            school_class=first.school_class,
            host=first.host,
            title="Maths",
            start_time=CLASS_START + timedelta(days=7),
            zoom_meeting_id=ZOOM_ID,
        )
        Meeting.objects.filter(pk=first.pk).update(series_id=None)
        first.series = series_second.series = None
        process([started()])
        week_later = body(
            "meeting.started",
            uuid="second-instance==",
            start_time=(CLASS_START + timedelta(days=7, minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        process([week_later])
        first.refresh_from_db()
        series_second.refresh_from_db()
    assert (first.zoom_uuid, first.status) == ("abcUUID123==", "started")
    assert (series_second.zoom_uuid, series_second.status) == ("second-instance==", "started")


def test_recording_completed_stores_the_links_sealed(live_class):
    from django.db import connection

    world, meeting, _ = live_class
    recording = body(
        "recording.completed",
        share_url="https://zoom.us/rec/share/abc",
        recording_files=[
            {"id": "f1", "file_type": "MP4", "play_url": "https://us02web.zoom.us/rec/play/f1"}
        ],
    )
    with schema_context(world.schema):
        process([recording, recording])
        stored = Recording.objects.get(meeting=meeting)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT share_url, play_url FROM attendance_recording r"
                " JOIN attendance_recordingfile f ON f.recording_id = r.id"
            )
            at_rest = cursor.fetchone()
        files = list(stored.files.all())
    assert stored.share_url == "https://zoom.us/rec/share/abc"
    assert files[0].play_url == "https://us02web.zoom.us/rec/play/f1"
    assert all(value.startswith("enc:") and "zoom.us" not in value for value in at_rest)


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(document.cookie)",
        "http://zoom.us/rec/share/abc",  # not https
        "https://zoom.us.evil.test/rec/share/abc",
        "https://evilzoom.us/rec/share/abc",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_recording_links_not_on_zooms_hosts_are_dropped(live_class, link, caplog):
    world, meeting, _ = live_class
    recording = body(
        "recording.completed",
        share_url=link,
        recording_files=[
            {"id": "f1", "file_type": "MP4", "play_url": link},
            {"id": "f2", "file_type": "M4A", "play_url": "https://zoom.us/rec/play/f2"},
        ],
    )
    with schema_context(world.schema):
        assert process([recording]) == ["processed"]
        stored = Recording.objects.get(meeting=meeting)
        play_urls = [f.play_url for f in stored.files.order_by("zoom_file_id")]
    assert stored.share_url == ""
    assert play_urls == ["", "https://zoom.us/rec/play/f2"]
    assert "dropped 2 link(s) not on Zoom's hosts" in caplog.text


def test_recording_links_of_the_schools_own_zoom_api_are_kept(live_class):
    """The local sandbox (development) serves recordings from the API origin the school is
    configured with."""
    from meetings.models import ZoomSettings

    world, meeting, _ = live_class
    link = "http://127.0.0.1:8765/rec/share/abc"
    with schema_context(world.schema):
        ZoomSettings.objects.update_or_create(
            singleton=True, defaults={"api_base_url": "http://127.0.0.1:8765/v2"}
        )
        process([body("recording.completed", share_url=link)])
        assert Recording.objects.get(meeting=meeting).share_url == link


def test_old_processed_bodies_are_blanked(live_class):
    from django.utils import timezone

    from attendance.inbox.purge import webhook_bodies_purge

    world, _, _ = live_class
    with schema_context(world.schema):
        old, recent, failed, pending = store(
            [joined("Ann A", 1), joined("Bob B", 2), joined("Cy C", 3), joined("Di D", 4)]
        )
        long_ago = timezone.now() - timedelta(days=8)
        WebhookEvent.objects.filter(pk__in=[old, failed, pending]).update(received_at=long_ago)
        WebhookEvent.objects.filter(pk=old).update(status="processed", processed_at=long_ago)
        WebhookEvent.objects.filter(pk=recent).update(
            status="processed", processed_at=timezone.now()
        )
        WebhookEvent.objects.filter(pk=failed).update(status="failed", processed_at=long_ago)

        assert webhook_bodies_purge(older_than_days=7) == 1
        assert webhook_bodies_purge(older_than_days=7) == 0
        bodies = dict(WebhookEvent.objects.values_list("pk", "body"))
    assert bodies[old] == {}
    assert all(bodies[pk] for pk in (recent, failed, pending))


def test_the_purge_blanks_ignored_events_too_in_batches(live_class, monkeypatch):
    from django.utils import timezone

    from attendance.inbox import purge

    # given: five handled events (three processed, two ignored) older than the window
    world, _, _ = live_class
    monkeypatch.setattr(purge, "PURGE_BATCH", 2)
    with schema_context(world.schema):
        ids = store([joined(f"Person {n}", n) for n in range(5)])
        long_ago = timezone.now() - timedelta(days=8)
        WebhookEvent.objects.filter(pk__in=ids[:3]).update(
            status="processed", processed_at=long_ago
        )
        WebhookEvent.objects.filter(pk__in=ids[3:]).update(status="ignored", processed_at=long_ago)
        # when: the purge runs with batches smaller than the backlog
        blanked = purge.webhook_bodies_purge(older_than_days=7)
        left_with_body = WebhookEvent.objects.filter(pk__in=ids).exclude(body={}).count()
    # then: every one is blanked, across three batches
    assert blanked == 5
    assert left_with_body == 0


def test_the_purge_reads_only_unpurged_rows_through_its_index(live_class):
    """Blanked rows stay in the table for ever: the purge's query must match the partial index
    that holds only unpurged handled rows, or each sweep rereads the whole history."""
    from django.db import connection
    from django.utils import timezone

    from attendance.inbox.purge import webhook_bodies_purgeable

    world, _, _ = live_class
    with schema_context(world.schema):
        query = webhook_bodies_purgeable(cutoff=timezone.now()).values("id")
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "webhook_body_unpurged" in plan


def test_unknown_events_are_kept_and_ignored(live_class):
    world, _, _ = live_class
    with schema_context(world.schema):
        outcome = process([body("meeting.sharing_started")])
        event = WebhookEvent.objects.get()
    assert outcome == ["ignored"]
    assert event.status == "ignored" and event.body["event"] == "meeting.sharing_started"


@pytest.mark.parametrize(
    "stored_body",
    [
        {"event": "meeting.participant_joined", "payload": [1]},
        {"event": "meeting.participant_joined", "payload": "x"},
        {"event": "meeting.participant_joined", "payload": {"object": [1]}},
        {"event": ["meeting.started"], "payload": {"object": {}}},
        [1],
    ],
)
def test_a_malformed_event_is_ignored_once_not_retried(live_class, stored_body):
    # given: a signed event whose JSON is not shaped like Zoom's (the intake stores any JSON)
    world, _, _ = live_class
    with schema_context(world.schema):
        event = WebhookEvent.objects.create(
            event="meeting.participant_joined", dedupe_key="malformed", body=stored_body
        )
        # when: the worker processes it
        outcome = engine.webhook_event_process(event_id=event.pk)
        event.refresh_from_db()
    # then: done with once (no exception, so no retries), and kept for a look
    assert outcome == "ignored"
    assert event.status == "ignored" and event.attempts == 1


@pytest.mark.parametrize(
    "stored_body",
    [
        # found by the webhook fuzzer: each failed, and was retried again and again
        body("recording.completed", recording_files=5),
        {**joined("Ann A", 1, registrant_id="reg-ann"), "event_ts": 2**62},
    ],
    ids=["recording_files a number", "event_ts beyond any date"],
)
def test_a_malformed_field_the_handler_reads_is_not_retried(live_class, stored_body):
    # given: a signed event of a known kind whose field has the wrong type or range
    world, _, _ = live_class
    if stored_body["event"] == "meeting.participant_joined":
        del stored_body["payload"]["object"]["participant"]["join_time"]  # the event's time rules
    with schema_context(world.schema):
        [event_id] = store([stored_body])
        # when
        outcome = engine.webhook_event_process(event_id=event_id)
        event = WebhookEvent.objects.get(pk=event_id)
    # then: done with once
    assert outcome in ("processed", "ignored") and event.attempts == 1


def test_processing_twice_does_nothing_more(live_class):
    world, meeting, _ = live_class
    with schema_context(world.schema):
        [event_id] = store([joined("Ann A", 1, registrant_id="reg-ann")])
        assert engine.webhook_event_process(event_id=event_id) == "processed"
        assert engine.webhook_event_process(event_id=event_id) is None
        assert ParticipantSession.objects.filter(meeting=meeting).count() == 1


def test_a_failure_is_recorded_on_the_event_and_raised_for_retry(live_class):
    world, _, _ = live_class
    with schema_context(world.schema):
        [event_id] = store([joined("Ann A", 1)])
        with (
            mock.patch.object(services, "participants_apply", side_effect=RuntimeError("db")),
            pytest.raises(engine.EventFailed),
        ):
            engine.webhook_event_process(event_id=event_id)
        event = WebhookEvent.objects.get(pk=event_id)
        assert (event.status, event.attempts) == ("failed", 1)
        assert "RuntimeError: db" in event.last_error

        assert engine.webhook_event_process(event_id=event_id) == "processed"  # the retry
        assert WebhookEvent.objects.get(pk=event_id).attempts == 2


# --- batches ----------------------------------------------------------------------------------


def _crowd(count: int, first: int = 0) -> list[dict]:
    return [joined(f"Guest {n}", 1, uuid=f"pu-{n}") for n in range(first, first + count)]


def test_a_meetings_pending_events_are_processed_together(
    live_class, django_capture_on_commit_callbacks
):
    world, meeting, _ = live_class
    with schema_context(world.schema):
        ids = store([started(), *_crowd(30), left("Guest 0", 9, uuid="pu-0")])
        with (
            mock.patch.object(realtime_events, "_deliver") as deliver,
            django_capture_on_commit_callbacks(execute=True),  # the batch's commit
        ):
            outcomes = [engine.webhook_event_process(event_id=i) for i in ids]
        assert outcomes == ["processed"] + [None] * 31  # the first message took them all
        assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}
        assert ParticipantSession.objects.filter(meeting=meeting).count() == 30
    [call] = deliver.call_args_list  # one batch, one trip to the channel layer
    messages = call.args[0]
    meeting_messages = [
        (m["event"], m["data"]) for group, m in messages if group.startswith("t.alpha.meeting.")
    ]
    assert [event for event, _ in meeting_messages] == ["meeting.started", "participants.changed"]
    changed = meeting_messages[1][1]
    assert changed["count"] == 29
    assert len(changed["changes"]) == 30  # each participant once, as they are now
    assert {c["participant"]["name"]: c["change"] for c in changed["changes"]}["Guest 0"] == "left"


def test_a_batch_costs_the_same_queries_whatever_its_size(live_class):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world, _, _ = live_class
    counts = []
    with schema_context(world.schema):
        engine.webhook_event_process(event_id=store([started()])[0])  # the uuid is known
        for first, size in ((0, 5), (100, 60), (200, 1)):
            ids = store(_crowd(size, first))
            with CaptureQueriesContext(connection) as queries:
                engine.webhook_event_process(event_id=ids[0])
            counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]
    # The event's status, the batch's savepoint (BEGIN in production), the meeting's lock,
    # taking the batch, the meeting, four statements of the segments' rebuild (facts, previous
    # segments, identities, replacing the segments), the room's state, the audit, marking the
    # batch done, releasing the savepoint (COMMIT), the look for more: 19 before they were SQL
    # of their own.
    assert counts[0] <= 14


def test_one_bad_event_holds_up_no_other(live_class, django_capture_on_commit_callbacks):
    world, meeting, _ = live_class
    real_fact = services.participant_fact

    def fact(**kw):
        if kw["participant"]["user_name"] == "Bad":
            raise ValueError("cannot read this one")
        return real_fact(**kw)

    with schema_context(world.schema):
        good, bad, also_good = store([joined("Ann A", 1), joined("Bad", 2), joined("Cy C", 3)])
        with (
            mock.patch.object(services, "participant_fact", side_effect=fact),
            mock.patch.object(lock, "hand_over") as hand_over,
        ):
            with (
                django_capture_on_commit_callbacks(execute=True),
                pytest.raises(engine.EventFailed),  # its own event failed: retried later
            ):
                engine.webhook_event_process(event_id=bad)
            hand_over.assert_not_called()  # the drain goes on by itself: no message per event
            assert engine.webhook_event_process(event_id=good) is None  # done in that batch
            events = {e.pk: e for e in WebhookEvent.objects.all()}
            with pytest.raises(ValueError):  # its own message: a retry, and it fails again
                engine.webhook_event_process(event_id=bad)
        assert (events[good].status, events[also_good].status) == ("processed", "processed")
        assert (events[bad].status, events[bad].attempts) == ("failed", 1)
        assert "ValueError: cannot read this one" in events[bad].last_error
        assert sorted(ParticipantSession.objects.values_list("name", flat=True)) == [
            "Ann A",
            "Cy C",
        ]
        assert WebhookEvent.objects.get(pk=bad).attempts == 2
        assert engine.webhook_event_process(event_id=bad) == "processed"  # mended, retried
        assert ParticipantSession.objects.filter(meeting=meeting, name="Bad").exists()


def test_a_busy_meeting_is_drained_by_the_worker_that_holds_it(worlds, monkeypatch):
    """A worker that finds the meeting held leaves its event to the holder, which takes what
    arrived during its batch before it lets go: nothing waits for the sweep."""
    # On a busy machine the first batch can outlast the drain slice, and the holder would then
    # rightly hand the late event to a fresh message (the slice is tested on its own below).
    monkeypatch.setattr(engine, "DRAIN_SECONDS", 60)
    world = worlds["a"]
    seen: dict = {}

    def in_schema(fn):
        def run():
            with schema_context(world.schema):
                return fn()

        return committed(run)

    def arrives_meanwhile():
        [seen["late"]] = store(_crowd(1, 500))
        seen["outcome"] = engine.webhook_event_process(event_id=seen["late"])
        seen["status"] = WebhookEvent.objects.get(pk=seen["late"]).status

    real_process = engine._process

    def process(events):
        if "late" not in seen:  # during the first batch, with the meeting held
            in_schema(arrives_meanwhile)
        return real_process(events)

    def first_worker():
        meeting = Meeting.objects.create(
            school_class=world.school_class,
            host=world.users["teacher"],
            title="Busy",
            start_time=CLASS_START,
            zoom_meeting_id=ZOOM_ID,
        )
        [first] = store(_crowd(1))
        with mock.patch.object(engine, "_process", side_effect=process):
            seen["first"] = engine.webhook_event_process(event_id=first)
        seen["after"] = WebhookEvent.objects.get(pk=seen["late"]).status
        seen["sessions"] = ParticipantSession.objects.filter(meeting=meeting).count()
        meeting.delete()
        WebhookEvent.objects.all().delete()

    in_schema(first_worker)
    assert (seen["outcome"], seen["status"]) == (None, "pending")  # the meeting was held
    assert seen["first"] == "processed"
    assert seen["after"] == "processed"  # taken by the holder in its next batch
    assert seen["sessions"] == 2


def test_whoever_held_a_meeting_without_draining_it_hands_its_events_on(
    live_class, django_capture_on_commit_callbacks
):
    """A retry, the reconciliation or a teacher's resolution holds the meeting for a moment:
    a worker that came meanwhile left its event to them, so they pass it to a worker."""
    world, _, _ = live_class
    with schema_context(world.schema):
        [pending] = store([joined("Ann A", 1)])
        with (
            mock.patch("attendance.actors.webhook_process.send_with_options") as send,
            django_capture_on_commit_callbacks(execute=True),
            transaction.atomic(),
        ):
            lock.meeting_lock(ZOOM_ID)
    send.assert_called_once_with(args=(pending,), tenant_schema=world.schema)


def test_a_worker_that_takes_a_meeting_lets_the_next_event_wake_it_again(live_class):
    world, _, _ = live_class
    with schema_context(world.schema):
        [event_id] = store([joined("Ann A", 1)])
        assert wake_claim(world.schema, ZOOM_ID)  # the intake sends a message
        assert not wake_claim(world.schema, ZOOM_ID)  # and no more while it waits
        engine.webhook_event_process(event_id=event_id)
        assert wake_claim(world.schema, ZOOM_ID)  # taken: the next event sends one
        wake_clear(world.schema, ZOOM_ID)


def test_a_message_whose_event_was_drained_still_wakes_its_meeting(live_class):
    """Another worker's drain took this message's event: the message still clears the flag
    (or the next events would send none and wait for the sweep) and drains what is pending."""
    world, _, _ = live_class
    with schema_context(world.schema):
        first, second = store([joined("Ann A", 1), joined("Bob B", 2)])
        engine.webhook_event_process(event_id=first)  # drains both
        assert wake_claim(world.schema, ZOOM_ID)  # the intake sent a message for `second`
        [third] = store([joined("Cy C", 3)])  # its wake-up finds that message waiting
        assert engine.webhook_event_process(event_id=second) is None  # done already
        assert WebhookEvent.objects.get(pk=third).status == "processed"
        assert wake_claim(world.schema, ZOOM_ID)  # the next event wakes the meeting again
        wake_clear(world.schema, ZOOM_ID)


def test_a_wake_up_whose_event_was_drained_with_nothing_pending_takes_no_lock(live_class):
    """The common message in a rush: its event was taken by the drain of another message.
    It clears the flag and looks once; it opens no transaction and tries no lock."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world, _, _ = live_class
    with schema_context(world.schema):
        first, second = store([joined("Ann A", 1), joined("Bob B", 2)])
        engine.webhook_event_process(event_id=first)  # drains both
        assert wake_claim(world.schema, ZOOM_ID)  # the intake sent a message for `second`

        with CaptureQueriesContext(connection) as queries:
            assert engine.webhook_event_process(event_id=second) is None

        sql = [q["sql"] for q in queries]
        assert not [q for q in sql if "advisory" in q or "FOR UPDATE" in q], sql
        assert len(sql) == 2  # its event's status, then the look for pending events
        assert wake_claim(world.schema, ZOOM_ID)  # cleared: the next event wakes the meeting
        wake_clear(world.schema, ZOOM_ID)


def test_a_long_drain_hands_the_meeting_to_a_fresh_message(live_class, monkeypatch):
    """A message does not run for ever while a busy class keeps sending: after DRAIN_SECONDS
    the rest is left to a new message."""
    world, _, _ = live_class
    monkeypatch.setattr(engine, "BATCH_MAX", 2)
    monkeypatch.setattr(engine, "DRAIN_SECONDS", 0)
    with schema_context(world.schema):
        ids = store(_crowd(5))
        with mock.patch("attendance.actors.webhook_process.send_with_options") as send:
            assert engine.webhook_event_process(event_id=ids[0]) == "processed"
        statuses = dict(WebhookEvent.objects.values_list("pk", "status"))
    assert [statuses[i] for i in ids] == ["processed"] * 2 + ["pending"] * 3
    send.assert_called_once_with(args=(ids[2],), tenant_schema=world.schema)


# --- participants ---------------------------------------------------------------------------


def test_segments_roles_and_identities(live_class):
    world, meeting, people = live_class
    with schema_context(world.schema):
        process(
            [
                started(),
                joined("Tara T", 0, zoom_id="host-zoom-id"),
                joined("Ann A", 1, registrant_id="reg-ann"),  # by registrant id
                joined("Robert", 2, email="BOB@alpha.test"),  # by email
                joined("Cy C", 3, registrant_id=""),  # by exact name
                joined("Visitor", 4, email=""),  # a guest
                left("Ann A", 20, registrant_id="reg-ann"),
                joined("Ann A", 25, registrant_id="reg-ann"),  # rejoin
            ]
        )
        sessions = {
            s.name: (s.role, s.user_id) for s in ParticipantSession.objects.filter(meeting=meeting)
        }
        assert segments(meeting, "Ann A") == [(1, 20), (25, None)]
        to_resolve = {
            row["name"]: (row["matched_by"], row["suggested"])
            for row in unmatched_participants(meeting=meeting)
        }
        verified = dict(
            ParticipantSession.objects.filter(meeting=meeting).values_list("name", "verified")
        )
    # typed into Zoom: matched, but for a teacher to confirm
    assert to_resolve == {
        "Robert": ("email", people["bob"]),
        "Cy C": ("name", people["cy"]),
        "Visitor": ("", None),
    }
    assert verified == {
        "Tara T": True,
        "Ann A": True,
        "Robert": False,
        "Cy C": False,
        "Visitor": False,
    }
    assert sessions == {
        "Tara T": ("host", world.users["teacher"].pk),  # Zoom's host_id is the host
        "Ann A": ("student", people["ann"].pk),
        "Robert": ("student", people["bob"].pk),
        "Cy C": ("student", people["cy"].pk),
        "Visitor": ("guest", None),
    }


def test_a_name_matches_only_one_person_of_the_class(live_class):
    """By name alone: the class's people only (a namesake elsewhere in the school does not
    count), and only when one of them has it."""
    from tenants.accounts.models import Role
    from tenants.accounts.services import user_create
    from tenants.school.services import class_enrol

    world, meeting, people = live_class
    with schema_context(world.schema):
        user_create(email="cy.other@alpha.test", password=None, role=Role.STUDENT, name="Cy C")
        twins = [
            user_create(email=f"twin{n}@alpha.test", password=None, role=Role.STUDENT, name="Twin")
            for n in (1, 2)
        ]
        class_enrol(school_class=world.school_class, students=twins)
        process([joined("Cy C", 1), joined("twin", 2)])
        users = dict(
            ParticipantSession.objects.filter(meeting=meeting).values_list("name", "user_id")
        )
    assert users == {"Cy C": people["cy"].pk, "twin": None}


def test_out_of_order_input_gives_the_same_segments(live_class):
    world, meeting, _ = live_class
    with schema_context(world.schema):
        count_unverified()  # Bob comes by email
        process(
            [
                left("Ann A", 30, registrant_id="reg-ann"),  # the leave first
                ended(45),
                left("Bob B", 50, email="bob@alpha.test"),  # a leave after meeting.ended
                joined("Ann A", 5, registrant_id="reg-ann"),
                joined("Bob B", 10, email="bob@alpha.test"),
                dict(joined("Bob B", 10, email="bob@alpha.test"), event_ts=1),  # redelivered
                started(),
            ]
        )
        assert segments(meeting, "Ann A") == [(5, 30)]
        assert (
            ParticipantSession.objects.filter(meeting=meeting, email="bob@alpha.test").count() == 1
        )
        assert records(meeting)["bob@alpha.test"] == ("present", 35 * 60)  # clipped at the end
        assert records(meeting)["ann@alpha.test"] == ("present", 25 * 60)
        assert records(meeting)["cy@alpha.test"] == ("absent", 0)


def test_joins_and_leaves_are_audited(live_class):
    world, meeting, _ = live_class
    with schema_context(world.schema):
        process(
            [joined("Ann A", 1, registrant_id="reg-ann"), left("Ann A", 9, registrant_id="reg-ann")]
        )
        actions = list(
            AuditEntry.objects.filter(target_id=str(meeting.pk)).values_list("action", flat=True)
        )
    assert sorted(actions) == ["meeting.participant.joined", "meeting.participant.left"]


STORY = [
    started(),
    joined("Ann A", 1, registrant_id="reg-ann"),
    left("Ann A", 12, registrant_id="reg-ann"),
    joined("Ann A", 14, registrant_id="reg-ann"),
    joined("Ann A", 20, registrant_id="reg-ann", uuid="phone"),  # a second device
    left("Ann A", 40, registrant_id="reg-ann", uuid="phone"),
    joined("Bob B", 50, email="bob@alpha.test"),
    left("Bob B", 58, email="bob@alpha.test"),
    joined("Visitor", 3),
    ended(55),
    left("Ann A", 70, registrant_id="reg-ann"),
]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    order=st.permutations(STORY),
    repeats=st.lists(st.sampled_from(STORY), max_size=4),
    cuts=st.sets(st.integers(min_value=1, max_value=len(STORY) + 3)),
)
def test_any_order_and_any_duplication_gives_identical_records(live_class, order, repeats, cuts):
    """Whatever the order, the redeliveries, and however the events fall into batches (all in
    one, one at a time, or anything between: `cuts` says where a worker took what had come)."""
    world, meeting, _ = live_class
    events = list(order) + repeats
    bounds = [0, *sorted(c for c in cuts if c < len(events)), len(events)]
    with schema_context(world.schema), transaction.atomic():
        count_unverified()  # Bob comes by email
        for start, end in zip(bounds, bounds[1:], strict=False):
            process(events[start:end])
        got = records(meeting)
        got_segments = segments(meeting, "Ann A")
        transaction.set_rollback(True)
    assert got == {
        "ann@alpha.test": ("present", (55 - 1 - 2) * 60),  # 1–12, 14–55 (phone overlaps)
        "bob@alpha.test": ("partial", 5 * 60),  # 50–55, clipped at the end
        "cy@alpha.test": ("absent", 0),
        "student@alpha.test": ("absent", 0),
    }
    assert got_segments == [(1, 12), (14, 70), (20, 40)]  # laptop twice, phone once


# --- scoring, policy, finalisation, overrides ------------------------------------------------


def test_every_enrolled_student_gets_a_record_when_the_class_ends(live_class):
    world, meeting, people = live_class
    with schema_context(world.schema):
        process([started(), joined("Ann A", 0, registrant_id="reg-ann"), ended(60)])
        got = records(meeting)
        assert set(got) == {p.email for p in people.values()} | {"student@alpha.test"}
        assert not AttendanceRecord.objects.filter(is_final=True).exists()


def test_a_share_policy_changes_the_threshold(live_class):
    world, meeting, _ = live_class
    with schema_context(world.schema):
        services.attendance_policy_set(
            actor=world.users["admin"], present_minutes=None, present_share=0.5
        )
        process(
            [
                started(),
                joined("Ann A", 0, registrant_id="reg-ann"),
                left("Ann A", 20, registrant_id="reg-ann"),
                ended(60),
            ]
        )
        assert records(meeting)["ann@alpha.test"] == ("partial", 20 * 60)
        with pytest.raises(PermissionDenied):
            services.attendance_policy_set(actor=world.users["teacher"], present_minutes=5)
        with pytest.raises(ValidationError):
            services.attendance_policy_set(
                actor=world.users["admin"], present_minutes=5, present_share=0.5
            )


class _Report:
    """Zoom's participants report for the played class: it saw Cy, whose webhooks were lost."""

    def __init__(self, rows):
        self.rows = rows

    def report_participants(self, uuid, *, page_token=""):
        assert uuid == "abcUUID123=="
        if page_token:
            return Page(self.rows[1:], "")
        return Page(self.rows[:1], "next")


def test_finalising_fills_missed_webhooks_from_the_report(live_class):
    world, meeting, _ = live_class
    report = _Report(
        [
            Participant(
                participant_id="",
                name="Cy C",
                email="cy@alpha.test",
                user_id="9",
                registrant_id="",
                join_time=CLASS_START + timedelta(minutes=5),
                leave_time=CLASS_START + timedelta(minutes=50),
                duration_seconds=45 * 60,
            ),
            Participant(
                participant_id="",
                name="Ann A",
                email="",
                user_id="10",
                registrant_id="reg-ann",
                join_time=CLASS_START + timedelta(minutes=1),
                leave_time=CLASS_START + timedelta(minutes=12),
                duration_seconds=11 * 60,
            ),
        ]
    )
    with schema_context(world.schema):
        count_unverified()  # the report knows Cy by email
        process(
            [
                started(),
                joined("Ann A", 1, registrant_id="reg-ann"),
                left("Ann A", 12, registrant_id="reg-ann"),
                ended(60),
            ]
        )
        assert records(meeting)["cy@alpha.test"] == ("absent", 0)

        services.attendance_finalize(meeting_id=meeting.pk, provider=report)

        got = records(meeting)
        assert got["cy@alpha.test"] == ("present", 45 * 60)
        assert got["ann@alpha.test"] == ("partial", 11 * 60)  # not counted twice
        assert set(AttendanceRecord.objects.values_list("is_final", flat=True)) == {True}
        assert (
            AuditEntry.objects.get(action="attendance.finalised").details["filled_from_report"] == 2
        )


def test_a_teacher_overrides_with_a_reason_and_it_survives_rescoring(live_class):
    world, meeting, people = live_class
    with schema_context(world.schema):
        process([started(), ended(60)])
        record = AttendanceRecord.objects.get(meeting=meeting, student=people["cy"])
        with pytest.raises(ValidationError):
            services.attendance_override(
                actor=world.users["teacher"], record=record, status="excused", reason=" "
            )
        with pytest.raises(PermissionDenied):
            services.attendance_override(
                actor=world.users["student"], record=record, status="present", reason="me"
            )
        services.attendance_override(
            actor=world.users["teacher"], record=record, status="excused", reason="doctor's note"
        )
        services.attendance_score_meeting(meeting=meeting, final=True)
        record.refresh_from_db()
        entry = AuditEntry.objects.get(action="attendance.overridden")
    assert (record.status, record.computed_status) == ("excused", "absent")
    assert entry.details["from"] == "absent" and entry.details["reason"] == "doctor's note"


def test_resolving_an_unmatched_participant_is_remembered_for_later_classes(live_class):
    world, meeting, people = live_class
    with schema_context(world.schema):
        process([started(), joined("cy's ipad", 2, zoom_id="zoom-user-cy"), ended(60)])
        [row] = unmatched_participants(meeting=meeting)

        services.participant_resolve(
            actor=world.users["teacher"],
            meeting=meeting,
            participant_key=row["key"],
            user=people["cy"],
        )

        assert records(meeting)["cy@alpha.test"][0] == "present"
        assert ParticipantIdentity.objects.get().value == "zoom-user-cy"
        # next week's class knows cy's iPad
        later = Meeting.objects.create(
            school_class=meeting.school_class,
            host=meeting.host,
            title="Maths",
            start_time=CLASS_START + timedelta(days=7),
            zoom_meeting_id="999",
        )
        process(
            [
                body(
                    "meeting.participant_joined",
                    zoom_id="999",
                    uuid="later==",
                    participant={
                        "user_name": "cy's ipad",
                        "id": "zoom-user-cy",
                        "user_id": "1",
                        "join_time": "2026-11-30T09:01:00Z",
                    },
                )
            ]
        )
        assert ParticipantSession.objects.get(meeting=later).user == people["cy"]


@pytest.mark.parametrize("who", ["student", "another_teacher"])
def test_only_those_who_manage_the_class_resolve_or_override(live_class, who):
    from tenants.accounts.models import Role
    from tenants.accounts.services import user_create

    world, meeting, people = live_class
    with schema_context(world.schema):
        actor = world.users["student"]
        if who == "another_teacher":  # a teacher, but not of this class
            actor = user_create(
                email="other.teacher@alpha.test", password=None, role=Role.TEACHER, name="T2"
            )
        process([started(), joined("Stranger", 2), ended(60)])
        [row] = unmatched_participants(meeting=meeting)
        record = AttendanceRecord.objects.get(meeting=meeting, student=people["ann"])
        with pytest.raises(PermissionDenied):
            services.participant_resolve(
                actor=actor, meeting=meeting, participant_key=row["key"], user=people["ann"]
            )
        with pytest.raises(PermissionDenied):
            services.attendance_override(
                actor=actor, record=record, status="present", reason="because"
            )


def test_events_for_another_tenants_meeting_do_not_cross(live_class, beta):
    world, meeting, _ = live_class
    with schema_context(beta.schema):
        outcome = process([joined("Ann A", 1, registrant_id="reg-ann")])
        assert outcome == ["ignored"]  # beta has no meeting with that Zoom id
        assert not ParticipantSession.objects.exists()
    with schema_context(world.schema):
        assert not ParticipantSession.objects.filter(meeting=meeting).exists()


def test_a_recurring_meeting_started_away_from_every_session_gets_a_session_of_its_own(
    live_class,
):
    world, scheduled, _ = live_class
    with schema_context(world.schema):
        Meeting.objects.filter(pk=scheduled.pk).update(series_id=None)
        second = Meeting.objects.create(
            school_class=scheduled.school_class,
            host=scheduled.host,
            title="Maths",
            start_time=CLASS_START + timedelta(days=7),
            zoom_meeting_id=ZOOM_ID,
        )
        # started three days before the first session, nowhere near either
        early = (CLASS_START - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        process(
            [
                body("meeting.started", uuid="early==", start_time=early),
                body(
                    "meeting.participant_joined",
                    uuid="early==",
                    participant={
                        "user_name": "Ann A",
                        "registrant_id": "reg-ann",
                        "join_time": early,
                    },
                ),
            ]
        )
        session = Meeting.objects.get(zoom_uuid="early==")
        assert session.pk not in (scheduled.pk, second.pk)
        assert (session.status, session.title, session.school_class_id) == (
            "started",
            "Maths",
            scheduled.school_class_id,
        )
        assert ParticipantSession.objects.filter(meeting=session).count() == 1
        assert Meeting.objects.get(pk=scheduled.pk).status == "scheduled"
        assert AuditEntry.objects.filter(action="meeting.unscheduled_session").exists()


def test_concurrent_first_events_of_an_unscheduled_instance_make_one_session(worlds):
    """Workers process events of one new instance at once: one session, not one each."""
    import threading

    from django.db import connections

    from tenants.accounts.models import User

    world = worlds["a"]
    early = (CLASS_START - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    bodies = [
        body(
            "meeting.participant_joined",
            zoom_id="555000",
            uuid="race==",
            participant={"user_name": f"P{i}", "participant_uuid": f"pu{i}", "join_time": early},
        )
        for i in range(6)
    ]

    def in_thread(fn):
        def run():
            try:
                with schema_context(world.schema):
                    fn()
            finally:
                connections.close_all()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def arrange():
        teacher = User.objects.get(email="teacher@alpha.test")
        for day in (0, 7):
            Meeting.objects.create(
                school_class=world.school_class,
                host=teacher,
                title="Race",
                start_time=CLASS_START + timedelta(days=day),
                zoom_meeting_id="555000",
            )
        ids.extend(store(bodies))

    ids: list[int] = []
    in_thread(arrange).join()
    threads = [
        in_thread(lambda event_id=event_id: engine.webhook_event_process(event_id=event_id))
        for event_id in ids
    ]
    for thread in threads:
        thread.join(30)

    def check_and_clean():
        sessions = list(Meeting.objects.filter(zoom_uuid="race==").values_list("pk", flat=True))
        result.append(sessions)
        result.append(ParticipantSession.objects.filter(meeting__zoom_uuid="race==").count())
        Meeting.objects.filter(zoom_meeting_id="555000").delete()
        WebhookEvent.objects.filter(pk__in=ids).delete()

    result: list = []
    in_thread(check_and_clean).join()
    assert len(result[0]) == 1
    assert result[1] == 6
