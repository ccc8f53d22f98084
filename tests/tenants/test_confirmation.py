"""Confirming the school admin's email at sign-up (issue 10, item 5): one client created ten
schools in four seconds with no email check. Sign-up mails a signed, expiring link; until it is
opened the school cannot reach Zoom, and its pages and app say so, with a rate-limited resend."""

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.services.connections import OAUTH_STATE_SALT
from tenants import confirmation
from tenants.audit.models import AuditEntry
from tenants.mail.models import OutboundMail
from tenants.models import Organisation
from tenants.services import tenant_url
from tests.meetings.conftest import VALID_ZOOM_SETTINGS
from tests.support import mail_deliver_pending

pytestmark = pytest.mark.django_db

SAVE = """mutation($input: ZoomSettingsInput!) {
  saveZoomSettings(input: $input) { ok errors { field message code } } }"""
TEST = "mutation { testZoomConnection { result { ok outcome } errors { code message } } }"
CONNECT = "mutation { connectZoom { authorizeUrl errors { code message } } }"
ZOOM_INPUT = {
    "".join(w if i == 0 else w.title() for i, w in enumerate(k.split("_"))): v
    for k, v in VALID_ZOOM_SETTINGS.items()
}
STATE = "{ emailConfirmation { confirmed confirmedAt canResend } }"
RESEND = "mutation { resendEmailConfirmation { ok errors { code message } } }"


def gql(world, role, query, **variables):
    response = world.client(role).post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def unconfirmed(alpha):
    """alpha as a school whose admin has not confirmed their email (undone after the test)."""
    confirmed_at = alpha.org.admin_email_confirmed_at
    Organisation.objects.filter(pk=alpha.org.pk).update(admin_email_confirmed_at=None)
    alpha.org.admin_email_confirmed_at = None
    yield alpha
    alpha.org.admin_email_confirmed_at = confirmed_at


def link(world, *, user="admin", now=None):
    with schema_context(world.schema):
        return confirmation.confirmation_url(
            organisation=world.org, user=world.users[user], now=now or timezone.now()
        )


def path_of(url):
    return url.split(":8000", 1)[-1] if ":8000" in url else "/" + url.split("/", 3)[3]


def confirmed(world):
    return Organisation.objects.get(pk=world.org.pk).admin_email_confirmed_at is not None


# --- sign-up ---------------------------------------------------------------------------------


def test_sign_up_mails_the_admin_a_link_and_the_school_starts_unconfirmed(public_client):
    # when: a school signs up on the public site
    response = public_client.post(
        "/",
        {
            "school_name": "Riverside",
            "slug": "riverside",
            "admin_name": "Head",
            "admin_email": "head@riverside.test",
            "password": "a-long-enough-password",
        },
    )

    # then: the school exists, unconfirmed, with one confirmation mail to its admin
    assert response.status_code == 302, response.content
    org = Organisation.objects.get(slug="riverside")
    assert org.admin_email_confirmed_at is None
    with schema_context(org.schema_name):
        [message] = mail_deliver_pending()
    assert message.to == ["head@riverside.test"]
    assert message.subject == "Confirm your email address for Riverside"
    assert tenant_url("riverside", "/accounts/confirm-email/") in message.body
    assert tenant_url("riverside", "/accounts/confirm-email/") in message.alternatives[0][0]


def test_tests_and_the_demo_count_as_confirmed(alpha, beta):
    assert confirmed(alpha) and confirmed(beta)
    with schema_context(alpha.schema):
        assert not OutboundMail.objects.filter(template="admin_email_confirm").exists()


# --- the gate --------------------------------------------------------------------------------


