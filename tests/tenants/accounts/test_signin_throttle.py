"""Sign-in brute force (issue 10): 100 wrong passwords in a row used to be answered one by one,
and the right one worked after. Every sign-in path is throttled, per account and per address."""

import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenants.accounts import throttle
from tenants.accounts.models import User
from tenants.accounts.services import api_token_create
from tenants.audit.models import AuditEntry

from ...conftest import PASSWORD

MAX = 10  # settings.LIVEROLL_SIGNIN_MAX_FAILURES (the default)
LOGIN_MUTATION = (
    "mutation($email: String!, $password: String!) { login(email: $email, password: $password) "
    "{ user { email } errors { message code } } }"
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(throttle, "test_clock", clock)
    return clock


# Each path: (how to send one sign-in, did it sign in?, was it refused as throttled?)


def _page(client, email, password, **headers):
    return client.post("/accounts/login/", {"username": email, "password": password}, **headers)


def _page_ok(response):
    return response.status_code == 302


def _page_throttled(response):
    return response.status_code == 429 and b"Too many failed sign-ins" in response.content


def _graphql(client, email, password):
    return client.post(
        "/graphql/",
        {"query": LOGIN_MUTATION, "variables": {"email": email, "password": password}},
        content_type="application/json",
    )


def _graphql_ok(response):
    return response.json()["data"]["login"]["user"] is not None


def _graphql_throttled(response):
    errors = response.json()["data"]["login"]["errors"]
    return [e["code"] for e in errors] == ["throttled"] and "Try again in" in errors[0]["message"]


def _admin(client, email, password):
    return client.post(
        "/admin/login/", {"username": email, "password": password, "next": "/admin/"}
    )


PATHS = {
    "page": (_page, _page_ok, _page_throttled),
    "graphql": (_graphql, _graphql_ok, _graphql_throttled),
    "school admin": (_admin, _page_ok, _page_throttled),
}


@pytest.mark.parametrize("path", PATHS)
def test_brute_force_locks_the_account_on_every_path(alpha, clock, path):
    send, signed_in, throttled = PATHS[path]
    email = "admin@alpha.test"
    client = Client(HTTP_HOST=alpha.host)

    # given: the attack, 100 wrong passwords in a row
    answers = [send(client, email, f"guess-{n}") for n in range(100)]

    # then: refused as throttled from the MAX-th on, and the right password does not work
    assert not any(throttled(r) for r in answers[: MAX - 1])
    assert all(throttled(r) for r in answers[MAX - 1 :])
    assert throttled(send(client, email, PASSWORD))
    # the lockout is audited, once
    with schema_context(alpha.schema):
        locked = AuditEntry.objects.filter(action="user.signin_locked")
        assert [(e.actor_label, e.details["by"], e.details["minutes"]) for e in locked] == [
            (email, "account", 15)
        ]
        assert locked[0].target_id == str(alpha.users["admin"].pk)

    # when the lockout has passed, the right password works again
    clock.now += 15 * 60 + 1
    assert signed_in(send(Client(HTTP_HOST=alpha.host), email, PASSWORD))


def test_the_operators_admin_is_throttled(public_client, clock, db):
    User.objects.create_superuser("ops@liveroll.test", PASSWORD)

    for n in range(MAX):
        _admin(public_client, "ops@liveroll.test", f"guess-{n}")

    assert _page_throttled(_admin(public_client, "ops@liveroll.test", PASSWORD))
    assert AuditEntry.objects.filter(action="user.signin_locked").count() == 1
    clock.now += 15 * 60 + 1
    assert _page_ok(_admin(public_client, "ops@liveroll.test", PASSWORD))


def test_success_resets_the_account_count(alpha, clock):
    client = Client(HTTP_HOST=alpha.host)
    for n in range(MAX - 1):
        _page(client, "teacher@alpha.test", f"guess-{n}")
    assert _page_ok(_page(client, "teacher@alpha.test", PASSWORD))

    # the count starts again: MAX - 1 more failures lock nothing
    client = Client(HTTP_HOST=alpha.host)
    for n in range(MAX - 1):
        assert _page(client, "teacher@alpha.test", f"again-{n}").status_code == 200
    assert _page_ok(_page(client, "teacher@alpha.test", PASSWORD))


def test_one_address_spraying_many_accounts_is_locked(alpha, clock, settings):
    settings.LIVEROLL_SIGNIN_MAX_FAILURES_PER_IP = 5
    client = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="203.0.113.9")

    answers = [_page(client, f"nobody{n}@alpha.test", "guess") for n in range(6)]

    assert [r.status_code for r in answers] == [200, 200, 200, 200, 429, 429]
    # the address is locked, for every account, the right password too
    assert _page(client, "student@alpha.test", PASSWORD).status_code == 429
    # another address is not
    other = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="198.51.100.7")
    assert _page_ok(_page(other, "student@alpha.test", PASSWORD))
    with schema_context(alpha.schema):
        entry = AuditEntry.objects.get(action="user.signin_locked")
        assert entry.details["by"] == "address"


def test_a_lockout_at_one_school_is_not_at_another(alpha, beta, clock):
    client = Client(HTTP_HOST=alpha.host)
    for n in range(MAX):
        _page(client, "teacher@alpha.test", f"guess-{n}")
    # same address, but beta's accounts and beta's address count are their own
    assert _page_ok(_page(Client(HTTP_HOST=beta.host), "teacher@beta.test", PASSWORD))


