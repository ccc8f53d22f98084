"""Inviting people into a school. An admin (or an import) names a person by email, name and role
(students with their classes, parents with their children); the person is made at once, inactive
and without a password, and is mailed a link on the school's host. The link works once, until
LIVEROLL_INVITATION_DAYS pass, it is resent (a new link; the old one is dead) or revoked. Opening
it, the person chooses their own password (Django's validators) and is signed in.

Only a hash of the link's token is stored; the token is in the mail only. A token is looked up in
the schema in use, so another school's link finds nothing here."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tenants.accounts.models import Invitation, Role, User
from tenants.accounts.services import api_tokens_revoke_all, token_hash
from tenants.audit.services import audit_record
from tenants.mail.rendering import school_here
from tenants.mail.services import mail_queue
from tenants.school.models import SchoolClass
from tenants.school.services import RoleMismatch, class_enrol, parent_link
from tenants.text import text_validate

TEMPLATE = "invitation"
PATH = "/accounts/invitation/"
INVITABLE = (Role.TEACHER, Role.STUDENT, Role.PARENT)


class AlreadyMember(Exception):
    """The address belongs to a person of the school who has accepted (or never needed) an
    invitation."""

    def __init__(self, email: str) -> None:
        self.message = f"{email} is already a member of this school."
        super().__init__(self.message)


class InvitationNotFound(Exception):
    """No pending invitation with that id in this school."""

    message = "No such pending invitation."

    def __init__(self) -> None:
        super().__init__(self.message)


class InvitationRefused(Exception):
    """A link that does not (or no longer) work: unknown, altered, another school's, expired,
    used, revoked or replaced by a resend."""

    message = gettext_lazy(
        "This invitation link does not work any more. Ask your school for a new one."
    )

    def __init__(self) -> None:
        super().__init__(self.message)


def invitation_url(token: str) -> str:
    return f"{school_here().url.rstrip('/')}{PATH}{token}/"


def _pending(now: datetime) -> dict[str, object]:
    return {"accepted_at__isnull": True, "revoked_at__isnull": True, "expires_at__gt": now}


def _is_pending_person(user: User) -> bool:
    """Made by an invitation and not yet in: inactive, no usable password, not deleted (a
    deleted person is inactive with no password too, and must never come back by a link)."""
    return not user.is_active and not user.has_usable_password() and user.deleted_at is None


def _issue(invitation: Invitation, *, send: bool, now: datetime) -> None:
    """Give the invitation a new token (the old link dies), a new expiry, and mail it."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.expires_at = now + timedelta(days=settings.LIVEROLL_INVITATION_DAYS)
    if send:
        invitation.sent_count += 1
        invitation.last_sent_at = now
    invitation.save()
    if send:
        inviter = invitation.invited_by
        mail_queue(
            key=f"invitation:{invitation.pk}:{invitation.sent_count}",
            to=invitation.user.email,
            template=TEMPLATE,
            context={
                "invite_url": invitation_url(token),
                "expires_at": invitation.expires_at,
                "name": invitation.user.name,
                "role": Role(invitation.role).label,
                "inviter": (inviter.name or inviter.email) if inviter is not None else "",
            },
            user=invitation.user,
        )


