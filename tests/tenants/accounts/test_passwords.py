"""Password reset by email and password change (issue 12, "Signing in"), per school host:
Django's views and token generator, the mail through the school's outbox, the same answer
whether or not the address is a person's, counted per address and per client address; a new
password ends the person's other sessions and API tokens."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenants.accounts.models import ApiToken, User
from tenants.accounts.services import api_token_authenticate, api_token_create
from tenants.accounts.signin import signin_succeeded
from tenants.audit.models import AuditEntry
from tenants.mail.models import OutboundMail
from tests.conftest import PASSWORD
from tests.support import mail_deliver_pending

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"
RESET = "/accounts/password/reset/"


def ask_reset(world, email, client=None, **extra):
    client = client or Client(HTTP_HOST=world.host)
    return client.post(RESET, {"email": email}, **extra)


def reset_link(world):
    with schema_context(world.schema):
        sent = mail_deliver_pending()
    assert len(sent) == 1, sent
    url = next(word for word in sent[0].body.split() if "/accounts/password/reset/" in word)
    assert urlsplit(url).hostname == world.host.split(":")[0]
    return sent[0], urlsplit(url).path


def set_password(world, path, password=NEW_PASSWORD, client=None):
    client = client or Client(HTTP_HOST=world.host)
    page = client.get(path, follow=True)  # Django swaps the token into the session
    form_path = page.redirect_chain[-1][0] if page.redirect_chain else path
    return page, client.post(form_path, {"new_password1": password, "new_password2": password})


def test_the_sign_in_page_links_to_the_reset(alpha):
    page = Client(HTTP_HOST=alpha.host).get("/accounts/login/")
    assert b'href="/accounts/password/reset/"' in page.content


def test_a_person_resets_their_password_by_email(alpha):
    response = ask_reset(alpha, "Student@Alpha.test")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    mail, path = reset_link(alpha)
    assert mail.to == ["student@alpha.test"]
    page, done = set_password(alpha, path)
    assert b"password-set-form" in page.content
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/done/"
    with schema_context(alpha.schema):
        assert User.objects.get(email="student@alpha.test").check_password(NEW_PASSWORD)
        actions = set(AuditEntry.objects.values_list("action", flat=True))
        assert {"user.password_reset_sent", "user.password_reset"} <= actions
    # Used once: the link no longer works.
    again, _ = set_password(alpha, path, password="yet-another-passphrase-99")
    assert b"password-reset-refused" in again.content


def test_the_answer_never_tells_whether_the_address_exists(alpha):
    known = ask_reset(alpha, "teacher@alpha.test")
    unknown = ask_reset(alpha, "nobody@alpha.test")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    with schema_context(alpha.schema):
        assert list(OutboundMail.objects.values_list("to", flat=True)) == ["teacher@alpha.test"]


def test_a_pending_invitee_gets_no_reset_mail(alpha):
    from tenants.accounts.invitations import person_invite
    from tenants.accounts.models import Role

    with schema_context(alpha.schema):
        person_invite(email="pending@example.com", name="P", role=Role.STUDENT, by=None)
        OutboundMail.objects.all().delete()
    assert ask_reset(alpha, "pending@example.com").status_code == 302
    with schema_context(alpha.schema):
        assert not OutboundMail.objects.exists()


def test_another_schools_host_does_not_reset_this_schools_person(alpha, beta):
    # Only alpha's people: beta has no such address, so nothing is mailed from beta's host.
    ask_reset(beta, "student@alpha.test")
    with schema_context(beta.schema):
        assert not OutboundMail.objects.exists()
    # alpha's link, opened on beta's host (where the same id is someone else), does nothing.
    ask_reset(alpha, "student@alpha.test")
    _, path = reset_link(alpha)
    page, posted = set_password(beta, path)
    assert b"password-reset-refused" in page.content
    with schema_context(beta.schema):
        assert not any(u.check_password(NEW_PASSWORD) for u in User.objects.all())
    with schema_context(alpha.schema):
        assert User.objects.get(email="student@alpha.test").check_password(PASSWORD)


def test_the_password_rules_apply_to_a_reset(alpha):
    ask_reset(alpha, "student@alpha.test")
    _, path = reset_link(alpha)
    _, response = set_password(alpha, path, password="password")
    assert response.status_code == 200 and b"errorlist" in response.content
    with schema_context(alpha.schema):
        assert User.objects.get(email="student@alpha.test").check_password(PASSWORD)


def test_requests_are_limited_per_address(alpha, beta, settings):
    settings.LIVEROLL_PASSWORD_RESET_MAX_PER_EMAIL = 2
    for _ in range(2):
        assert ask_reset(alpha, "student@alpha.test").status_code == 302
    with schema_context(alpha.schema):
        OutboundMail.objects.all().delete()
    refused = ask_reset(alpha, "STUDENT@alpha.test")
    assert refused.status_code == 429 and b"Too many password reset requests" in refused.content
    with schema_context(alpha.schema):
        assert not OutboundMail.objects.exists()
    # An unknown address is counted the same: the lock does not tell either.
    for _ in range(2):
        ask_reset(alpha, "nobody@alpha.test")
    assert ask_reset(alpha, "nobody@alpha.test").status_code == 429
    # Another address, and the same address at another school, are not locked.
    assert ask_reset(alpha, "teacher@alpha.test").status_code == 302
    assert ask_reset(beta, "student@alpha.test").status_code == 302


def test_requests_are_limited_per_client_address(alpha, settings):
    settings.LIVEROLL_PASSWORD_RESET_MAX_PER_IP = 3
    for n in range(3):
        assert ask_reset(alpha, f"x{n}@example.com", REMOTE_ADDR="203.0.113.9").status_code == 302
    assert ask_reset(alpha, "y@example.com", REMOTE_ADDR="203.0.113.9").status_code == 429
    assert ask_reset(alpha, "y@example.com", REMOTE_ADDR="203.0.113.10").status_code == 302


# --- change ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "teacher", "student", "parent"])
def test_a_change_ends_other_sessions_and_api_tokens(alpha, role):
    user = alpha.users[role]
    with schema_context(alpha.schema):
        _, token = api_token_create(user=user, name="script")
    here, elsewhere = alpha.client(role), alpha.client(role)
    response = here.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/done/"
    assert here.get("/accounts/password/change/").status_code == 200  # this session stays
    assert (
        elsewhere.get("/accounts/password/change/").status_code == 302
    )  # the other one is signed out
    with schema_context(alpha.schema):
        assert api_token_authenticate(token=token) is None
        assert not ApiToken.objects.filter(user=user, revoked=False).exists()
        assert AuditEntry.objects.filter(action="user.password_changed", actor=user).exists()


def test_a_change_needs_the_old_password_and_a_good_new_one(alpha):
    client = alpha.client("teacher")
    wrong_old = client.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    weak = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"},
    )
    assert wrong_old.status_code == weak.status_code == 200
    with schema_context(alpha.schema):
        assert User.objects.get(email="teacher@alpha.test").check_password(PASSWORD)


def test_a_reset_ends_api_tokens_and_sessions(alpha):
    with schema_context(alpha.schema):
        _, token = api_token_create(user=alpha.users["parent"], name="script")
    signed_in = alpha.client("parent")
    ask_reset(alpha, "parent@alpha.test")
    _, path = reset_link(alpha)
    set_password(alpha, path)
    assert signed_in.get("/accounts/password/change/").status_code == 302
    with schema_context(alpha.schema):
        assert api_token_authenticate(token=token) is None


def test_changing_needs_a_sign_in(alpha):
    response = Client(HTTP_HOST=alpha.host).get("/accounts/password/change/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_wrong_current_passwords_on_the_change_page_count_like_wrong_sign_ins(alpha, settings):
    # given: a session whose holder guesses the current password on the server's page
    settings.LIVEROLL_SIGNIN_MAX_FAILURES = 3
    client = alpha.client("parent")
    guess = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}

    # when: three wrong guesses, then the right one
    try:
        for _ in range(3):
            client.post("/accounts/password/change/", {"old_password": "wrong", **guess})
        right = client.post("/accounts/password/change/", {"old_password": PASSWORD, **guess})
    finally:
        signin_succeeded(email=alpha.users["parent"].email)  # the session's other tests sign in

    # then: locked out like a sign-in: the right password changes nothing now
    assert right.status_code == 200 and "Try again in" in right.content.decode()
    with schema_context(alpha.schema):
        parent = User.objects.get(pk=alpha.users["parent"].pk)
        assert parent.check_password(PASSWORD)
