"""Two-factor sign-in (issue 12): enrolment, the second step on every sign-in path, replay,
throttling of codes, recovery codes, disable, an admin's reset and the school rule."""

from datetime import timedelta

import pyotp
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.accounts import throttle
from tenants.accounts.models import RecoveryCode, TwoFactor
from tenants.accounts.services import api_token_create
from tenants.accounts.twofactor import (
    WrongCode,
    two_factor_begin,
    two_factor_confirm,
    two_factor_verify,
)
from tenants.audit.models import AuditEntry

from ...conftest import PASSWORD
from .test_signin_throttle import Clock

MAX = 10  # settings.LIVEROLL_SIGNIN_MAX_FAILURES (the default)
LOGIN = (
    "mutation($email: String!, $password: String!, $code: String) { login(email: $email, "
    "password: $password, code: $code) { user { email } twoFactorRequired errors { field code "
    "message } } }"
)
RESET = "mutation($id: ID!) { resetTwoFactor(userId: $id) { ok errors { code message } } }"
REQUIRE = (
    "mutation($r: Boolean!) { setAdminsRequireTwoFactor(required: $r) { ok errors { code } } }"
)
DISABLE = "mutation($c: String!) { disableTwoFactor(code: $c) { ok errors { code message } } }"
STATUS = "{ twoFactor { enabled requiredForAdmins setupUrl } }"


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(throttle, "test_clock", clock)
    return clock


def enrol(world, role):
    """Turn two-factor sign-in on for `role`; returns (its TOTP, the recovery codes)."""
    with schema_context(world.schema):
        user = world.users[role]
        device = two_factor_begin(user=user)
        totp = pyotp.TOTP(device.secret)
        # a code of the step before: this step's and the next one's are left for the test
        codes = two_factor_confirm(user=user, code=totp.at(timezone.now(), counter_offset=-1))
    return totp, codes


def graphql(client, query, **variables):
    response = client.post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    return response


def login_gql(client, email, password=PASSWORD, code=None):
    return graphql(client, LOGIN, email=email, password=password, code=code).json()["data"]["login"]


def whoami(client):
    return graphql(client, "{ me { email } }").json()["data"]["me"]


# --- enrolment --------------------------------------------------------------------------------


def test_enrolment_from_the_page(alpha):
    client = alpha.client("teacher")

    # given: the page shows a QR code (SVG, made here) and the otpauth:// URI
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "otpauth://totp/" in html
    with schema_context(alpha.schema):
        device = TwoFactor.objects.get(user=alpha.users["teacher"])
        assert device.confirmed_at is None
        secret = device.secret
    assert f"secret={secret}" in html

    # when: a wrong code, then the right one
    wrong = client.post("/accounts/two-factor/", {"action": "confirm", "code": "000000"})
    assert b"not right" in wrong.content
    done = client.post(
        "/accounts/two-factor/", {"action": "confirm", "code": pyotp.TOTP(secret).now()}
    )

    # then: on, with ten recovery codes shown once and stored only hashed
    assert b'data-test-id="recovery-codes"' in done.content
    with schema_context(alpha.schema):
        assert TwoFactor.objects.get(user=alpha.users["teacher"]).confirmed_at is not None
        hashes = list(RecoveryCode.objects.values_list("code_hash", flat=True))
        assert len(hashes) == 10
        assert AuditEntry.objects.filter(action="user.two_factor_enabled").count() == 1
    shown = [c for c in done.content.decode().split("<code>")[1:]]
    assert len(shown) == 10
    assert not any(c.split("<")[0].replace("-", "") in hashes for c in shown)


