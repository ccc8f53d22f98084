"""The school's admin shows connections and apps for looking, never a secret or a token."""

import pytest
from django_tenants.utils import schema_context

from .conftest import app_set, connection_make

pytestmark = pytest.mark.django_db


def test_the_school_admin_shows_connections_without_secrets(alpha):
    with schema_context(alpha.schema):
        app = app_set("google", client_secret="app-secret-value")
        connection = connection_make(
            alpha.users["student"], access_token="access-value", refresh_token="refresh-value"
        )
    admin = alpha.client("admin")

    pages = [
        admin.get("/admin/calendar_sync/calendarconnection/"),
        admin.get(f"/admin/calendar_sync/calendarconnection/{connection.pk}/change/"),
        admin.get(f"/admin/calendar_sync/calendarapp/{app.pk}/change/"),
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    text = "".join(page.content.decode() for page in pages)
    assert connection.account_email in text
    for secret in ("app-secret-value", "access-value", "refresh-value"):
        assert secret not in text
    assert (
        alpha.client("teacher").get("/admin/calendar_sync/calendarconnection/").status_code != 200
    )