def test_an_unconfirmed_school_cannot_reach_zoom_through_the_api(unconfirmed):
    saved = gql(unconfirmed, "admin", SAVE, input=ZOOM_INPUT)["data"]["saveZoomSettings"]
    tested = gql(unconfirmed, "admin", TEST)["data"]["testZoomConnection"]
    connect = gql(unconfirmed, "teacher", CONNECT)["data"]["connectZoom"]

    for payload in (saved, tested, connect):
        [error] = payload["errors"]
        assert error["code"] == "email_not_confirmed"
        assert "Confirm the school admin's email address first" in error["message"]
    assert connect["authorizeUrl"] is None and tested["result"] is None
    with schema_context(unconfirmed.schema):
        from meetings.models import ZoomSettings

        assert not ZoomSettings.objects.filter(client_id="client-abc").exists()


def test_an_unconfirmed_school_cannot_connect_zoom_from_the_server_either(unconfirmed):
    # the OAuth round trip stays on the server: its refusal is a styled page, not a crash
    connect = unconfirmed.client("teacher").post("/zoom/connect/")

    assert connect.status_code == 400
    text = connect.content.decode()
    assert "Confirm the school admin&#x27;s email address first" in text
    assert 'data-test-id="zoom-back"' in text


def test_a_confirmed_school_reaches_zoom(alpha):
    # (alpha is confirmed, as every test school: the same call as above gets past the gate)
    saved = gql(alpha, "admin", SAVE, input=ZOOM_INPUT)["data"]["saveZoomSettings"]
    assert saved == {"ok": True, "errors": []}


# --- the link --------------------------------------------------------------------------------


def test_the_link_confirms_the_school(unconfirmed):
    url = link(unconfirmed)

    response = unconfirmed.client().get(path_of(url))

    assert response.status_code == 200
    assert "admin@alpha.test" in response.content.decode()
    assert confirmed(unconfirmed)
    with schema_context(unconfirmed.schema):
        assert AuditEntry.objects.filter(action="organisation.admin_email_confirmed").exists()
    # and Zoom is reachable now
    saved = gql(unconfirmed, "admin", SAVE, input=ZOOM_INPUT)["data"]["saveZoomSettings"]
    assert saved["ok"] is True
    # opening it again changes nothing and still says it is confirmed
    assert unconfirmed.client().get(path_of(url)).status_code == 200


def test_an_expired_link_is_refused(unconfirmed, settings):
    settings.LIVEROLL_EMAIL_CONFIRM_HOURS = 72
    url = link(unconfirmed, now=timezone.now() - timedelta(hours=73))

    response = unconfirmed.client().get(path_of(url))

    assert response.status_code == 400 and "expired" in response.content.decode()
    assert not confirmed(unconfirmed)


def test_a_link_within_its_lifetime_works(unconfirmed):
    url = link(unconfirmed, now=timezone.now() - timedelta(hours=71))
    assert unconfirmed.client().get(path_of(url)).status_code == 200
    assert confirmed(unconfirmed)


def test_an_altered_link_is_refused(unconfirmed):
    url = link(unconfirmed)
    token = url.rstrip("/").rsplit("/", 1)[1]
    altered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    forged = signing.dumps(
        {"s": unconfirmed.schema, "u": unconfirmed.users["admin"].pk, "e": "admin@alpha.test"},
        salt=OAUTH_STATE_SALT,  # a valid signature under another purpose's salt
    )

    for bad in (altered, forged, "garbage"):
        response = unconfirmed.client().get(f"/accounts/confirm-email/{bad}/")
        assert response.status_code == 400 and "not valid" in response.content.decode()
    assert not confirmed(unconfirmed)


def test_another_schools_link_is_refused(unconfirmed, beta):
    beta_link = link(beta)
    token = beta_link.rstrip("/").rsplit("/", 1)[1]

    response = unconfirmed.client().get(f"/accounts/confirm-email/{token}/")

    assert response.status_code == 400 and "another school" in response.content.decode()
    assert not confirmed(unconfirmed)


def test_a_link_for_someone_who_is_not_an_admin_is_refused(unconfirmed):
    with schema_context(unconfirmed.schema):
        token = confirmation.confirmation_token(
            organisation=unconfirmed.org, user=unconfirmed.users["teacher"], now=timezone.now()
        )
    response = unconfirmed.client().get(f"/accounts/confirm-email/{token}/")
    assert response.status_code == 400 and not confirmed(unconfirmed)


