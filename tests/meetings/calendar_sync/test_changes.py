"""A session's change reaches the calendars it concerns: the hook where every change passes
(`_calendar_event_upsert`) sends one message per transaction, and that message fans out to
every connected person who holds or now sees one of the sessions."""

from unittest import mock

import pytest
from django_tenants.utils import schema_context

from meetings.calendar_sync import actors, services
from meetings.calendar_sync.models import CalendarConnection, SyncedEvent
from meetings.services.calendar_events import _calendar_event_upsert
from tenants.accounts.models import Role
from tenants.accounts.services import user_create

from .conftest import connection_make, sessions_make

pytestmark = pytest.mark.django_db


def test_one_message_per_transaction_with_every_session_it_changed(
    alpha, google, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        connection_make(alpha.users["student"])
        first, second = sessions_make(alpha, 2)

        with (
            mock.patch.object(actors.calendar_meetings_changed, "send") as send,
            django_capture_on_commit_callbacks(execute=True),
        ):
            _calendar_event_upsert(first)
            _calendar_event_upsert(second)
            _calendar_event_upsert(first)

    send.assert_called_once_with(sorted([first.pk, second.pk]))


def test_no_message_where_nobody_connected_a_calendar(
    alpha, google, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        meeting = sessions_make(alpha, 1)[0]
        with (
            mock.patch.object(actors.calendar_meetings_changed, "send") as send,
            django_capture_on_commit_callbacks(execute=True),
        ):
            _calendar_event_upsert(meeting)

    send.assert_not_called()


def test_a_change_reaches_everyone_who_sees_or_holds_the_session(alpha, beta, google):
    with schema_context(alpha.schema):
        # given: everyone of alpha's class connected, and a student of no class
        mine = {role: connection_make(alpha.users[role]).pk for role in alpha.users}
        outsider = user_create(
            email="other@alpha.test", password=None, role=Role.STUDENT, name="Other"
        )
        connection_make(outsider)
        held, new = sessions_make(alpha, 2)
        # the outsider's calendar still holds `held` (they saw it once)
        outsider_connection = CalendarConnection.objects.get(user=outsider)
        SyncedEvent.objects.create(
            connection=outsider_connection, meeting=held, key="k" * 26, remote_id="r"
        )
        needing = connection_make(alpha.users["teacher"], provider="microsoft")
        CalendarConnection.objects.filter(pk=needing.pk).update(status="needs_reconnect")

        with mock.patch.object(actors.calendar_sync_connection, "send") as send:
            count = services.calendar_meetings_changed(meeting_ids=[held.pk, new.pk])

    sent = sorted(call.args[0] for call in send.call_args_list)
    assert sent == sorted([*mine.values(), outsider_connection.pk])
    assert count == 5
    assert all(call.args[1] == [held.pk, new.pk] for call in send.call_args_list)
