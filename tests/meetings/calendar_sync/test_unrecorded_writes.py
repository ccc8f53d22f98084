"""An event written just before the worker died (a time limit, a kill, a deploy): the row
has its key but no `remote_id` and no error. Its key may have been used, so every removal
finds what it made by that key first: a cancellation, a session deleted here, and a
disconnection leave nothing behind. Google answered at the HTTP edge by `remote.Remote`
(events.get by our id), Graph by its events listing (transactionId matched here)."""

import pytest
from django_tenants.utils import schema_context

from meetings.calendar_sync import services
from meetings.calendar_sync.models import CalendarConnection, SyncedEvent
from meetings.models import Meeting

from .conftest import GRAPH, app_set, connection_make, sessions_make
from .remote import Remote, microsoft_install

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What a time limit or a kill is to the code running: nothing after it runs."""


def _written_then_killed(connection, monkeypatch):
    """A sync whose worker dies right after each event is written there, before its row is
    updated."""

    def put_then_die(provider, row, item, report):
        body = services._event_body(
            meeting=item.meeting, key=row.key, join_url=item.join_url, page_url=item.page_url
        )
        provider.event_put(body, remote_id=row.remote_id)
        raise WorkerKilled

    with monkeypatch.context() as patched:
        patched.setattr(services, "_put", put_then_die)
        with pytest.raises(WorkerKilled):
            services.calendar_sync(connection_id=connection.pk)
    row = SyncedEvent.objects.get(connection=connection)
    assert (row.remote_id, row.last_error) == ("", "")
    return row


def test_a_cancelled_session_whose_write_was_never_recorded_is_deleted_there(
    alpha, google, monkeypatch
):
    with schema_context(alpha.schema):
        (meeting,) = sessions_make(alpha, 1)
        connection = connection_make(alpha.users["student"])
        row = _written_then_killed(connection, monkeypatch)
        assert list(google.live()) == [row.key]

        # when: the session is cancelled
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
        report = services.calendar_sync(connection_id=connection.pk, meeting_ids=[meeting.pk])

        row.refresh_from_db()
    # then: found by its key and deleted there
    assert report.deleted == 1 and google.live() == {}
    assert row.removed
    assert ("GET", f"/calendar/v3/calendars/primary/events/{row.key}") in google.calls


def test_a_deleted_session_whose_write_was_never_recorded_is_deleted_there(
    alpha, google, monkeypatch
):
    with schema_context(alpha.schema):
        (meeting,) = sessions_make(alpha, 1)
        connection = connection_make(alpha.users["student"])
        _written_then_killed(connection, monkeypatch)

        # when: the session is deleted here (its row stays, its meeting gone)
        meeting.delete()
        services.calendar_sync(connection_id=connection.pk)

        left = SyncedEvent.objects.filter(connection=connection).count()
    assert google.live() == {} and left == 0


def test_disconnecting_deletes_an_event_whose_write_was_never_recorded(alpha, google, monkeypatch):
    with schema_context(alpha.schema):
        sessions_make(alpha, 1)
        student = alpha.users["student"]
        connection = connection_make(student)
        _written_then_killed(connection, monkeypatch)

        services.calendar_disconnect(user=student, provider="google")
        report = services.calendar_disconnect_run(connection_id=connection.pk)

        gone = not CalendarConnection.objects.filter(pk=connection.pk).exists()
    assert (report.deleted, report.left, gone) == (1, 0, True)
    assert google.live() == {}


def test_rows_never_written_cost_one_lookup_and_no_delete(alpha, google):
    with schema_context(alpha.schema):
        # given: a row made (its key committed) whose write never started
        (meeting,) = sessions_make(alpha, 1)
        connection = connection_make(alpha.users["student"])
        SyncedEvent.objects.create(connection=connection, meeting=meeting, key="0" * 26)

        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
        services.calendar_sync(connection_id=connection.pk)

    assert [method for method, _path in google.calls] == ["GET"]


@pytest.fixture
def outlook(alpha, requests_mock, slept):
    remote = Remote()
    microsoft_install(requests_mock, remote, api=GRAPH, login="https://login.microsoftonline.com")
    with schema_context(alpha.schema):
        app_set("microsoft")
    return remote


def test_graph_a_cancelled_sessions_unrecorded_write_is_found_by_transaction_id(
    alpha, outlook, monkeypatch
):
    with schema_context(alpha.schema):
        (meeting,) = sessions_make(alpha, 1)
        connection = connection_make(alpha.users["student"], provider="microsoft")
        _written_then_killed(connection, monkeypatch)
        assert len(outlook.events) == 1

        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
        services.calendar_sync(connection_id=connection.pk, meeting_ids=[meeting.pk])

    assert outlook.events == {}
    assert [method for method, _path in outlook.calls[-2:]] == ["GET", "DELETE"]


def test_graph_disconnecting_removes_an_unrecorded_write(alpha, outlook, monkeypatch):
    with schema_context(alpha.schema):
        sessions_make(alpha, 1)
        student = alpha.users["student"]
        connection = connection_make(student, provider="microsoft")
        _written_then_killed(connection, monkeypatch)

        services.calendar_disconnect(user=student, provider="microsoft")
        report = services.calendar_disconnect_run(connection_id=connection.pk)

    assert report.done and (report.deleted, report.left) == (1, 0)
    assert outlook.events == {}


def test_graph_a_listing_that_fails_is_not_read_again_for_each_row(
    alpha, outlook, requests_mock, monkeypatch
):
    with schema_context(alpha.schema):
        sessions_make(alpha, 1)
        student = alpha.users["student"]
        connection = connection_make(student, provider="microsoft")
        _written_then_killed(connection, monkeypatch)
        # and a second row whose write never started
        SyncedEvent.objects.create(connection=connection, key="0" * 26)
        # given: Graph's events listing is down (503, retried by the client, then given up)
        requests_mock.get(
            f"{GRAPH}/me/events",
            status_code=503,
            json={"error": {"code": "ServiceNotAvailable", "message": "Service unavailable."}},
        )

        services.calendar_disconnect(user=student, provider="microsoft")
        report = services.calendar_disconnect_run(connection_id=connection.pk)

    listings = [r for r in requests_mock.request_history if r.method == "GET"]
    assert report.done and (report.deleted, report.left) == (0, 2)
    assert len(listings) == 5  # one listing and the client's four retries, not one per row
    assert len(outlook.events) == 1  # what could not be found stays there (and is logged)
