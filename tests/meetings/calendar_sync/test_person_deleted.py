"""Deleting a person disconnects their calendars as they would themselves: every event written
there deleted, the grant revoked at Google, the row with its tokens gone, audited; a provider
that fails never holds the deletion back, and what it left is logged with what it takes to act
on it."""

import logging
import re
from unittest import mock

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.people import people_anonymise_due
from meetings.calendar_sync import actors, services
from meetings.calendar_sync.models import CalendarConnection
from meetings.services.people import person_delete
from tenants.accounts.models import User
from tenants.audit.models import AuditEntry

from .conftest import GOOGLE_API, GOOGLE_OAUTH, connection_make, sessions_make
from .remote import _error

pytestmark = pytest.mark.django_db


def _synced_student(world):
    sessions_make(world, 3)
    student = world.users["student"]
    connection = connection_make(student)
    services.calendar_sync(connection_id=connection.pk)
    return student, connection


def _audit_since() -> int:
    """The last audit entry so far: the schema is shared by the session's tests."""
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _delete(world, person, capture):
    with (
        mock.patch.object(actors.calendar_disconnect_run, "send") as send,
        capture(execute=True),
    ):
        person_delete(person_id=person.pk, by=world.users["admin"])
    return send


def test_deleting_a_person_removes_their_calendars_events_and_revokes_the_grant(
    alpha, google, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        # given: the student's Google calendar holds their 3 sessions; their Outlook needs
        # reconnecting (no grant left to remove anything with)
        student, connection = _synced_student(alpha)
        connection_make(
            student,
            "microsoft",
            status=CalendarConnection.Status.NEEDS_RECONNECT,
            access_token="",
            refresh_token="",
        )
        assert len(google.live()) == 3

        # when: an admin deletes them; the anonymisation job happens to run before the
        # removal's actor does
        since = _audit_since()
        send = _delete(alpha, student, django_capture_on_commit_callbacks)
        marked = CalendarConnection.objects.get(pk=connection.pk)
        # (the anonymisation empties the audit details about the person: read them first)
        deleted = AuditEntry.objects.get(pk__gt=since, action="person.deleted").details
        people_anonymise_due()
        report = services.calendar_disconnect_run(connection_id=connection.pk)

        # then
        left = list(CalendarConnection.objects.filter(user=student))
        person = User.objects.get(pk=student.pk)
        disconnected = list(
            AuditEntry.objects.filter(
                pk__gt=since, action="calendar.connection.disconnected"
            ).values_list("actor_id", "details")
        )
        removed = AuditEntry.objects.get(pk__gt=since, action="calendar.connection.removed")
    send.assert_called_once_with(connection.pk)
    assert marked.status == CalendarConnection.Status.DISCONNECTING
    assert (report.deleted, report.left, report.done) == (3, 0, True)
    assert google.live() == {}
    assert google.revoked_tokens == ["1//refresh-token"]
    assert left == []
    assert person.deleted_at is not None and person.anonymised_at is not None
    assert deleted["calendars"] == {"google": "disconnecting", "microsoft": "forgotten"}
    admin = alpha.users["admin"].pk
    assert sorted((a, d["provider"], d["reason"]) for a, d in disconnected) == [
        (admin, "google", "person_deleted"),
        (admin, "microsoft", "person_deleted"),
    ]
    assert removed.details["events_deleted"] == 3 and removed.details["revoked"] is True


def test_a_provider_that_fails_does_not_hold_the_deletion_back_and_what_it_left_is_logged(
    alpha, google, requests_mock, django_capture_on_commit_callbacks, caplog
):
    with schema_context(alpha.schema):
        student, connection = _synced_student(alpha)
        remote_ids = sorted(google.live())
        # given: Google fails every delete (the Calendar API's 500 backendError, its errors
        # guide: developers.google.com/calendar/api/guides/errors) and the revocation
        requests_mock.register_uri(
            "DELETE",
            re.compile(re.escape(GOOGLE_API) + r"/calendars/[^/]+/events/"),
            status_code=500,
            json=_error(500, "backendError", "Backend Error"),
        )
        requests_mock.post(
            re.compile(re.escape(f"{GOOGLE_OAUTH}/revoke")),
            status_code=503,
            json={"error": "temporarily_unavailable"},
        )

        # when
        since = _audit_since()
        _delete(alpha, student, django_capture_on_commit_callbacks)
        deleted_at = User.objects.get(pk=student.pk).deleted_at
        with caplog.at_level(logging.WARNING, logger="meetings.calendar_sync.services"):
            report = services.calendar_disconnect_run(connection_id=connection.pk)

        # then: the person is deleted, the tokens are gone from here, the events are left
        # there and said so: which school, person, account and events, and the grant
        gone = not CalendarConnection.objects.filter(pk=connection.pk).exists()
        removed = AuditEntry.objects.get(pk__gt=since, action="calendar.connection.removed")
    assert deleted_at is not None and deleted_at <= timezone.now()
    assert (report.deleted, report.left, report.done) == (0, 3, True)
    assert gone
    assert len(google.live()) == 3
    assert (removed.details["events_left"], removed.details["revoked"]) == (3, False)
    [summary] = [r.getMessage() for r in caplog.records if "events left there" in r.getMessage()]
    assert alpha.schema in summary and f"person {student.pk}" in summary
    assert connection.account_email in summary
    assert all(remote_id in summary for remote_id in remote_ids)
    assert "NOT revoked" in summary


def test_a_removal_whose_message_was_lost_is_sent_again_by_the_periodic_job(alpha, google):
    with schema_context(alpha.schema):
        # given: a person disconnected (or was deleted) while the queue was down
        disconnecting = connection_make(
            alpha.users["student"], status=CalendarConnection.Status.DISCONNECTING
        )
        active = connection_make(alpha.users["teacher"])

        # when
        with (
            mock.patch.object(actors.calendar_sync_connection, "send") as sync,
            mock.patch.object(actors.calendar_disconnect_run, "send") as removal,
        ):
            actors.calendar_sync_all.fn()

    # then
    assert [c.args[0] for c in sync.call_args_list] == [active.pk]
    assert [c.args[0] for c in removal.call_args_list] == [disconnecting.pk]
