"""The school's admin shows connections and apps for looking: never a secret or a token, nor a
person's calendar address or the events written there; nothing is added or deleted there (a
connection goes through disconnecting, which removes its events and revokes the grant)."""

import pytest
from django_tenants.utils import schema_context

from meetings.calendar_sync import services
from meetings.calendar_sync.models import CalendarApp, CalendarConnection, SyncedEvent

from .conftest import app_set, connection_make, sessions_make

pytestmark = pytest.mark.django_db

CONNECTIONS = "/admin/calendar_sync/calendarconnection/"


def test_the_school_admin_shows_connections_without_secrets(alpha):
    with schema_context(alpha.schema):
        app = app_set("google", client_secret="app-secret-value")
        connection = connection_make(
            alpha.users["student"], access_token="access-value", refresh_token="refresh-value"
        )
    admin = alpha.client("admin")

    pages = [
        admin.get(CONNECTIONS),
        admin.get(f"{CONNECTIONS}{connection.pk}/change/"),
        admin.get(f"/admin/calendar_sync/calendarapp/{app.pk}/change/"),
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    text = "".join(page.content.decode() for page in pages)
    for secret in ("app-secret-value", "access-value", "refresh-value"):
        assert secret not in text
    assert alpha.client("teacher").get(CONNECTIONS).status_code != 200


def test_the_school_admin_sees_how_a_calendar_does_but_not_the_calendar(alpha, google):
    # given: the student's Google calendar holds two sessions; a third failed to be written
    with schema_context(alpha.schema):
        student = alpha.users["student"]
        sessions_make(alpha, 2)
        connection = connection_make(student)
        assert services.calendar_sync(connection_id=connection.pk).written == 2
        CalendarConnection.objects.filter(pk=connection.pk).update(last_error="failed:1")
        remote_ids = list(SyncedEvent.objects.values_list("remote_id", flat=True))
    admin = alpha.client("admin")

    # when
    listing = admin.get(CONNECTIONS).content.decode()
    page = admin.get(f"{CONNECTIONS}{connection.pk}/change/").content.decode()
    searched = admin.get(CONNECTIONS, {"q": connection.account_email}).content.decode()

    # then: whose, which provider, its status, how many events and its last error in words;
    # not the calendar's address, nor its events (their titles or the provider's ids)
    for text in (listing, page):
        assert str(student) in text and "Google" in text and "Connected" in text
        assert "Some sessions (1) could not be written" in text
        assert connection.account_email not in text
        assert "Maths 1" not in text
        assert not any(remote_id in text for remote_id in remote_ids)
    assert '<div class="readonly">2</div>' in page  # the events written
    assert "0 calendar connections" in searched or "0 results" in searched


def test_the_school_admin_cannot_delete_a_connection(alpha, google):
    # given: the student's Google calendar holds two sessions
    with schema_context(alpha.schema):
        sessions_make(alpha, 2)
        connection = connection_make(alpha.users["student"])
        assert services.calendar_sync(connection_id=connection.pk).written == 2
    admin = alpha.client("admin")

    # when: deleting it from its page, or with the list's bulk action
    deleted = admin.post(f"{CONNECTIONS}{connection.pk}/delete/", {"post": "yes"})
    bulk = admin.post(
        CONNECTIONS,
        {"action": "delete_selected", "_selected_action": [connection.pk], "post": "yes"},
    )

    # then: refused; the row, its events here and there, and the grant are all kept
    assert deleted.status_code == 403
    assert "delete_selected" not in admin.get(CONNECTIONS).content.decode()
    assert bulk.status_code in (200, 302)
    with schema_context(alpha.schema):
        assert CalendarConnection.objects.filter(pk=connection.pk).exists()
        assert SyncedEvent.objects.filter(connection_id=connection.pk).count() == 2
    assert len(google.live()) == 2
    assert google.revoked_tokens == []


def test_the_school_admin_adds_and_deletes_nothing_calendar(alpha):
    with schema_context(alpha.schema):
        app = app_set("google")
    admin = alpha.client("admin")

    pages = {
        "add connection": admin.get(f"{CONNECTIONS}add/").status_code,
        "add app": admin.get("/admin/calendar_sync/calendarapp/add/").status_code,
        "delete app": admin.post(
            f"/admin/calendar_sync/calendarapp/{app.pk}/delete/", {"post": "yes"}
        ).status_code,
    }

    assert pages == {"add connection": 403, "add app": 403, "delete app": 403}
    with schema_context(alpha.schema):
        assert CalendarApp.objects.filter(pk=app.pk).exists()
