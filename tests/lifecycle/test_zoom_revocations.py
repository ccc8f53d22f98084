"""Zoom's `app_deauthorized` and an `invalid_grant` on refresh delete the stored tokens (read
back from the raw table) and tell the teacher by mail and a notification."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from attendance.inbox import engine
from attendance.models import WebhookEvent
from meetings.models import ZoomConnection
from meetings.providers.base import InvalidGrantError
from meetings.zoom import oauth
from tenants.audit.models import AuditEntry
from tenants.mail.models import OutboundMail

from ..meetings.conftest import OAUTH


def _raw_tokens(user_id: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, access_token, refresh_token, expires_at"
            " FROM meetings_zoomconnection WHERE user_id = %s",
            [user_id],
        )
        return cursor.fetchall()


def _deauthorized(user_id="zu-teacher", account_id="acct-1") -> dict:
    # Zoom's documented shape: no `object`, the user and account at the payload's top.
    return {
        "event": "app_deauthorized",
        "event_ts": 1700000000000,
        "payload": {
            "account_id": account_id,
            "user_id": user_id,
            "signature": "sig",
            "deauthorization_time": "2026-11-30T12:00:00.000Z",
            "client_id": "cid",
        },
    }


def _store(body: dict) -> int:
    """Stored as the intake stores it: no Zoom meeting id (the event is about a user)."""
    event = WebhookEvent.objects.create(
        event=body["event"],
        event_ts=body["event_ts"],
        dedupe_key=f"deauth-{body['event_ts']}-{body['payload']['user_id']}",
        zoom_meeting_id="",
        body=body,
    )
    return event.pk


def test_invalid_grant_deletes_the_tokens_and_tells_the_teacher(
    teacher_connected, requests_mock, django_capture_on_commit_callbacks
):
    requests_mock.post(
        f"{OAUTH}/oauth/token", status_code=400, json={"reason": "x", "error": "invalid_grant"}
    )
    teacher = teacher_connected.users["teacher"]
    with schema_context(teacher_connected.schema):
        conn = ZoomConnection.objects.get()
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidGrantError):
            oauth.connection_refresh(connection_id=conn.pk)

        assert _raw_tokens(teacher.pk) == [("needs_reconnect", "", "", None)]
        mail = OutboundMail.objects.get(template="zoom_signed_out")
        assert mail.to == teacher.email and "Zoom" in mail.subject
        entry = AuditEntry.objects.get(action="zoom.connection.needs_reconnect")
        assert entry.details["tokens_deleted"] is True


def test_app_deauthorized_deletes_the_tokens_and_tells_the_teacher(teacher_connected):
    teacher = teacher_connected.users["teacher"]
    with schema_context(teacher_connected.schema):
        event_id = _store(_deauthorized())

        assert engine.webhook_event_process(event_id=event_id) == "processed"

        assert _raw_tokens(teacher.pk) == [("revoked", "", "", None)]
        assert OutboundMail.objects.filter(template="zoom_signed_out", to=teacher.email).exists()
        assert (
            AuditEntry.objects.get(action="zoom.connection.needs_reconnect").details["reason"]
            == "app_deauthorized"
        )


def test_app_deauthorized_for_an_unknown_user_changes_nothing(teacher_connected):
    teacher = teacher_connected.users["teacher"]
    with schema_context(teacher_connected.schema):
        event_id = _store(_deauthorized(user_id="someone-else"))

        assert engine.webhook_event_process(event_id=event_id) == "processed"

        status, access, refresh, _ = _raw_tokens(teacher.pk)[0]
        assert (status, bool(access), bool(refresh)) == ("active", True, True)
        assert not OutboundMail.objects.filter(template="zoom_signed_out").exists()


def test_app_deauthorized_in_one_school_leaves_another_alone(teacher_connected, beta):
    # beta's teacher has the same Zoom user id (the same person teaches at both schools)
    with schema_context(beta.schema):
        ZoomConnection.objects.create(
            user=beta.users["teacher"],
            zoom_user_id="zu-teacher",
            zoom_account_id="acct-1",
            access_token="beta-access",
            refresh_token="beta-refresh",
        )
    with schema_context(teacher_connected.schema):
        engine.webhook_event_process(event_id=_store(_deauthorized()))
    with schema_context(beta.schema):
        status, access, refresh, _ = _raw_tokens(beta.users["teacher"].pk)[0]
        assert (status, bool(access), bool(refresh)) == ("active", True, True)


def test_a_second_deauthorization_is_a_no_op(teacher_connected):
    with schema_context(teacher_connected.schema):
        engine.webhook_event_process(event_id=_store(_deauthorized()))
        body = _deauthorized()
        body["event_ts"] += 1
        engine.webhook_event_process(event_id=_store(body))

        assert OutboundMail.objects.filter(template="zoom_signed_out").count() == 1