def test_the_secret_is_sealed_at_rest(alpha):
    with schema_context(alpha.schema):
        device = two_factor_begin(user=alpha.users["student"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT secret FROM accounts_twofactor WHERE id = %s", [device.pk])
            (raw,) = cursor.fetchone()
    assert raw and device.secret not in raw


# --- signing in -------------------------------------------------------------------------------


def test_the_page_asks_for_the_code_after_the_password(alpha, clock):
    totp, _ = enrol(alpha, "teacher")
    client = Client(HTTP_HOST=alpha.host)

    # when: the right password
    first = client.post(
        "/accounts/login/", {"username": "teacher@alpha.test", "password": PASSWORD}
    )

    # then: the second step, not signed in yet
    assert first.status_code == 302 and first["Location"] == "/accounts/login/code/"
    assert client.get("/accounts/password/change/").status_code == 302
    assert client.post("/accounts/login/code/", {"code": "123456"}).status_code == 200
    assert client.get("/accounts/password/change/").status_code == 302

    # when: the code
    done = client.post("/accounts/login/code/", {"code": totp.now()})
    assert done.status_code == 302
    assert client.get("/accounts/password/change/").status_code == 200


def test_the_code_step_needs_the_password_first(alpha):
    enrol(alpha, "teacher")
    client = Client(HTTP_HOST=alpha.host)
    response = client.post("/accounts/login/code/", {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_graphql_login_answers_two_factor_required_then_takes_the_code(alpha, clock):
    totp, _ = enrol(alpha, "admin")
    client = Client(HTTP_HOST=alpha.host)

    first = login_gql(client, "admin@alpha.test")
    assert first["user"] is None and first["twoFactorRequired"] is True
    assert [(e["field"], e["code"]) for e in first["errors"]] == [("code", "two_factor_required")]
    assert whoami(client) is None

    wrong = login_gql(client, "admin@alpha.test", code="000000")
    assert wrong["user"] is None and wrong["errors"][0]["code"] == "invalid"

    # a wrong password with a good code is still a wrong password
    bad = login_gql(client, "admin@alpha.test", password="nope", code=totp.now())
    assert bad["twoFactorRequired"] is False and bad["errors"][0]["code"] == "invalid"

    done = login_gql(client, "admin@alpha.test", code=totp.now())
    assert done["user"] == {"email": "admin@alpha.test"} and done["errors"] == []
    assert whoami(client) == {"email": "admin@alpha.test"}


def test_without_two_factor_login_is_one_step(alpha):
    client = Client(HTTP_HOST=alpha.host)
    done = login_gql(client, "student@alpha.test")
    assert done["user"] == {"email": "student@alpha.test"} and done["twoFactorRequired"] is False


def test_a_used_code_is_refused_within_its_window(alpha):
    totp, _ = enrol(alpha, "teacher")
    now = timezone.now() + timedelta(minutes=5)  # past the step used to enrol
    code = totp.at(now)
    with schema_context(alpha.schema):
        user = alpha.users["teacher"]
        two_factor_verify(user=user, code=code, now=now)
        # the same code again, even seconds later and still valid by the clock: refused
        with pytest.raises(WrongCode):
            two_factor_verify(user=user, code=code, now=now + timedelta(seconds=20))
        # and an older one (the step before) too
        with pytest.raises(WrongCode):
            two_factor_verify(user=user, code=totp.at(now, counter_offset=-1), now=now)
        # the next step's code works
        two_factor_verify(
            user=user, code=totp.at(now, counter_offset=1), now=now + timedelta(seconds=30)
        )


def test_a_code_replayed_over_graphql_is_refused(alpha):
    totp, _ = enrol(alpha, "teacher")
    code = totp.now()
    assert login_gql(Client(HTTP_HOST=alpha.host), "teacher@alpha.test", code=code)["user"]

    again = login_gql(Client(HTTP_HOST=alpha.host), "teacher@alpha.test", code=code)
    assert again["user"] is None and again["errors"][0]["code"] == "invalid"


def test_recovery_codes_work_once(alpha):
    _, codes = enrol(alpha, "teacher")

    assert login_gql(Client(HTTP_HOST=alpha.host), "teacher@alpha.test", code=codes[0])["user"]
    again = login_gql(Client(HTTP_HOST=alpha.host), "teacher@alpha.test", code=codes[0])
    assert again["user"] is None
    with schema_context(alpha.schema):
        entry = AuditEntry.objects.get(action="user.recovery_code_used")
        assert entry.details == {"left": 9}


@pytest.mark.parametrize("path", ["page", "graphql"])
def test_wrong_codes_are_throttled_like_passwords(alpha, clock, path):
    totp, _ = enrol(alpha, "teacher")

    def attempt(code):
        client = Client(HTTP_HOST=alpha.host)
        if path == "graphql":
            data = login_gql(client, "teacher@alpha.test", code=code)
            return data["user"] is not None, [e["code"] for e in data["errors"]] == ["throttled"]
        client.post("/accounts/login/", {"username": "teacher@alpha.test", "password": PASSWORD})
        response = client.post("/accounts/login/code/", {"code": code})
        return response.status_code == 302, response.status_code == 429

    # when: wrong codes, each after the right password (which does not forgive them)
    answers = [attempt(f"{n:06d}") for n in range(MAX + 2)]

    # then: locked from the MAX-th on, and a right code does not get in
    assert [throttled for _, throttled in answers] == [False] * (MAX - 1) + [True] * 3
    assert attempt(totp.now()) == (False, True)
    with schema_context(alpha.schema):
        locked = AuditEntry.objects.filter(action="user.signin_locked")
        assert [e.details["by"] for e in locked] == ["code"]
        assert locked[0].target_id == str(alpha.users["teacher"].pk)

    # when the lockout has passed, the right code works
    clock.now += 15 * 60 + 1
    assert attempt(totp.now())[0] is True


def test_the_school_admin_login_refuses_an_account_with_two_factor(alpha):
    enrol(alpha, "admin")
    client = Client(HTTP_HOST=alpha.host)
    response = client.post(
        "/admin/login/", {"username": "admin@alpha.test", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 200 and b"two-factor" in response.content
    assert client.get("/admin/").status_code == 302


# --- turning it off ---------------------------------------------------------------------------


def test_disable_needs_a_code(alpha):
    totp, _ = enrol(alpha, "teacher")
    client = alpha.client("teacher")

    refused = client.post("/accounts/two-factor/", {"action": "disable", "code": "000000"})
    assert b"not right" in refused.content
    with schema_context(alpha.schema):
        assert TwoFactor.objects.filter(user=alpha.users["teacher"]).exists()

    page = client.post("/accounts/two-factor/", {"action": "disable", "code": totp.now()})
    assert b'data-test-id="two-factor-off"' in page.content
    with schema_context(alpha.schema):
        # (the page offers a new set-up: a fresh secret, not confirmed)
        device = TwoFactor.objects.get(user=alpha.users["teacher"])
        assert device.confirmed_at is None and device.secret != totp.secret
        assert not RecoveryCode.objects.filter(user=alpha.users["teacher"]).exists()
        assert AuditEntry.objects.filter(action="user.two_factor_disabled").count() == 1
    # sign-in is one step again
    assert login_gql(Client(HTTP_HOST=alpha.host), "teacher@alpha.test")["user"]


def test_disable_over_graphql(alpha):
    _, codes = enrol(alpha, "student")
    client = alpha.client("student")
    assert graphql(client, DISABLE, c="000000").json()["data"]["disableTwoFactor"]["errors"][0][
        "code"
    ] == ("invalid")
    assert graphql(client, DISABLE, c=codes[3]).json()["data"]["disableTwoFactor"]["ok"] is True
    assert graphql(client, STATUS).json()["data"]["twoFactor"]["enabled"] is False


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_only_admins_reset_another_persons_two_factor(alpha, role):
    enrol(alpha, "student")
    with schema_context(alpha.schema):
        student_id = alpha.users["student"].pk
    response = graphql(alpha.client(role), RESET, id=str(student_id))
    assert response.json()["data"] is None
    with schema_context(alpha.schema):
        assert TwoFactor.objects.filter(user_id=student_id).exists()


def test_an_admin_resets_another_persons_two_factor_audited(alpha):
    enrol(alpha, "student")
    with schema_context(alpha.schema):
        student_id = alpha.users["student"].pk

    data = graphql(alpha.client("admin"), RESET, id=str(student_id)).json()["data"]
    assert data["resetTwoFactor"] == {"ok": True, "errors": []}

    with schema_context(alpha.schema):
        assert not TwoFactor.objects.filter(user_id=student_id).exists()
        entry = AuditEntry.objects.get(action="user.two_factor_reset")
        assert entry.actor == alpha.users["admin"] and entry.target_id == str(student_id)
    assert login_gql(Client(HTTP_HOST=alpha.host), "student@alpha.test")["user"]


def test_an_admin_cannot_reset_their_own_without_a_code(alpha):
    # given: the admin has a second factor; a session (or a token) alone is theirs
    enrol(alpha, "admin")
    with schema_context(alpha.schema):
        admin_id = alpha.users["admin"].pk

    # when: they reset their own as if it were someone else's
    data = graphql(alpha.client("admin"), RESET, id=str(admin_id)).json()["data"]

    # then: refused; turning it off takes a code (disableTwoFactor)
    assert data["resetTwoFactor"]["ok"] is False
    with schema_context(alpha.schema):
        assert TwoFactor.objects.filter(user_id=admin_id).exists()


def test_an_admin_cannot_reset_another_schools_person(alpha, beta):
    enrol(beta, "student")
    with schema_context(beta.schema):
        beta_student = beta.users["student"].pk

    data = graphql(alpha.client("admin"), RESET, id=str(beta_student)).json()["data"]

    assert data["resetTwoFactor"]["ok"] is False
    with schema_context(beta.schema):
        assert TwoFactor.objects.filter(user_id=beta_student).exists()
        assert not AuditEntry.objects.filter(action="user.two_factor_reset").exists()


def test_one_schools_two_factor_is_not_anothers(alpha, beta):
    enrol(alpha, "teacher")
    # beta's teacher (same role, other school) signs in in one step
    assert login_gql(Client(HTTP_HOST=beta.host), "teacher@beta.test")["user"]
    assert login_gql(Client(HTTP_HOST=alpha.host), "teacher@alpha.test")["twoFactorRequired"]


# --- the school rule --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_only_admins_set_the_school_rule(alpha, role):
    assert graphql(alpha.client(role), REQUIRE, r=True).json()["data"] is None
    alpha.org.refresh_from_db()
    assert alpha.org.admins_require_two_factor is False


def test_an_admin_without_two_factor_is_sent_to_enrol_first(alpha, beta):
    admin = alpha.client("admin")
    assert graphql(admin, REQUIRE, r=True).json()["data"]["setAdminsRequireTwoFactor"]["ok"]
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(action="school.two_factor_required").count() == 1

    # then: every page sends the admin to enrol, GraphQL answers 403 with a code
    assert admin.get("/accounts/password/change/")["Location"] == "/accounts/two-factor/"
    assert admin.get("/admin/")["Location"] == "/accounts/two-factor/"
    refused = graphql(admin, STATUS)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "two_factor_enrolment_required"
    assert admin.get("/accounts/two-factor/").status_code == 200
    # other roles are not asked; nor is another school's admin
    assert alpha.client("teacher").get("/accounts/password/change/").status_code == 200
    assert beta.client("admin").get("/accounts/password/change/").status_code == 200

    # when: the admin enrols, everything opens
    enrol(alpha, "admin")
    assert admin.get("/accounts/password/change/").status_code == 200
    status = graphql(admin, STATUS).json()["data"]["twoFactor"]
    assert status == {
        "enabled": True,
        "requiredForAdmins": True,
        "setupUrl": "/accounts/two-factor/",
    }


def test_a_bearer_token_does_not_dodge_the_school_rule(alpha):
    with schema_context(alpha.schema):
        _, token = api_token_create(user=alpha.users["admin"], name="script")
        _, teacher_token = api_token_create(user=alpha.users["teacher"], name="script")
    graphql(alpha.client("admin"), REQUIRE, r=True)

    def me(token):
        return Client(HTTP_HOST=alpha.host).post(
            "/graphql/",
            {"query": "{ me { email } }"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    refused = me(token)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "two_factor_enrolment_required"
    assert me(teacher_token).json()["data"]["me"] == {"email": "teacher@alpha.test"}
    enrol(alpha, "admin")
    assert me(token).json()["data"]["me"] == {"email": "admin@alpha.test"}


@pytest.mark.parametrize("query", [STATUS, DISABLE, RESET, REQUIRE])
def test_signed_out_people_get_nothing(alpha, query):
    variables = {"c": "123456", "id": "1", "r": True}
    needed = {k: v for k, v in variables.items() if f"${k}" in query}
    response = graphql(Client(HTTP_HOST=alpha.host), query, **needed).json()
    assert response["data"] is None and response["errors"][0]["message"] == "Sign in first."


def test_the_enrolment_page_needs_a_sign_in(alpha):
    response = Client(HTTP_HOST=alpha.host).get("/accounts/two-factor/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
