"""The sync: a person's sessions written to their calendar once, updated in place, deleted
there when cancelled or when they leave the set; rate limits resumed, revoked grants told."""

import re
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.calendar_sync import actors, services
from meetings.calendar_sync.models import CalendarConnection, SyncedEvent
from meetings.models import Meeting
from tenants.audit.models import AuditEntry
from tenants.mail.models import OutboundMail
from tenants.school.services import class_unenrol

from .conftest import connection_make, sessions_make

pytestmark = pytest.mark.django_db

KEY = re.compile(r"[0-9a-v]{26}")


def _sync(connection, **kwargs):
    return services.calendar_sync(connection_id=connection.pk, **kwargs)


def test_first_sync_writes_every_session_once_with_the_platform_link_never_zooms(alpha, google):
    with schema_context(alpha.schema):
        # given: five sessions of the student's class, each with a Zoom join URL stored
        meetings = sessions_make(alpha, 5)
        connection = connection_make(alpha.users["student"])

        # when
        report = _sync(connection)

        # then: five events, one call each, with the student's platform link and class page
        rows = {row.meeting_id: row for row in SyncedEvent.objects.filter(connection=connection)}
        connection.refresh_from_db()
    assert (report.written, report.failed, google.api_calls()) == (5, 0, 5)
    live = google.live()
    assert len(live) == 5
    assert {rows[m.pk].remote_id for m in meetings} == set(live)
    for meeting in meetings:
        row = rows[meeting.pk]
        assert KEY.fullmatch(row.key) and row.fingerprint
        event = live[row.remote_id]
        text = str(event)
        assert "zoom.example" not in text and "zoom-secret" not in text
        assert f"/join/{meeting.pk}.u{alpha.users['student'].pk}." in event["location"]
        assert f"/app/meetings/{meeting.pk}" in event["description"]
        assert event["summary"] == meeting.title
        assert event["start"]["timeZone"] == "Asia/Dhaka"
    assert (connection.sync_done, connection.sync_total) == (5, 5)
    assert connection.last_sync_at is not None and connection.last_error == ""


def test_the_teachers_events_lead_to_the_class_page_where_they_start_it(alpha, google):
    with schema_context(alpha.schema):
        # given: the teacher of the class (who starts a class rather than joins it) connects
        meetings = sessions_make(alpha, 2)
        connection = connection_make(alpha.users["teacher"])

        # when
        _sync(connection)

        rows = {row.meeting_id: row for row in SyncedEvent.objects.filter(connection=connection)}
    # then: each event's place is the session's page in the app, never a Zoom link
    live = google.live()
    for meeting in meetings:
        event = live[rows[meeting.pk].remote_id]
        assert event["location"].endswith(f"/app/meetings/{meeting.pk}")
        assert "zoom" not in event["location"]


def test_a_second_sync_of_unchanged_sessions_costs_no_call(alpha, google):
    with schema_context(alpha.schema):
        sessions_make(alpha, 4)
        connection = connection_make(alpha.users["student"])
        _sync(connection)
        calls = google.api_calls()

        report = _sync(connection)

    assert google.api_calls() == calls
    assert (report.unchanged, report.written, report.deleted) == (4, 0, 0)


def test_a_moved_session_is_an_update_of_the_same_event(alpha, google):
    with schema_context(alpha.schema):
        meeting = sessions_make(alpha, 1)[0]
        connection = connection_make(alpha.users["student"])
        _sync(connection)
        row = SyncedEvent.objects.get(connection=connection, meeting=meeting)
        before = google.api_calls()

        # when: the session moves an hour later
        Meeting.objects.filter(pk=meeting.pk).update(
            start_time=meeting.start_time + timedelta(hours=1)
        )
        _sync(connection, meeting_ids=[meeting.pk])

        row_after = SyncedEvent.objects.get(pk=row.pk)
    assert google.api_calls() == before + 1
    assert row_after.remote_id == row.remote_id and row_after.key == row.key
    assert list(google.live()) == [row.remote_id]
    written = google.live()[row.remote_id]["start"]
    assert datetime.fromisoformat(written["dateTime"]) == meeting.start_time + timedelta(hours=1)
    assert written["timeZone"] == "Asia/Dhaka"


