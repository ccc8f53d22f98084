"""The server pages the app replaced answer a permanent redirect to their place in the app, for
everyone (the app asks for a sign-in and shows "not for you" itself); the OAuth round trip, the
feed and the join links stay. Pages still on the server are styled when they refuse."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

RETIRED = [
    ("/", "/app/"),
    ("/zoom/settings/", "/app/settings/zoom"),
    ("/zoom/settings/connections/7/revoke/", "/app/settings/zoom"),
    ("/classes/", "/app/classes"),
    ("/classes/3/meetings/new/", "/app/schedule?class=3"),
    ("/meetings/12/", "/app/meetings/12"),
    ("/meetings/12/start/", "/app/meetings/12"),
    ("/meetings/12/cancel/", "/app/meetings/12"),
    ("/calendar/", "/app/profile"),
]


@pytest.mark.parametrize(("old", "new"), RETIRED)
@pytest.mark.parametrize("role", ["admin", "teacher", "student", "parent", None])
def test_a_retired_page_redirects_into_the_app(alpha, role, old, new):
    response = alpha.client(role).get(old)

    assert response.status_code == 301
    assert response["Location"] == new


@pytest.mark.parametrize(
    ("role", "new"),
    [
        ("admin", "/app/settings/zoom"),
        ("teacher", "/app/my-zoom"),
        ("student", "/app/"),
        ("parent", "/app/"),
        (None, "/app/"),
    ],
)
def test_the_zoom_page_is_each_ones_zoom_in_the_app(alpha, role, new):
    """The school's Zoom app for an admin, their own connection for a teacher."""
    response = alpha.client(role).get("/zoom/")

    assert response.status_code == 301
    assert response["Location"] == new


@pytest.mark.parametrize("old", ["/meetings/12/start/", "/meetings/12/cancel/", "/zoom/settings/"])
def test_a_post_to_a_retired_form_changes_nothing_and_goes_to_the_app(alpha, old):
    response = alpha.client("teacher").post(old, {"whole_series": "1", "save": "1"})

    assert response.status_code == 301
    assert response["Location"].startswith("/app/")


def test_the_oauth_round_trip_stays_on_the_server(alpha):
    teacher = alpha.client("teacher")

    assert teacher.get("/zoom/connect/").status_code == 405  # a POST, from the app
    assert teacher.get("/oauth/zoom/callback/", {"error": "access_denied"}).status_code == 400
    assert alpha.client().get("/oauth/zoom/callback/")["Location"].startswith("/accounts/login/")


def test_a_student_on_a_teachers_server_page_gets_a_styled_page_not_a_bare_error(alpha, settings):
    settings.DEBUG = False
    client = alpha.client("student")
    client.raise_request_exception = False

    missing = client.get("/no-such-page/")
    wrong_tenant_meeting = client.get("/exports/999999/download/")

    for response in (missing, wrong_tenant_meeting):
        assert response.status_code in (403, 404)
        text = response.content.decode()
        assert "<style" in text and 'href="/app/"' in text
        assert "<h1" in text


def test_error_pages_speak_the_persons_language(alpha, settings):
    settings.DEBUG = False
    client = Client(HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE="bn")

    page = client.get("/no-such-page/").content.decode()

    assert "পাতাটি পাওয়া যায়নি" in page