def test_email_case_does_not_dodge_the_count(alpha, clock):
    client = Client(HTTP_HOST=alpha.host)
    for n in range(MAX):
        email = "Teacher@Alpha.test" if n % 2 else "teacher@alpha.test"
        _graphql(client, email, f"guess-{n}")
    assert _graphql_throttled(_graphql(client, "TEACHER@alpha.test", PASSWORD))


@pytest.mark.parametrize("trusted", [0, 1])
def test_a_forged_forwarded_for_does_not_dodge_the_address_count(alpha, clock, settings, trusted):
    # given: behind `trusted` proxies, each appending the address it was reached from
    settings.LIVEROLL_TRUSTED_PROXIES = trusted
    settings.LIVEROLL_SIGNIN_MAX_FAILURES_PER_IP = 5
    client = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="10.0.0.2")

    # when: one client sends a new made-up first hop with each guess
    answers = [
        _page(
            client,
            f"nobody{n}@alpha.test",
            "guess",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}" + (", 203.0.113.9" if trusted else ""),
        )
        for n in range(6)
    ]

    # then: it is one address all the same
    assert [r.status_code for r in answers] == [200, 200, 200, 200, 429, 429]


# --- bearer tokens (issue 12) -----------------------------------------------------------------


def _bearer(client, token):
    return client.post(
        "/graphql/",
        {"query": "{ me { email } }"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_many_bad_bearer_tokens_from_one_address_are_throttled(alpha, beta, clock, settings):
    settings.LIVEROLL_SIGNIN_MAX_FAILURES_PER_IP = 5
    with schema_context(alpha.schema):
        _, good = api_token_create(user=alpha.users["teacher"], name="script")
    client = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="203.0.113.9")

    # when: one address tries made-up tokens
    answers = [_bearer(client, f"lr_guess{n}") for n in range(7)]

    # then: refused as throttled from the 5th on, a good token too, and audited once
    assert [r.status_code for r in answers] == [401] * 4 + [429] * 3
    assert "Try again in" in answers[-1].json()["errors"][0]["message"]
    assert _bearer(client, good).status_code == 429
    with schema_context(alpha.schema):
        locked = AuditEntry.objects.filter(action="user.signin_locked")
        assert [(e.actor_label, e.details["by"]) for e in locked] == [("bearer token", "address")]
    # another address is not, nor another school
    other = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="198.51.100.7")
    assert _bearer(other, good).json()["data"]["me"] == {"email": "teacher@alpha.test"}
    assert (
        _bearer(Client(HTTP_HOST=beta.host, REMOTE_ADDR="203.0.113.9"), "lr_x").status_code == 401
    )

    # when the lockout has passed, the good token works from that address again
    clock.now += 15 * 60 + 1
    assert _bearer(client, good).json()["data"]["me"] == {"email": "teacher@alpha.test"}


def test_bad_tokens_and_bad_passwords_share_the_address_budget(alpha, clock, settings):
    settings.LIVEROLL_SIGNIN_MAX_FAILURES_PER_IP = 4
    client = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="203.0.113.9")
    _bearer(client, "lr_a")
    _bearer(client, "lr_b")
    _page(client, "nobody@alpha.test", "guess")
    assert _page_throttled(_page(client, "nobody2@alpha.test", "guess"))
    assert _bearer(client, "lr_c").status_code == 429


# --- nothing tells whether an email exists (issue 12) -----------------------------------------


class HasherSpy:
    """Counts the password hasher's work (the test settings' hasher)."""

    def __init__(self, monkeypatch):
        from django.contrib.auth.hashers import MD5PasswordHasher

        self.calls = 0
        original = MD5PasswordHasher.encode

        def encode(hasher, password, salt):
            self.calls += 1
            return original(hasher, password, salt)

        monkeypatch.setattr(MD5PasswordHasher, "encode", encode)


@pytest.mark.parametrize("path", ["page", "graphql", "school admin"])
def test_an_unknown_email_is_answered_like_a_wrong_password(alpha, clock, path, monkeypatch):
    send = PATHS[path][0]
    spy = HasherSpy(monkeypatch)

    def answer(email):
        spy.calls = 0
        response = send(Client(HTTP_HOST=alpha.host), email, "wrong-password")
        if path == "graphql":
            body = response.json()
        else:  # the page's errors (it also holds a nonce, a CSRF token and the email typed)
            body = re.findall(
                r'<(?:ul|p) class="error[^"]*">.*?</(?:ul|p)>', response.content.decode(), re.S
            )
            assert body
        return response.status_code, body, spy.calls

    known = answer("teacher@alpha.test")
    unknown = answer("nobody@alpha.test")

    # the same status and words, and the password hasher ran for both (comparable timing)
    assert known[:2] == unknown[:2]
    assert known[2] == unknown[2] == 1


def test_an_unknown_email_is_locked_like_a_known_one(alpha, clock):
    def lock(email):
        client = Client(HTTP_HOST=alpha.host)
        return [_graphql(client, email, f"guess-{n}").json() for n in range(MAX + 1)]

    known, unknown = lock("teacher@alpha.test"), lock("nobody@alpha.test")
    assert known == unknown


def test_a_bad_token_says_nothing_about_why(alpha):
    with schema_context(alpha.schema):
        row, revoked = api_token_create(user=alpha.users["teacher"], name="old")
        row.revoked = True
        row.save()
    client = Client(HTTP_HOST=alpha.host)
    unknown, revoked_answer = _bearer(client, "lr_nope"), _bearer(client, revoked)
    assert unknown.status_code == revoked_answer.status_code == 401
    assert unknown.json() == revoked_answer.json()