def test_a_cancelled_session_is_deleted_there(alpha, google):
    with schema_context(alpha.schema):
        first, second = sessions_make(alpha, 2)
        connection = connection_make(alpha.users["student"])
        _sync(connection)
        row = SyncedEvent.objects.get(connection=connection, meeting=first)
        remote_id = row.remote_id

        Meeting.objects.filter(pk=first.pk).update(status=Meeting.Status.CANCELLED)
        report = _sync(connection)

        row.refresh_from_db()
    assert report.deleted == 1
    assert remote_id not in google.live()
    assert len(google.live()) == 1
    assert row.removed and row.remote_id == ""


def test_a_create_whose_answer_was_lost_is_retried_without_a_second_event(alpha, google):
    with schema_context(alpha.schema):
        meeting = sessions_make(alpha, 1)[0]
        connection = connection_make(alpha.users["student"])
        # given: the provider makes the event, but its answer never arrives
        google.lose_next_insert_answer = True
        _sync(connection)
        key = SyncedEvent.objects.get(connection=connection, meeting=meeting).key

        # when: the next sync writes it again
        _sync(connection)

        row = SyncedEvent.objects.get(connection=connection, meeting=meeting)
    # then: one event there, under the key fixed before the first write
    assert len(google.live()) == 1
    assert row.key == key and row.remote_id and row.last_error == ""


def test_leaving_the_class_removes_its_events(alpha, google):
    with schema_context(alpha.schema):
        sessions_make(alpha, 3)
        student = alpha.users["student"]
        connection = connection_make(student)
        _sync(connection)

        class_unenrol(
            school_class_id=alpha.school_class.pk, student_id=student.pk, actor=alpha.users["admin"]
        )
        report = _sync(connection)

        left = SyncedEvent.objects.filter(connection=connection).count()
    assert report.deleted == 3
    assert google.live() == {}
    assert left == 0


def test_a_deleted_session_is_deleted_there(alpha, google):
    with schema_context(alpha.schema):
        meetings = sessions_make(alpha, 2)
        connection = connection_make(alpha.users["student"])
        _sync(connection, meeting_ids=[m.pk for m in meetings])

        meetings[0].delete()
        _sync(connection, meeting_ids=[meetings[1].pk])

        rows = list(SyncedEvent.objects.filter(connection=connection))
    assert len(google.live()) == 1
    assert [r.meeting_id for r in rows] == [meetings[1].pk]


def test_a_session_gone_by_stays_in_the_calendar(alpha, google):
    with schema_context(alpha.schema):
        meeting = sessions_make(alpha, 1)[0]
        connection = connection_make(alpha.users["student"])
        _sync(connection)

        Meeting.objects.filter(pk=meeting.pk).update(
            start_time=meeting.start_time - timedelta(days=10)
        )
        SyncedEvent.objects.filter(meeting=meeting).update(fingerprint="old")
        calls = google.api_calls()
        _sync(connection)

    assert google.api_calls() == calls
    assert len(google.live()) == 1


