"""Invitations through the API and the link (issue 12, "Bringing people in"): admins invite by
email, the invitee chooses a password from a single-use, expiring link on the school's host, is
signed in and lands in the app; resend and revoke kill the old link; pending ones are listed."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.accounts.models import Invitation, User
from tenants.audit.models import AuditEntry
from tenants.school.models import Enrolment, ParentLink
from tests.support import mail_deliver_pending

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"

INVITE = """mutation($email: String!, $name: String!, $role: Role!, $classIds: [ID!],
  $childIds: [ID!]) {
  invitePerson(email: $email, name: $name, role: $role, classIds: $classIds, childIds: $childIds) {
    invitation { id role sentCount expired person { email name } invitedBy { name } }
    errors { field message code } } }"""
RESEND = """mutation($id: ID!) { resendInvitation(id: $id) {
  invitation { id sentCount } errors { code message } } }"""
REVOKE = """mutation($id: ID!) { revokeInvitation(id: $id) {
  invitation { id } errors { code message } } }"""
PENDING = """query($limit: Int, $offset: Int) { pendingInvitations(limit: $limit, offset: $offset) {
  totalCount items { id person { email } role expired sentCount } } }"""


def gql(world, as_role, query, **variables):
    response = world.client(as_role).post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def invite(world, email="new@example.com", role="STUDENT", **extra):
    body = gql(world, "admin", INVITE, email=email, name="New Person", role=role, **extra)
    assert "errors" not in body, body
    return body["data"]["invitePerson"]


def last_link(world):
    with schema_context(world.schema):
        sent = mail_deliver_pending()
    assert sent, "no mail sent"
    body = sent[-1].body
    url = next(word for word in body.split() if "/accounts/invitation/" in word)
    assert urlsplit(url).hostname == world.host.split(":")[0]
    path = urlsplit(url).path
    assert path.startswith("/accounts/invitation/"), url
    return path


def accept(world, path, password=NEW_PASSWORD, client=None):
    client = client or Client(HTTP_HOST=world.host)
    return client, client.post(path, {"password1": password, "password2": password})


# --- inviting --------------------------------------------------------------------------------


def test_an_admin_invites_a_student_who_joins_and_lands_in_the_app(alpha):
    result = invite(alpha, classIds=[str(alpha.school_class.pk)])
    assert result["errors"] == []
    assert result["invitation"]["role"] == "STUDENT"
    assert result["invitation"]["sentCount"] == 1
    assert result["invitation"]["invitedBy"]["name"] == "Alpha School Admin"
    path = last_link(alpha)

    page = Client(HTTP_HOST=alpha.host).get(path)
    assert page.status_code == 200 and b"new@example.com" in page.content

    client, response = accept(alpha, path)
    assert response.status_code == 302 and response["Location"] == "/app/"
    me = client.post("/graphql/", {"query": "{ me { email } }"}, content_type="application/json")
    assert me.json()["data"]["me"]["email"] == "new@example.com"
    with schema_context(alpha.schema):
        user = User.objects.get(email="new@example.com")
        assert user.is_active and user.check_password(NEW_PASSWORD)
        assert Enrolment.objects.filter(student=user, school_class=alpha.school_class).exists()
        assert Invitation.objects.get(user=user).accepted_at is not None
        actions = set(AuditEntry.objects.values_list("action", flat=True))
        assert {"invitation.created", "invitation.accepted", "class.enrolled"} <= actions


def test_a_parent_is_invited_with_their_children(alpha):
    invite(alpha, email="dad@example.com", role="PARENT", childIds=[str(alpha.users["student"].pk)])
    with schema_context(alpha.schema):
        assert ParentLink.objects.filter(
            parent__email="dad@example.com", student=alpha.users["student"]
        ).exists()


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"email": "nope", "role": "TEACHER"}, "invalid", "email"),
        ({"email": "teacher@alpha.test", "role": "TEACHER"}, "already_member", None),
        ({"email": "x@example.com", "role": "ADMIN"}, "invalid", "role"),
        ({"email": "x@example.com", "role": "PARENT", "classIds": ["CLASS"]}, "invalid", None),
        ({"email": "x@example.com", "role": "PARENT", "childIds": ["teacher"]}, "invalid", None),
        (
            {"email": "x@example.com", "role": "STUDENT", "classIds": ["999999"]},
            "not_found",
            "classIds",
        ),
    ],
)
def test_typed_errors(alpha, variables, code, field):
    if variables.get("classIds") == ["CLASS"]:
        variables["classIds"] = [str(alpha.school_class.pk)]
    if variables.get("childIds") == ["teacher"]:
        variables["childIds"] = [str(alpha.users["teacher"].pk)]
    body = gql(alpha, "admin", INVITE, name="X", **variables)
    assert "errors" not in body, body
    errors = body["data"]["invitePerson"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [(code, field)], errors
    with schema_context(alpha.schema):
        assert not Invitation.objects.exists()


@pytest.mark.parametrize("role", ["teacher", "student", "parent", None])
def test_only_admins_invite_list_resend_and_revoke(alpha, role):
    with schema_context(alpha.schema):
        from tenants.accounts.invitations import person_invite
        from tenants.accounts.models import Role

        pending = person_invite(email="p@example.com", name="P", role=Role.TEACHER, by=None)
    for query, variables in (
        (INVITE, {"email": "z@example.com", "name": "Z", "role": "STUDENT"}),
        (RESEND, {"id": str(pending.pk)}),
        (REVOKE, {"id": str(pending.pk)}),
        (PENDING, {}),
    ):
        body = gql(alpha, role, query, **variables)
        assert body.get("data") is None or not any(body["data"].values()), body
        assert body["errors"], body
    with schema_context(alpha.schema):
        assert not User.objects.filter(email="z@example.com").exists()
        pending.refresh_from_db()
        assert pending.revoked_at is None and pending.sent_count == 1


def test_another_schools_admin_cannot_see_resend_or_revoke(alpha, beta):
    invitation_id = invite(alpha)["invitation"]["id"]
    assert gql(beta, "admin", PENDING)["data"]["pendingInvitations"]["totalCount"] == 0
    for query in (RESEND, REVOKE):
        errors = gql(beta, "admin", query, id=invitation_id)["data"]
        assert next(iter(errors.values()))["errors"][0]["code"] == "not_found"
    with schema_context(alpha.schema):
        invitation = Invitation.objects.get(pk=invitation_id)
        assert invitation.revoked_at is None and invitation.sent_count == 1


def test_pending_invitations_are_listed_and_paged(alpha):
    for n in range(3):
        invite(alpha, email=f"p{n}@example.com")
    data = gql(alpha, "admin", PENDING, limit=2, offset=0)["data"]["pendingInvitations"]
    assert data["totalCount"] == 3
    assert [i["person"]["email"] for i in data["items"]] == ["p2@example.com", "p1@example.com"]
    # Accepted and revoked ones leave the list.
    accept(alpha, last_link(alpha))
    gql(alpha, "admin", REVOKE, id=data["items"][1]["id"])
    data = gql(alpha, "admin", PENDING)["data"]["pendingInvitations"]
    assert [i["person"]["email"] for i in data["items"]] == ["p0@example.com"]


# --- the link --------------------------------------------------------------------------------


def refused(response):
    return response.status_code == 400 and b"invitation-refused" in response.content


def test_a_link_works_once(alpha):
    invite(alpha)
    path = last_link(alpha)
    accept(alpha, path)
    _, again = accept(alpha, path, password="another-long-passphrase-77")
    assert refused(again)
    with schema_context(alpha.schema):
        assert User.objects.get(email="new@example.com").check_password(NEW_PASSWORD)


def test_an_expired_link_is_refused_and_a_resend_works(alpha):
    invitation_id = invite(alpha)["invitation"]["id"]
    path = last_link(alpha)
    with schema_context(alpha.schema):
        Invitation.objects.filter(pk=invitation_id).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    data = gql(alpha, "admin", PENDING)["data"]["pendingInvitations"]
    assert data["items"][0]["expired"] is True
    assert refused(Client(HTTP_HOST=alpha.host).get(path))
    assert refused(accept(alpha, path)[1])
    resent = gql(alpha, "admin", RESEND, id=invitation_id)["data"]["resendInvitation"]
    assert resent["errors"] == [] and resent["invitation"]["sentCount"] == 2
    assert accept(alpha, last_link(alpha))[1].status_code == 302


def test_a_resend_kills_the_old_link(alpha):
    invitation_id = invite(alpha)["invitation"]["id"]
    old = last_link(alpha)
    gql(alpha, "admin", RESEND, id=invitation_id)
    new = last_link(alpha)
    assert new != old
    assert refused(accept(alpha, old)[1])
    assert accept(alpha, new)[1].status_code == 302
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(action="invitation.resent").exists()


def test_a_revoked_link_is_refused(alpha):
    invitation_id = invite(alpha)["invitation"]["id"]
    path = last_link(alpha)
    body = gql(alpha, "admin", REVOKE, id=invitation_id)
    assert body["data"]["revokeInvitation"]["errors"] == []
    assert refused(accept(alpha, path)[1])
    with schema_context(alpha.schema):
        assert not User.objects.get(email="new@example.com").is_active
        assert AuditEntry.objects.filter(action="invitation.revoked").exists()
    # Revoked twice: not found.
    again = gql(alpha, "admin", REVOKE, id=invitation_id)["data"]["revokeInvitation"]
    assert again["errors"][0]["code"] == "not_found"


def test_an_altered_link_is_refused(alpha):
    invite(alpha)
    path = last_link(alpha)
    token = path.rstrip("/").rsplit("/", 1)[1]
    altered = path.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert refused(accept(alpha, altered)[1])
    assert refused(accept(alpha, "/accounts/invitation/x/")[1])


def test_another_schools_link_does_nothing_here(alpha, beta):
    invite(alpha)
    path = last_link(alpha)
    # The same person is invited at beta too: alpha's link still does not open beta's.
    invite(beta)
    assert refused(accept(beta, path)[1])
    with schema_context(beta.schema):
        assert not User.objects.get(email="new@example.com").is_active
    assert accept(alpha, path)[1].status_code == 302


@pytest.mark.parametrize("password", ["short", "password123", "qwertyuiop", "new@example.com"])
def test_the_password_rules_apply(alpha, password):
    invite(alpha)
    path = last_link(alpha)
    _, response = accept(alpha, path, password=password)
    assert response.status_code == 400 and b"errorlist" in response.content
    with schema_context(alpha.schema):
        assert not User.objects.get(email="new@example.com").is_active
    # The link still works after a refused password.
    assert accept(alpha, path)[1].status_code == 302


def test_two_different_passwords_are_refused(alpha):
    invite(alpha)
    client = Client(HTTP_HOST=alpha.host)
    response = client.post(last_link(alpha), {"password1": NEW_PASSWORD, "password2": "other"})
    assert response.status_code == 400
    with schema_context(alpha.schema):
        assert not User.objects.get(email="new@example.com").is_active


def test_a_pending_person_cannot_sign_in(alpha):
    invite(alpha)
    client = Client(HTTP_HOST=alpha.host)
    response = client.post("/accounts/login/", {"username": "new@example.com", "password": ""})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_person_deleted_before_accepting_never_comes_back_by_the_link(alpha):
    from meetings.services.people import person_delete

    # given: an invitee deleted by the admin before they opened their mail
    invite(alpha)
    path = last_link(alpha)
    with schema_context(alpha.schema):
        person = User.objects.get(email="new@example.com")
        person_delete(person_id=person.pk, by=alpha.users["admin"])

    # when: the link is opened anyway
    _, response = accept(alpha, path)

    # then: refused, and the person stays deleted and inactive
    assert refused(response)
    with schema_context(alpha.schema):
        person.refresh_from_db()
        assert not person.is_active and person.deleted_at is not None
        assert not person.has_usable_password()
