"""API tokens (issue 10): they never expired, could not be listed or revoked, a student made 100
in a row, and they survived password changes and deactivation."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.accounts.models import ApiToken, User
from tenants.accounts.services import api_token_authenticate, api_token_create
from tenants.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

ME = "{ me { email } }"
CREATE = """mutation($name: String!, $days: Int) {
  createApiToken(name: $name, expiresInDays: $days) {
    token apiToken { id name prefix expiresAt active owner { name } } errors { field code message }
  }
}"""
REVOKE = "mutation($id: ID!) { revokeApiToken(id: $id) { ok errors { code } } }"
LIST = """query($everyone: Boolean!, $activeOnly: Boolean!) {
  apiTokens(everyone: $everyone, activeOnly: $activeOnly) { id name prefix active owner { name } }
}"""


def bearer(world, token):
    """What an API client holding `token` gets from `me` on `world`'s host (None: refused)."""
    response = Client(HTTP_HOST=world.host).post(
        "/graphql/",
        {"query": ME},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    if response.status_code == 401:
        return None
    return response.json()["data"]["me"]["email"]


def make_token(world, role="student", **kwargs):
    with schema_context(world.schema):
        return api_token_create(user=world.users[role], name="script", **kwargs)


# --- expiry -----------------------------------------------------------------------------------


def test_tokens_expire(alpha, gql):
    # given: a token with the default lifetime and one asking for a week
    data = gql(alpha, "student").ok(CREATE, name="laptop")["createApiToken"]
    week = gql(alpha, "student").ok(CREATE, name="ci", days=7)["createApiToken"]
    assert bearer(alpha, data["token"]) == "student@alpha.test"

    # then: each ends when it should
    with schema_context(alpha.schema):
        now = timezone.now()
        assert api_token_authenticate(token=data["token"], now=now + timedelta(days=89))
        assert api_token_authenticate(token=data["token"], now=now + timedelta(days=91)) is None
        assert api_token_authenticate(token=week["token"], now=now + timedelta(days=6))
        assert api_token_authenticate(token=week["token"], now=now + timedelta(days=8)) is None
        ApiToken.objects.update(expires_at=now - timedelta(seconds=1))
    assert bearer(alpha, data["token"]) is None


@pytest.mark.parametrize("days", [0, -1, 91, 100000])
def test_a_token_cannot_outlive_the_platform_limit(alpha, gql, days):
    data = gql(alpha, "student").ok(CREATE, name="forever", days=days)["createApiToken"]
    assert data["token"] is None
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("expiresInDays", "invalid")]


# --- the cap ----------------------------------------------------------------------------------


def test_a_person_cannot_hoard_tokens(alpha, gql):
    student = gql(alpha, "student")

    # when: the attack, 100 tokens in a row
    answers = [student.ok(CREATE, name=f"t{n}")["createApiToken"] for n in range(100)]

    # then: ten are made, the rest refused with a clear error
    assert sum(1 for a in answers if a["token"]) == 10
    assert all(a["token"] is None for a in answers[10:])
    assert answers[10]["errors"][0]["code"] == "limit"
    assert "revoke one first" in answers[10]["errors"][0]["message"]
    with schema_context(alpha.schema):
        assert ApiToken.objects.count() == 10
    # revoking one makes room for one
    assert student.ok(REVOKE, id=answers[0]["apiToken"]["id"])["revokeApiToken"]["ok"]
    assert student.ok(CREATE, name="again")["createApiToken"]["token"]
    assert student.ok(CREATE, name="one more")["createApiToken"]["errors"][0]["code"] == "limit"


# --- password change and deactivation ---------------------------------------------------------


def test_a_new_password_kills_the_tokens(alpha):
    _, token = make_token(alpha)
    assert bearer(alpha, token) == "student@alpha.test"

    with schema_context(alpha.schema):
        # a fresh row: the session-wide fixture's must keep its password
        user = User.objects.get(pk=alpha.users["student"].pk)
        user.set_password("a-brand-new-passphrase")
        user.save()

    assert bearer(alpha, token) is None