def test_a_link_for_an_address_the_admin_no_longer_has_is_refused(unconfirmed):
    url = link(unconfirmed)
    with schema_context(unconfirmed.schema):
        admin = unconfirmed.users["admin"]
        type(admin).objects.filter(pk=admin.pk).update(email="new-head@alpha.test")
    assert unconfirmed.client().get(path_of(url)).status_code == 400
    assert not confirmed(unconfirmed)


# --- banner and resend -----------------------------------------------------------------------


def test_pages_show_a_banner_with_resend_for_admins(unconfirmed, alpha):
    admin_page = unconfirmed.client("admin").get("/accounts/password/change/").content.decode()
    teacher_page = unconfirmed.client("teacher").get("/accounts/password/change/").content.decode()

    assert 'data-test-id="email-unconfirmed"' in admin_page and "email-resend" in admin_page
    assert 'data-test-id="email-unconfirmed"' in teacher_page
    assert "email-resend" not in teacher_page


def test_a_confirmed_school_shows_no_banner(alpha):
    assert (
        "email-unconfirmed"
        not in alpha.client("admin").get("/accounts/password/change/").content.decode()
    )


def test_the_app_reads_the_state(unconfirmed):
    assert gql(unconfirmed, "admin", STATE)["data"]["emailConfirmation"] == {
        "confirmed": False,
        "confirmedAt": None,
        "canResend": True,
    }
    teacher = gql(unconfirmed, "teacher", STATE)["data"]["emailConfirmation"]
    assert teacher["confirmed"] is False and teacher["canResend"] is False
    assert gql(unconfirmed, None, STATE)["data"] is None


def test_an_admin_has_the_link_sent_again_a_few_times_an_hour(unconfirmed, settings):
    settings.LIVEROLL_EMAIL_CONFIRM_RESENDS_PER_HOUR = 2
    admin = unconfirmed.client("admin")

    answers = [
        admin.post("/accounts/confirm-email/resend/", {"next": "/classes/"}) for _ in range(3)
    ]
    by_api = gql(unconfirmed, "admin", RESEND)["data"]["resendEmailConfirmation"]

    assert [a.status_code for a in answers] == [302, 302, 302]
    assert answers[0]["Location"] == "/classes/"
    with schema_context(unconfirmed.schema):
        sent = mail_deliver_pending()
    assert [m.to for m in sent] == [["admin@alpha.test"], ["admin@alpha.test"]]
    # each a fresh link that works
    url = next(w for w in sent[1].body.split() if "/accounts/confirm-email/" in w)
    assert by_api["ok"] is False and by_api["errors"][0]["code"] == "refused"
    assert unconfirmed.client().get(path_of(url)).status_code == 200
    assert confirmed(unconfirmed)


def test_only_admins_resend_and_not_once_confirmed(unconfirmed, alpha):
    assert unconfirmed.client("teacher").post("/accounts/confirm-email/resend/").status_code == 404
    student = gql(unconfirmed, "student", RESEND)
    assert student["data"] is None and "admins" in student["errors"][0]["message"]
    assert (
        unconfirmed.client().post("/accounts/confirm-email/resend/").status_code == 302
    )  # sign in
    with schema_context(unconfirmed.schema):
        assert mail_deliver_pending() == []

    Organisation.objects.filter(pk=alpha.org.pk).update(admin_email_confirmed_at=timezone.now())
    done = gql(alpha, "admin", RESEND)["data"]["resendEmailConfirmation"]
    assert done["ok"] is False and "confirmed already" in done["errors"][0]["message"]


def test_an_open_redirect_is_not_offered(unconfirmed):
    response = unconfirmed.client("admin").post(
        "/accounts/confirm-email/resend/", {"next": "https://evil.test/"}
    )
    assert response["Location"] == "/"
