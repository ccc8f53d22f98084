"""The calendar sync's GraphQL, field by field and role by role: myCalendars and the
connection mutations for anyone signed in (their own only), calendarApps and
updateCalendarApp for admins, the secret never returned, and no school seeing another's."""

from unittest import mock

import pytest
from django_tenants.utils import schema_context

from meetings.calendar_sync.models import CalendarApp, CalendarConnection

from ...graphql.conftest import GQL
from .conftest import app_set, connection_make

pytestmark = pytest.mark.django_db

ROLES = ["admin", "teacher", "student", "parent"]

MY = """{ myCalendars {
  providers { provider available }
  connections { provider status accountEmail connectedAt lastSyncAt syncing syncDone syncTotal
                eventCount lastError } } }"""
APPS = """{ calendarApps { provider clientId hasClientSecret directoryTenant enabled standIn
  allowedStandIns redirectUrl connectedCount } }"""
CONNECT = """mutation($p: CalendarProviderName!) {
  connectCalendar(provider: $p) { authorizeUrl errors { field message code } } }"""
DISCONNECT = """mutation($p: CalendarProviderName!) {
  disconnectCalendar(provider: $p) { connection { status } errors { field message code } } }"""
SYNC = """mutation($p: CalendarProviderName!) {
  syncCalendar(provider: $p) { connection { status syncing } errors { field message code } } }"""
UPDATE = """mutation($input: CalendarAppInput!) {
  updateCalendarApp(input: $input) { app { provider clientId hasClientSecret enabled standIn
    directoryTenant } errors { field message code } } }"""


def _denied(body) -> bool:
    return "errors" in body and body.get("data") is None


@pytest.mark.parametrize("role", ROLES)
def test_my_calendars_shows_the_viewers_own_connections_only(alpha, google, role):
    with schema_context(alpha.schema):
        for other in ROLES:
            connection_make(alpha.users[other])

    mine = GQL(alpha, role).ok(MY)["myCalendars"]

    assert mine["providers"] == [
        {"provider": "GOOGLE", "available": True},
        {"provider": "MICROSOFT", "available": False},
    ]
    assert [c["accountEmail"] for c in mine["connections"]] == [
        f"{alpha.users[role].email}.calendar@example.com"
    ]
    assert mine["connections"][0]["status"] == "ACTIVE"
    assert mine["connections"][0]["lastError"] == ""


def test_my_calendars_needs_a_signed_in_person(alpha):
    assert _denied(GQL(alpha).__call__(MY))


def test_calendar_apps_for_admins_never_with_the_secret(alpha, settings):
    settings.LIVEROLL_CALENDAR_ALLOWED_STAND_INS = ["http://127.0.0.1:8765"]
    with schema_context(alpha.schema):
        app_set("google", client_secret="very-secret-value")
        connection_make(alpha.users["student"])

    response = GQL(alpha, "admin")(APPS)

    apps = response["data"]["calendarApps"]
    assert "very-secret-value" not in str(response)
    google, microsoft = apps
    assert google["clientId"] == "google-client-id" and google["hasClientSecret"] is True
    assert google["redirectUrl"].endswith("/oauth/calendar/google/callback/")
    assert "alpha." in google["redirectUrl"]
    assert google["connectedCount"] == 1
    assert google["allowedStandIns"] == ["http://127.0.0.1:8765"]
    assert microsoft == {
        "provider": "MICROSOFT",
        "clientId": "",
        "hasClientSecret": False,
        "directoryTenant": "common",
        "enabled": True,
        "standIn": "",
        "allowedStandIns": ["http://127.0.0.1:8765"],
        "redirectUrl": microsoft["redirectUrl"],
        "connectedCount": 0,
    }


@pytest.mark.parametrize("role", ["teacher", "student", "parent", None])
def test_calendar_apps_and_their_update_are_for_admins_only(alpha, role):
    gql = GQL(alpha, role)
    assert _denied(gql(APPS))
    assert _denied(gql(UPDATE, input={"provider": "GOOGLE", "clientId": "x"}))
    with schema_context(alpha.schema):
        assert not CalendarApp.objects.exists()


def test_update_calendar_app_keeps_clears_and_checks(alpha, settings):
    settings.LIVEROLL_CALENDAR_ALLOWED_STAND_INS = ["http://127.0.0.1:8765"]
    gql = GQL(alpha, "admin")

    made = gql.ok(
        UPDATE, input={"provider": "MICROSOFT", "clientId": "app-id", "clientSecret": "s1"}
    )["updateCalendarApp"]
    kept = gql.ok(UPDATE, input={"provider": "MICROSOFT", "enabled": False})["updateCalendarApp"]
    refused = gql.ok(UPDATE, input={"provider": "MICROSOFT", "standIn": "https://evil.example"})[
        "updateCalendarApp"
    ]
    moved_without_secret = gql.ok(
        UPDATE, input={"provider": "MICROSOFT", "standIn": "http://127.0.0.1:8765/"}
    )["updateCalendarApp"]
    moved = gql.ok(
        UPDATE,
        input={
            "provider": "MICROSOFT",
            "standIn": "http://127.0.0.1:8765/",
            "clientSecret": "s2",
            "directoryTenant": "contoso.onmicrosoft.com",
        },
    )["updateCalendarApp"]
    bad_directory = gql.ok(
        UPDATE, input={"provider": "MICROSOFT", "directoryTenant": "../token?x="}
    )["updateCalendarApp"]
    cleared = gql.ok(UPDATE, input={"provider": "MICROSOFT", "clientSecret": ""})[
        "updateCalendarApp"
    ]

    assert made["errors"] == [] and made["app"]["hasClientSecret"] is True
    assert kept["app"]["hasClientSecret"] is True and kept["app"]["enabled"] is False
    assert [e["field"] for e in refused["errors"]] == ["standIn"]
    assert [e["field"] for e in moved_without_secret["errors"]] == ["clientSecret"]
    assert moved["errors"] == [] and moved["app"]["standIn"] == "http://127.0.0.1:8765"
    assert moved["app"]["directoryTenant"] == "contoso.onmicrosoft.com"
    assert [e["field"] for e in bad_directory["errors"]] == ["directoryTenant"]
    assert cleared["app"]["hasClientSecret"] is False
    with schema_context(alpha.schema):
        from tenants.audit.models import AuditEntry

        changes = [
            e.details["changed"] for e in AuditEntry.objects.filter(action="calendar.app.updated")
        ]
    assert "s1" not in str(changes) and "client_secret" in changes[0]