def test_a_new_password_set_in_the_school_admin_kills_the_tokens(alpha):
    _, token = make_token(alpha)
    student = alpha.users["student"]

    response = alpha.client("admin").post(
        f"/admin/accounts/user/{student.pk}/password/",
        {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
    )

    assert response.status_code == 302
    assert bearer(alpha, token) is None


def test_deactivation_in_the_school_admin_kills_the_tokens_for_good(alpha):
    _, token = make_token(alpha)
    student = alpha.users["student"]
    admin = alpha.client("admin")
    form = {
        "email": student.email,
        "name": student.name,
        "role": student.role,
        "is_staff": "",
        "language": student.language,
        "timezone": student.timezone,
    }

    # when: deactivated, then reactivated
    off = admin.post(f"/admin/accounts/user/{student.pk}/change/", form)
    assert off.status_code == 302, off.content
    assert bearer(alpha, token) is None
    on = admin.post(f"/admin/accounts/user/{student.pk}/change/", {**form, "is_active": "on"})
    assert on.status_code == 302

    # then: the token stays dead
    assert bearer(alpha, token) is None
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(action="api_token.revoked_all").count() == 1


# --- listing and revoking ---------------------------------------------------------------------


def test_people_list_their_own_tokens_without_the_secret(alpha, gql):
    student_token, _ = make_token(alpha, "student")
    make_token(alpha, "teacher")

    mine = gql(alpha, "student").ok(LIST, everyone=False, activeOnly=True)["apiTokens"]

    assert [(t["id"], t["owner"]["name"]) for t in mine] == [
        (str(student_token.pk), "alpha student")
    ]
    assert mine[0]["prefix"].startswith("lr_")
    # nothing in the type can carry the secret or its hash
    fields = gql(alpha, "student").ok('{ __type(name: "ApiToken") { fields { name } } }')
    names = {f["name"] for f in fields["__type"]["fields"]}
    assert not names & {"token", "keyHash", "key", "secret", "passwordFingerprint"}


def test_only_admins_list_everyone_s_tokens(alpha, gql):
    make_token(alpha, "student")
    make_token(alpha, "teacher")

    everyone = gql(alpha, "admin").ok(LIST, everyone=True, activeOnly=True)["apiTokens"]
    refused = gql(alpha, "teacher")(LIST, everyone=True, activeOnly=True)

    assert sorted(t["owner"]["name"] for t in everyone) == ["alpha student", "alpha teacher"]
    assert refused["errors"][0]["message"] == "Only school admins can do that."


def test_revoking(alpha, gql):
    student_token, student_secret = make_token(alpha, "student")
    teacher_token, teacher_secret = make_token(alpha, "teacher")

    # a student cannot revoke someone else's token (it does not exist for them)
    other = gql(alpha, "student").ok(REVOKE, id=str(teacher_token.pk))["revokeApiToken"]
    assert other == {"ok": False, "errors": [{"code": "not_found"}]}
    assert bearer(alpha, teacher_secret) == "teacher@alpha.test"

    # their own: yes; an admin: anyone's
    assert gql(alpha, "student").ok(REVOKE, id=str(student_token.pk))["revokeApiToken"]["ok"]
    assert gql(alpha, "admin").ok(REVOKE, id=str(teacher_token.pk))["revokeApiToken"]["ok"]
    assert bearer(alpha, student_secret) is None
    assert bearer(alpha, teacher_secret) is None
    listed = gql(alpha, "admin").ok(LIST, everyone=True, activeOnly=False)["apiTokens"]
    assert [t["active"] for t in listed] == [False, False]
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(action="api_token.revoked").count() == 2


def test_another_school_s_admin_can_neither_list_nor_revoke(alpha, beta, gql):
    token, secret = make_token(alpha, "student")
    query = {"query": LIST, "variables": {"everyone": True, "activeOnly": True}}

    # on beta's own host, beta's admin sees none of alpha's tokens and cannot revoke them
    assert gql(beta, "admin").ok(LIST, everyone=True, activeOnly=True)["apiTokens"] == []
    refused = gql(beta, "admin").ok(REVOKE, id=str(token.pk))["revokeApiToken"]
    assert refused == {"ok": False, "errors": [{"code": "not_found"}]}
    assert bearer(alpha, secret) == "student@alpha.test"

    # beta's admin's session on alpha's host is nobody
    with schema_context(beta.schema):
        cross = Client(HTTP_HOST=alpha.host)
        cross.force_login(beta.users["admin"])
    as_session = cross.post("/graphql/", query, content_type="application/json").json()
    assert as_session["errors"][0]["message"] == "Sign in first."
    revoke = {"query": REVOKE, "variables": {"id": str(token.pk)}}
    assert cross.post("/graphql/", revoke, content_type="application/json").json()["errors"]

    # beta's admin's token on alpha's host is refused
    _, beta_admin_secret = make_token(beta, "admin")
    as_token = Client(HTTP_HOST=alpha.host).post(
        "/graphql/",
        revoke,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {beta_admin_secret}",
    )
    assert as_token.status_code == 401
    assert bearer(alpha, secret) == "student@alpha.test"
