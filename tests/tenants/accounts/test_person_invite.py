"""`person_invite` (the service the admins' invitations and the people import share): the person
is made inactive and without a password, with the role rules of tenants.school.services, and
mailed a single-use link; inviting a pending person again sends a new link."""

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from tenants.accounts.invitations import AlreadyMember, person_invite
from tenants.accounts.models import Invitation, Role, User
from tenants.audit.models import AuditEntry
from tenants.mail.models import OutboundMail
from tenants.school.models import Enrolment, ParentLink
from tenants.school.services import RoleMismatch
from tests.support import mail_deliver_pending

pytestmark = pytest.mark.django_db


def test_a_new_student_is_made_inactive_enrolled_and_mailed(alpha):
    with schema_context(alpha.schema):
        invitation = person_invite(
            email="  New.Student@Example.com ",
            name="New Student",
            role=Role.STUDENT,
            by=alpha.users["admin"],
            class_ids=[alpha.school_class.pk],
        )
        user = User.objects.get(email="new.student@example.com")
        assert invitation.user == user and invitation.role == Role.STUDENT
        assert not user.is_active and not user.has_usable_password()
        assert Enrolment.objects.filter(school_class=alpha.school_class, student=user).exists()
        assert invitation.sent_count == 1
        assert AuditEntry.objects.filter(action="invitation.created").exists()
        sent = mail_deliver_pending()
    assert [m.to for m in sent] == [["new.student@example.com"]]
    assert f"https://{alpha.host}" in sent[0].body or f"http://{alpha.host}" in sent[0].body
    assert "/accounts/invitation/" in sent[0].body
    # Only the hash is stored: the link's token is not in the row.
    token = sent[0].body.split("/accounts/invitation/")[1].split("/")[0]
    assert token not in invitation.token_hash


def test_a_parent_is_linked_to_their_children(alpha):
    with schema_context(alpha.schema):
        invitation = person_invite(
            email="mum@example.com",
            name="Mum",
            role=Role.PARENT,
            by=alpha.users["admin"],
            child_ids=[alpha.users["student"].pk],
        )
        assert ParentLink.objects.filter(
            parent=invitation.user, student=alpha.users["student"]
        ).exists()


def test_send_false_queues_no_mail(alpha):
    with schema_context(alpha.schema):
        invitation = person_invite(
            email="quiet@example.com", name="Q", role=Role.TEACHER, by=None, send=False
        )
        assert invitation.sent_count == 0
        assert not OutboundMail.objects.filter(to="quiet@example.com").exists()


def test_inviting_a_pending_person_again_resends_with_a_new_link(alpha):
    with schema_context(alpha.schema):
        first = person_invite(email="t@example.com", name="T", role=Role.TEACHER, by=None)
        old_hash = first.token_hash
        again = person_invite(email="t@example.com", name="T", role=Role.TEACHER, by=None)
        assert again.pk == first.pk and again.sent_count == 2
        assert again.token_hash != old_hash
        assert User.objects.filter(email="t@example.com").count() == 1
        assert Invitation.objects.filter(user=again.user).count() == 1
        assert OutboundMail.objects.filter(to="t@example.com").count() == 2


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"email": "not-an-email", "role": Role.STUDENT}, ValidationError),
        ({"email": "student@alpha.test", "role": Role.STUDENT}, AlreadyMember),
        ({"email": "x@example.com", "role": Role.ADMIN}, ValidationError),
        ({"email": "x@example.com", "role": Role.TEACHER, "class_ids": "class"}, RoleMismatch),
        ({"email": "x@example.com", "role": Role.STUDENT, "child_ids": "student"}, RoleMismatch),
        ({"email": "x@example.com", "role": Role.PARENT, "child_ids": "teacher"}, RoleMismatch),
        ({"email": "x@example.com", "role": Role.STUDENT, "class_ids": [10**9]}, ValidationError),
    ],
)
def test_refusals(alpha, kwargs, error):
    with schema_context(alpha.schema):
        if kwargs.get("class_ids") == "class":
            kwargs["class_ids"] = [alpha.school_class.pk]
        if isinstance(kwargs.get("child_ids"), str):
            kwargs["child_ids"] = [alpha.users[kwargs["child_ids"]].pk]
        before = User.objects.count()
        with pytest.raises(error):
            person_invite(name="X", by=alpha.users["admin"], **kwargs)
        assert User.objects.count() == before
        assert not Invitation.objects.exists()


def test_a_pending_person_keeps_their_role(alpha):
    with schema_context(alpha.schema):
        person_invite(email="p@example.com", name="P", role=Role.PARENT, by=None)
        with pytest.raises(RoleMismatch):
            person_invite(email="p@example.com", name="P", role=Role.TEACHER, by=None)


def test_another_schools_class_or_child_is_unknown(alpha, beta):
    with schema_context(beta.schema):
        ids = {"class_ids": [beta.school_class.pk + 1000]}
    with schema_context(alpha.schema), pytest.raises(ValidationError):
        person_invite(email="s@example.com", name="S", role=Role.STUDENT, by=None, **ids)


def test_the_same_address_is_a_different_person_in_each_school(alpha, beta):
    with schema_context(alpha.schema):
        person_invite(email="both@example.com", name="A", role=Role.STUDENT, by=None)
    with schema_context(beta.schema):
        assert not User.objects.filter(email="both@example.com").exists()
        person_invite(email="both@example.com", name="B", role=Role.TEACHER, by=None)
        assert User.objects.get(email="both@example.com").role == Role.TEACHER


def test_without_send_a_pending_invitation_keeps_its_link(alpha):
    with schema_context(alpha.schema):
        first = person_invite(email="k@example.com", name="K", role=Role.STUDENT, by=None)
        again = person_invite(
            email="k@example.com",
            name="K",
            role=Role.STUDENT,
            by=None,
            class_ids=[alpha.school_class.pk],
            send=False,
        )
        assert again.token_hash == first.token_hash and again.sent_count == 1
        assert Enrolment.objects.filter(student=again.user).exists()
        assert OutboundMail.objects.filter(to="k@example.com").count() == 1


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_only_admins_invite(alpha, role):
    from django.core.exceptions import PermissionDenied

    with schema_context(alpha.schema), pytest.raises(PermissionDenied):
        person_invite(email="n@example.com", name="N", role=Role.STUDENT, by=alpha.users[role])