def test_disconnecting_removes_every_event_then_the_row(
    alpha, google, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        sessions_make(alpha, 3)
        student = alpha.users["student"]
        connection = connection_make(student)
        _sync(connection)

        # when: the person disconnects
        with (
            mock.patch.object(actors.calendar_disconnect_run, "send") as send,
            django_capture_on_commit_callbacks(execute=True),
        ):
            marked = services.calendar_disconnect(user=student, provider="google")
        send.assert_called_once_with(connection.pk)
        status = CalendarConnection.objects.get(pk=connection.pk).status
        report = services.calendar_disconnect_run(connection_id=connection.pk)

        gone = not CalendarConnection.objects.filter(pk=connection.pk).exists()
        actions = list(
            AuditEntry.objects.filter(action__startswith="calendar.connection").values_list(
                "action", flat=True
            )
        )
    assert marked is not None and status == CalendarConnection.Status.DISCONNECTING
    assert (report.deleted, report.left, report.done) == (3, 0, True)
    assert google.live() == {}
    assert gone
    assert google.revoked_tokens
    assert {"calendar.connection.disconnected", "calendar.connection.removed"} <= set(actions)


def test_a_rate_limit_stops_the_sync_and_the_rerun_goes_on_where_it_stopped(alpha, google):
    with schema_context(alpha.schema):
        sessions_make(alpha, 6)
        connection = connection_make(alpha.users["student"])

        # given: the provider limits every call after the third
        google.rate_limit_from = 4
        google.rate_limited = 50
        first = _sync(connection)
        connection.refresh_from_db()
        progress = (connection.sync_done, connection.sync_total)
        written = len(google.live())

        # when: the limit is over and the actor's rerun comes
        google.rate_limited = 0
        second = _sync(connection)
        connection.refresh_from_db()

    assert first.retry_after == google.retry_after
    assert progress[1] == 6 and progress[0] == written < 6
    assert second.unchanged == written and second.written == 6 - written
    assert len(google.live()) == 6
    assert (connection.sync_done, connection.sync_total) == (6, 6)


def test_the_actor_comes_back_after_the_providers_wait(alpha, google):
    with schema_context(alpha.schema):
        sessions_make(alpha, 2)
        connection = connection_make(alpha.users["student"])
        google.rate_limited = 50

        with mock.patch.object(actors.calendar_sync_connection, "send_with_options") as again:
            actors.calendar_sync_connection.fn(connection.pk)

    again.assert_called_once_with(args=(connection.pk, None), delay=google.retry_after * 1000)


def test_a_revoked_grant_marks_the_connection_and_tells_the_person(alpha, google):
    with schema_context(alpha.schema):
        sessions_make(alpha, 2)
        student = alpha.users["student"]
        connection = connection_make(student)
        google.grant_revoked = True

        with mock.patch.object(services, "publish") as publish:
            report = _sync(connection)
        connection.refresh_from_db()
        mails = list(OutboundMail.objects.filter(to=student.email, template="calendar_signed_out"))

    assert report.stopped == "needs_reconnect"
    assert connection.status == CalendarConnection.Status.NEEDS_RECONNECT
    assert connection.refresh_token == "" and connection.access_token == ""
    assert len(mails) == 1
    told = [
        c.args[0] for c in publish.call_args_list if c.args[0].name == "calendar.needs_reconnect"
    ]
    assert told and told[0].user_id == student.pk


def test_a_sync_waits_while_another_holds_the_connection(alpha, google):
    with schema_context(alpha.schema):
        sessions_make(alpha, 1)
        connection = connection_make(alpha.users["student"])
        with services._connection_held(connection.pk) as held:
            assert held
            from tests.support import committed

            def other():
                with schema_context(alpha.schema):
                    return services.calendar_sync(connection_id=connection.pk)

            report = committed(other)
    assert report.busy and google.api_calls() == 0


def test_one_refused_event_is_recorded_and_the_rest_are_written(alpha, google, gql_student):
    with schema_context(alpha.schema):
        meetings = sessions_make(alpha, 3)
        connection = connection_make(alpha.users["student"])
        google.refused_titles = {meetings[1].title}

        report = _sync(connection)

        refused = SyncedEvent.objects.get(connection=connection, meeting=meetings[1])
        connection.refresh_from_db()
    assert (report.written, report.failed) == (2, 1)
    assert len(google.live()) == 2
    assert refused.last_error and refused.remote_id == ""
    assert (connection.sync_done, connection.sync_total) == (3, 3)
    shown = gql_student()["connections"][0]
    assert shown["lastError"].startswith("Some sessions (1)") and shown["eventCount"] == 2
    assert shown["syncing"] is False


def test_a_session_cancelled_then_restored_is_written_again_under_a_new_key(alpha, google):
    with schema_context(alpha.schema):
        meeting = sessions_make(alpha, 1)[0]
        connection = connection_make(alpha.users["student"])
        _sync(connection)
        first_key = SyncedEvent.objects.get(connection=connection).key
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
        _sync(connection)

        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.SCHEDULED)
        _sync(connection)

        row = SyncedEvent.objects.get(connection=connection)
    assert not row.removed and row.key != first_key and KEY.fullmatch(row.key)
    assert list(google.live()) == [row.remote_id]


def test_the_periodic_job_syncs_every_active_connection(alpha, google):
    with schema_context(alpha.schema):
        active = [connection_make(alpha.users[r]).pk for r in ("student", "teacher")]
        connection_make(alpha.users["parent"], status=CalendarConnection.Status.NEEDS_RECONNECT)
        with mock.patch.object(actors.calendar_sync_connection, "send") as send:
            actors.calendar_sync_all.fn()
    assert sorted(c.args[0] for c in send.call_args_list) == sorted(active)