def person_invite(
    *,
    email: str,
    name: str,
    role: Role,
    by: User | None,
    class_ids: Sequence[int] = (),
    child_ids: Sequence[int] = (),
    send: bool = True,
    ip: str | None = None,
) -> Invitation:
    """Invite a teacher, student or parent. Makes the person (inactive, no password) or finds a
    pending one by email, enrols a student in `class_ids` and links a parent to `child_ids` (the
    role rules of tenants.school.services: RoleMismatch), and (send) queues the mail. Inviting a
    pending person again sends a new link. Raises ValidationError (bad email, name, role, unknown
    class or child), AlreadyMember, RoleMismatch; PermissionDenied when `by` is not an admin
    (None: the platform's own, e.g. fixtures). Without `send`, a pending invitation keeps its
    link (a re-run of an import does not kill the links it mailed before)."""
    _require_admin(by)
    email = (email or "").strip().lower()
    name = (name or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}, code="invalid") from None
    text_validate(User, email=email, name=name)
    if role not in INVITABLE:
        raise ValidationError({"role": "Invite a teacher, a student or a parent."}, code="invalid")
    role = Role(role)
    if class_ids and role != Role.STUDENT:
        raise RoleMismatch(f"only students are enrolled in classes, not a {role.label.lower()}")
    if child_ids and role != Role.PARENT:
        raise RoleMismatch(f"only parents are linked to children, not a {role.label.lower()}")
    classes = list(SchoolClass.objects.filter(pk__in=set(class_ids)))
    if len(classes) != len(set(class_ids)):
        raise ValidationError({"class_ids": ValidationError("No such class.", code="not_found")})
    children = list(User.objects.filter(pk__in=set(child_ids)))
    if len(children) != len(set(child_ids)):
        raise ValidationError({"child_ids": ValidationError("No such child.", code="not_found")})
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email=email).first()
        if user is not None and not _is_pending_person(user):
            raise AlreadyMember(email)
        if user is not None and user.role != role:
            raise RoleMismatch(
                f"{email} is invited as a {user.get_role_display().lower()}, "
                f"not a {role.label.lower()}: revoke that invitation first"
            )
        created = user is None
        if user is None:
            user = User.objects.create_user(email, None, name=name, role=role, is_active=False)
        elif name and name != user.name:
            user.name = name
            user.save(update_fields=["name"])
        for school_class in classes:
            class_enrol(school_class=school_class, students=[user], actor=by, ip=ip)
        for child in children:
            parent_link(parent=user, student=child, actor=by, ip=ip)
        invitation = (
            Invitation.objects.select_for_update().filter(user=user, **_pending(now)).first()
        )
        if invitation is None:
            action = "invitation.created"
            invitation = Invitation(user=user, role=role, invited_by=by)
            _issue(invitation, send=send, now=now)
        elif send:
            action = "invitation.resent"
            invitation.invited_by = by or invitation.invited_by
            _issue(invitation, send=True, now=now)
        else:
            action = "invitation.updated"
        audit_record(
            actor=by,
            action=action,
            target=invitation,
            ip=ip,
            details={
                "email": email,
                "role": role.name.lower(),
                "new_person": created,
                "classes": [c.pk for c in classes],
                "children": [c.pk for c in children],
                "sent": send,
            },
        )
    return invitation


def _require_admin(actor: User | None) -> None:
    if actor is not None and not actor.is_school_admin:
        raise PermissionDenied("Only school admins can do that.")


def invitation_resend(*, invitation_id: int, actor: User, ip: str | None = None) -> Invitation:
    """Mail a pending (or expired, not accepted nor revoked) invitation again with a new link;
    the old link stops working."""
    _require_admin(actor)
    now = timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("user", "invited_by")
            .filter(pk=invitation_id, accepted_at__isnull=True, revoked_at__isnull=True)
            .first()
        )
        if invitation is None or not _is_pending_person(invitation.user):
            raise InvitationNotFound()
        _issue(invitation, send=True, now=now)
        audit_record(
            actor=actor,
            action="invitation.resent",
            target=invitation,
            ip=ip,
            details={"email": invitation.user.email, "sent_count": invitation.sent_count},
        )
    return invitation


def invitation_revoke(*, invitation_id: int, actor: User, ip: str | None = None) -> Invitation:
    """Revoke a pending invitation: its link stops working. The person stays, inactive and
    without a password, until invited again."""
    _require_admin(actor)
    now = timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("user")
            .filter(pk=invitation_id, accepted_at__isnull=True, revoked_at__isnull=True)
            .first()
        )
        if invitation is None:
            raise InvitationNotFound()
        invitation.revoked_at = now
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="invitation.revoked",
            target=invitation,
            ip=ip,
            details={"email": invitation.user.email},
        )
    return invitation


@dataclass(frozen=True)
class OpenInvitation:
    """What the acceptance page shows."""

    email: str
    name: str
    expires_at: datetime


def invitation_open(*, token: str, now: datetime | None = None) -> OpenInvitation | None:
    """The pending invitation behind a link, or None."""
    invitation = _usable(token, now or timezone.now(), lock=False)
    if invitation is None:
        return None
    return OpenInvitation(
        email=invitation.user.email, name=invitation.user.name, expires_at=invitation.expires_at
    )


def _usable(token: str, now: datetime, *, lock: bool) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    rows = Invitation.objects.select_related("user").filter(
        token_hash=token_hash(token), **_pending(now)
    )
    if lock:
        rows = rows.select_for_update()
    invitation = rows.first()
    if invitation is None or not _is_pending_person(invitation.user):
        return None
    return invitation


def invitation_accept(
    *, token: str, password: str, ip: str | None = None, now: datetime | None = None
) -> User:
    """Accept: the person sets their password (Django's validators: ValidationError on the
    `password` field) and becomes active. The link then stops working. Raises
    InvitationRefused for a link that does not work."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = _usable(token, now, lock=True)
        if invitation is None:
            raise InvitationRefused()
        user = invitation.user
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.error_list}) from None
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        invitation.accepted_at = now
        invitation.save(update_fields=["accepted_at"])
        # None can exist yet; any made behind the person's back would die here.
        api_tokens_revoke_all(user=user, reason="invitation accepted", actor=user)
        audit_record(
            actor=user,
            action="invitation.accepted",
            target=invitation,
            ip=ip,
            details={"email": user.email},
        )
    return user
