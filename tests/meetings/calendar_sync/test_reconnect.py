"""Connecting again: the same account (a `needs_reconnect` repaired) keeps what was written;
another account takes the old one's events away with the old grant, revokes it, and the new
calendar is written from scratch. Google answered at the HTTP edge by `remote.Remote`, which
keeps one calendar per account (a token issued while it names an account writes there)."""

import logging
import threading
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.db import connection as django_connection
from django.db import connections
from django_tenants.utils import schema_context

from meetings.calendar_sync import actors, services
from meetings.calendar_sync.models import CalendarConnection, SyncedEvent
from tenants.audit.models import AuditEntry

from .conftest import connection_make, sessions_make

pytestmark = pytest.mark.django_db

OTHER = "other-account@example.com"


def _reconnect(world, role, django_capture_on_commit_callbacks):
    """The person connects again: the provider's page, then the callback with a code."""
    session: dict = {}
    user = world.users[role]
    with schema_context(world.schema):
        url = services.calendar_connect_start(
            user=user, provider="google", session=session, tenant=world.org
        )
        with (
            mock.patch.object(actors.calendar_sync_connection, "send") as send,
            django_capture_on_commit_callbacks(execute=True),
        ):
            connection = services.calendar_connect_finish(
                user=user,
                provider="google",
                session=session,
                tenant=world.org,
                code="4/0AX4XfWh-code",
                state=parse_qs(urlsplit(url).query)["state"][0],
            )
    return connection, send


def test_another_account_removes_the_old_calendars_events_then_writes_the_new_one(
    alpha, google, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        # given: three sessions written to the person's first account's calendar
        sessions_make(alpha, 3)
        connection = connection_make(alpha.users["student"], account_email=google.email)
        services.calendar_sync(connection_id=connection.pk)
        assert len(google.live()) == 3

    # when: they connect again, choosing another Google account at Google
    google.email = OTHER
    again, send = _reconnect(alpha, "student", django_capture_on_commit_callbacks)

    with schema_context(alpha.schema):
        again.refresh_from_db()
        rows_after_connect = SyncedEvent.objects.filter(connection=again).count()
        report = services.calendar_sync(connection_id=again.pk)
        audit = AuditEntry.objects.filter(action="calendar.connection.connected").latest("pk")
    # then: the old calendar is emptied with the old grant, which is revoked; the new grant
    # is kept; the first sync writes every session to the new calendar
    assert again.pk == connection.pk and again.account_email == OTHER
    assert google.live() == {}
    assert google.revoked_tokens == ["1//refresh-token"]
    assert again.refresh_token == f"1//refresh-{OTHER}"
    assert rows_after_connect == 0 and again.last_sync_at is None
    send.assert_called_once_with(again.pk)
    assert report.written == 3 and len(google.live(OTHER)) == 3
    assert audit.details["replaced"] == {
        "previous_account": "person@example.com",
        "events_deleted": 3,
        "events_left": 0,
        "revoked": True,
    }


def test_the_same_account_again_keeps_its_events_and_writes_no_second_copy(
    alpha, google, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        # given: written, then Google signed the person out (needs reconnecting)
        sessions_make(alpha, 3)
        connection = connection_make(alpha.users["student"], account_email="Person@Example.com")
        services.calendar_sync(connection_id=connection.pk)
        CalendarConnection.objects.filter(pk=connection.pk).update(
            status=CalendarConnection.Status.NEEDS_RECONNECT,
            access_token="",
            refresh_token="",
            last_error="needs_reconnect",
        )

    # when: they connect the same account again
    again, _send = _reconnect(alpha, "student", django_capture_on_commit_callbacks)

    with schema_context(alpha.schema):
        rows = SyncedEvent.objects.filter(connection=again).count()
        report = services.calendar_sync(connection_id=again.pk)
    # then: nothing removed, nothing revoked, nothing written twice
    assert rows == 3 and google.revoked_tokens == []
    assert (report.unchanged, report.written) == (3, 0)
    assert len(google.live()) == 3


def test_another_account_after_the_old_grant_was_lost_starts_afresh_and_says_what_is_left(
    alpha, google, django_capture_on_commit_callbacks, caplog
):
    with schema_context(alpha.schema):
        sessions_make(alpha, 2)
        connection = connection_make(alpha.users["student"], account_email=google.email)
        services.calendar_sync(connection_id=connection.pk)
        written = sorted(google.live())
        CalendarConnection.objects.filter(pk=connection.pk).update(
            status=CalendarConnection.Status.NEEDS_RECONNECT, access_token="", refresh_token=""
        )

    google.email = OTHER
    with caplog.at_level(logging.WARNING, logger="meetings.calendar_sync.services"):
        again, _send = _reconnect(alpha, "student", django_capture_on_commit_callbacks)

    with schema_context(alpha.schema):
        report = services.calendar_sync(connection_id=again.pk)
    # then: no grant to remove them with: the old events stay and are logged with their ids
    assert sorted(google.live()) == written and google.revoked_tokens == []
    assert all(event_id in caplog.text for event_id in written)
    assert report.written == 2 and len(google.live(OTHER)) == 2


def test_another_account_is_refused_while_a_sync_holds_the_connection_too_long(
    alpha, google, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "RECONNECT_LOCK_WAIT", 0.05)
    with schema_context(alpha.schema):
        sessions_make(alpha, 1)
        connection = connection_make(alpha.users["student"], account_email=google.email)
        services.calendar_sync(connection_id=connection.pk)
    google.email = OTHER

    # given: a sync holds the connection (on a database connection of its own)
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with schema_context(alpha.schema), services._connection_held(connection.pk) as held:
                assert held
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(30)
        # when: the person comes back from Google with another account, and the sync does
        # not let go within the wait
        with pytest.raises(ValidationError):
            _reconnect(alpha, "student", django_capture_on_commit_callbacks)
    finally:
        release.set()
        thread.join()

    with schema_context(alpha.schema):
        connection.refresh_from_db()
    # then: nothing changed; the person is asked to try again shortly
    assert connection.account_email == "person@example.com" and len(google.live()) == 1
    assert connection.refresh_token == "1//refresh-token"


def test_another_account_waits_for_a_sync_holding_the_connection_to_finish(
    alpha, google, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        sessions_make(alpha, 1)
        connection = connection_make(alpha.users["student"], account_email=google.email)
        services.calendar_sync(connection_id=connection.pk)
    google.email = OTHER
    holding = threading.Event()

    def hold_until_waited_for():
        # a sync holds the connection, and finishes once the callback is seen waiting for it
        # (a lock not granted in pg_locks): no wall-clock guess of how long either takes
        try:
            with schema_context(alpha.schema), services._connection_held(connection.pk) as held:
                assert held
                holding.set()
                with django_connection.cursor() as cursor:
                    for _ in range(3000):
                        cursor.execute(
                            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                            "AND NOT granted AND database = "
                            "(SELECT oid FROM pg_database WHERE datname = current_database())"
                        )
                        if cursor.fetchone()[0]:
                            return
                        cursor.execute("SELECT pg_sleep(0.01)")
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold_until_waited_for)
    thread.start()
    try:
        assert holding.wait(30)
        again, _send = _reconnect(alpha, "student", django_capture_on_commit_callbacks)
    finally:
        thread.join()

    with schema_context(alpha.schema):
        again.refresh_from_db()
    assert again.account_email == OTHER and google.live() == {}
