"""The same sync through Microsoft Graph (its shapes answered by requests-mock): written once
under a transactionId, unchanged sessions cost nothing, a move is a PATCH of the same event,
a cancellation a DELETE, a lost create answer no second event, disconnecting removes all."""

from datetime import timedelta

import pytest
from django_tenants.utils import schema_context

from meetings.calendar_sync import services
from meetings.calendar_sync.models import CalendarConnection, SyncedEvent
from meetings.models import Meeting

from .conftest import GRAPH, app_set, connection_make, sessions_make
from .remote import Remote, microsoft_install

pytestmark = pytest.mark.django_db


@pytest.fixture
def outlook(alpha, requests_mock, slept):
    remote = Remote()
    microsoft_install(requests_mock, remote, api=GRAPH, login="https://login.microsoftonline.com")
    with schema_context(alpha.schema):
        app_set("microsoft")
    return remote


def test_a_students_sessions_through_graph(alpha, outlook):
    with schema_context(alpha.schema):
        first, second, third = sessions_make(alpha, 3)
        student = alpha.users["student"]
        connection = connection_make(student, provider="microsoft")

        # first sync: three events with the student's platform link, never Zoom's
        outlook.lose_next_insert_answer = True  # and the first create's answer is lost
        services.calendar_sync(connection_id=connection.pk)
        services.calendar_sync(connection_id=connection.pk)
        assert len(outlook.events) == 3
        for event in outlook.events.values():
            assert "/join/" in event["location"]["displayName"]
            assert "zoom" not in str(event).lower()
            assert event["start"]["timeZone"] == "Asia/Dhaka"
        calls = outlook.api_calls()

        # an unchanged sync costs nothing
        services.calendar_sync(connection_id=connection.pk)
        assert outlook.api_calls() == calls

        # a move is a PATCH of the same event; a cancellation a DELETE there
        moved = SyncedEvent.objects.get(connection=connection, meeting=first)
        Meeting.objects.filter(pk=first.pk).update(start_time=first.start_time + timedelta(hours=2))
        Meeting.objects.filter(pk=second.pk).update(status=Meeting.Status.CANCELLED)
        services.calendar_sync(connection_id=connection.pk, meeting_ids=[first.pk, second.pk])
        assert [m for m, _ in outlook.calls[calls:]] == ["PATCH", "DELETE"]
        assert set(outlook.events) == {
            moved.remote_id,
            SyncedEvent.objects.get(connection=connection, meeting=third).remote_id,
        }
        assert outlook.events[moved.remote_id]["start"]["dateTime"].startswith(
            (first.start_time + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")
        )

        # disconnecting removes every event, then the row
        services.calendar_disconnect(user=student, provider="microsoft")
        report = services.calendar_disconnect_run(connection_id=connection.pk)
        assert report.done and report.left == 0
        assert outlook.events == {}
        assert not CalendarConnection.objects.filter(pk=connection.pk).exists()