def test_a_whole_sync_stops_when_the_person_disconnects_meanwhile(alpha, google):
    with schema_context(alpha.schema):
        sessions_make(alpha, 25)
        connection = connection_make(alpha.users["student"])
        # given: the person disconnects while the sync writes its first events
        real = services._put

        def put_then_disconnect(*args, **kwargs):
            real(*args, **kwargs)
            CalendarConnection.objects.filter(pk=connection.pk).update(
                status=CalendarConnection.Status.DISCONNECTING
            )

        with mock.patch.object(services, "_put", put_then_disconnect):
            report = _sync(connection)

    assert report.stopped == "gone"
    assert report.written == services.PROGRESS_EVERY


def test_a_stand_in_no_longer_allowed_stops_the_sync_with_its_reason(alpha, google, settings):
    with schema_context(alpha.schema):
        sessions_make(alpha, 1)
        connection = connection_make(alpha.users["student"])
        CalendarConnection.objects.filter(pk=connection.pk).update(sync_started_at=timezone.now())
        from meetings.calendar_sync.models import CalendarApp

        CalendarApp.objects.filter(provider="google").update(stand_in="http://127.0.0.1:9")
        settings.LIVEROLL_CALENDAR_ALLOWED_STAND_INS = []

        report = _sync(connection)
        connection.refresh_from_db()

    assert report.stopped == "not_set_up" and google.api_calls() == 0
    assert connection.last_error == "not_set_up" and connection.sync_started_at is None


def test_an_actor_message_acts_in_its_own_school_only(alpha, beta, google):
    with schema_context(alpha.schema):
        sessions_make(alpha, 2)
        connection = connection_make(alpha.users["student"])

    # when: a message with alpha's connection id runs in beta's schema
    with schema_context(beta.schema):
        report = services.calendar_sync(connection_id=connection.pk)

    # then: beta has no such connection; alpha's calendar is untouched
    assert report.stopped == "gone" and google.api_calls() == 0


def test_a_daily_quota_stops_the_sync_until_the_periodic_run(alpha, google, gql_student):
    with schema_context(alpha.schema):
        sessions_make(alpha, 3)
        connection = connection_make(alpha.users["student"])
        CalendarConnection.objects.filter(pk=connection.pk).update(sync_started_at=timezone.now())
        # given: Google's quota for the day is used up (403 quotaExceeded, no Retry-After)
        google.quota_exceeded = True

        # when: the actor runs
        with mock.patch.object(actors.calendar_sync_connection, "send_with_options") as again:
            actors.calendar_sync_connection.fn(connection.pk)
        connection.refresh_from_db()
        calls = google.api_calls()
        shown = gql_student()["connections"][0]

        # then: no message comes back a minute later; the person is told why
        again.assert_not_called()
        assert calls == 1
        assert connection.last_error == "quota" and connection.sync_started_at is None
        assert shown["syncing"] is False
        assert shown["lastError"].startswith("Google Calendar's daily limit was reached")

        # and: the next periodic run, the quota renewed, writes everything
        google.quota_exceeded = False
        with mock.patch.object(actors.calendar_sync_connection, "send") as send:
            actors.calendar_sync_all.fn()
        send.assert_called_once_with(connection.pk)
        report = _sync(connection)
        connection.refresh_from_db()
    assert report.written == 3 and len(google.live()) == 3
    assert connection.last_error == "" and connection.last_sync_at is not None


def test_a_daily_quota_leaves_a_removal_to_the_periodic_run(alpha, google):
    with schema_context(alpha.schema):
        sessions_make(alpha, 2)
        student = alpha.users["student"]
        connection = connection_make(student)
        _sync(connection)
        services.calendar_disconnect(user=student, provider="google")
        google.quota_exceeded = True

        with mock.patch.object(actors.calendar_disconnect_run, "send_with_options") as again:
            actors.calendar_disconnect_run.fn(connection.pk)
        again.assert_not_called()
        still = CalendarConnection.objects.get(pk=connection.pk).status

        # the periodic run sends the removal again; with the quota renewed it finishes
        google.quota_exceeded = False
        with mock.patch.object(actors.calendar_disconnect_run, "send") as send:
            services.calendar_removals_resend()
        send.assert_called_once_with(connection.pk)
        report = services.calendar_disconnect_run(connection_id=connection.pk)
    assert still == CalendarConnection.Status.DISCONNECTING
    assert report.done and google.live() == {}