@pytest.mark.parametrize("role", ROLES)
def test_connect_calendar_for_every_role(alpha, google, role):
    body = GQL(alpha, role).ok(CONNECT, p="GOOGLE")["connectCalendar"]
    assert body["errors"] == [] and body["authorizeUrl"].startswith("https://")


def test_connect_calendar_says_when_the_school_has_no_app(alpha, edge):
    student = GQL(alpha, "student").ok(CONNECT, p="MICROSOFT")["connectCalendar"]
    admin = GQL(alpha, "admin").ok(CONNECT, p="MICROSOFT")["connectCalendar"]
    assert student["authorizeUrl"] is None
    assert [e["code"] for e in student["errors"]] == ["not_set_up"]
    assert "ask an admin" in student["errors"][0]["message"]
    assert "Settings" in admin["errors"][0]["message"]


def test_connection_mutations_need_a_signed_in_person(alpha, google):
    anonymous = GQL(alpha)
    for document in (CONNECT, DISCONNECT, SYNC):
        assert _denied(anonymous(document, p="GOOGLE"))


@pytest.mark.parametrize("role", ROLES)
def test_sync_and_disconnect_touch_the_viewers_own_connection(alpha, google, role):
    with schema_context(alpha.schema):
        connection_make(alpha.users[role])
        others = [connection_make(alpha.users[o]).pk for o in ROLES if o != role]
    gql = GQL(alpha, role)

    with mock.patch("meetings.calendar_sync.actors.calendar_sync_connection.send"):
        synced = gql.ok(SYNC, p="GOOGLE")["syncCalendar"]
    with mock.patch("meetings.calendar_sync.actors.calendar_disconnect_run.send"):
        gone = gql.ok(DISCONNECT, p="GOOGLE")["disconnectCalendar"]
    again = gql.ok(SYNC, p="GOOGLE")["syncCalendar"]
    missing = gql.ok(DISCONNECT, p="MICROSOFT")["disconnectCalendar"]

    assert synced == {"connection": {"status": "ACTIVE", "syncing": True}, "errors": []}
    assert gone == {"connection": {"status": "DISCONNECTING"}, "errors": []}
    assert [e["code"] for e in again["errors"]] == ["needs_reconnect"]
    assert [e["code"] for e in missing["errors"]] == ["not_found"]
    with schema_context(alpha.schema):
        untouched = CalendarConnection.objects.filter(
            pk__in=others, status=CalendarConnection.Status.ACTIVE, sync_started_at=None
        ).count()
    assert untouched == len(others)


def test_a_connection_without_a_grant_goes_at_once(alpha, google):
    with schema_context(alpha.schema):
        connection_make(
            alpha.users["student"],
            status=CalendarConnection.Status.NEEDS_RECONNECT,
            refresh_token="",
            access_token="",
            last_error="needs_reconnect",
        )
    gql = GQL(alpha, "student")
    shown = gql.ok(MY)["myCalendars"]["connections"][0]
    gone = gql.ok(DISCONNECT, p="GOOGLE")["disconnectCalendar"]

    assert shown["status"] == "NEEDS_RECONNECT" and "Connect it again" in shown["lastError"]
    assert gone == {"connection": None, "errors": []}


def test_another_school_never_sees_or_touches_alphas_calendars(alpha, beta, google):
    with schema_context(alpha.schema):
        app_set("google", client_id="alpha-only-client")
        connection_make(alpha.users["student"])
        connection_make(alpha.users["admin"])

    beta_admin = GQL(beta, "admin")
    apps = beta_admin.ok(APPS)["calendarApps"]
    mine = beta_admin.ok(MY)["myCalendars"]
    beta_admin.ok(
        UPDATE, input={"provider": "GOOGLE", "clientId": "beta-client", "clientSecret": "b"}
    )
    disconnect = GQL(beta, "student").ok(DISCONNECT, p="GOOGLE")["disconnectCalendar"]
    # alpha's cookie on beta's host is nobody there
    cross = GQL(beta, client=alpha.client("student").__class__(HTTP_HOST=beta.host))(MY)

    assert "alpha-only-client" not in str(apps)
    assert [a["connectedCount"] for a in apps] == [0, 0]
    assert mine["connections"] == [] and mine["providers"][0]["available"] is False
    assert [e["code"] for e in disconnect["errors"]] == ["not_found"]
    assert _denied(cross)
    with schema_context(alpha.schema):
        assert CalendarApp.objects.get(provider="google").client_id == "alpha-only-client"
        assert CalendarConnection.objects.filter(status="active").count() == 2
