"""Deleting a person from a school (an admin's act): what lets them act goes at once, their
identity within 24 hours.

At once, in one transaction: their Zoom grant is revoked at Zoom and the connection row with
its tokens deleted; their API tokens, join devices and stored Zoom join URLs deleted; their
connected calendars disconnected as they would disconnect them (an actor after commit deletes
every event written there, revokes the grant and deletes the row with its tokens); they are
deactivated and stop teaching (a successor the admin names takes their classes and meetings);
their live Zoom registrations are cancelled at Zoom by an actor after commit (retried). Then
tenants.lifecycle's `people-anonymise` job replaces their name and email within the hour,
keeping the row so that their attendance keeps counting in class statistics."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from meetings.calendar_sync.services import calendar_connections_remove_for_person
from meetings.joining.models import JoinDevice
from meetings.models import Meeting, Registrant, ZoomConnection
from meetings.policy import access_admin
from meetings.providers.base import MeetingProviderError
from meetings.zoom import oauth
from meetings.zoom.factory import zoom_settings
from tenants.accounts.models import ApiToken, Invitation, RecoveryCode, Role, TwoFactor, User
from tenants.audit.services import audit_record
from tenants.school.models import SchoolClass

logger = logging.getLogger(__name__)


class PersonDeleteRefused(ValidationError):
    """A deletion that cannot be done (not found, oneself, a wrong successor)."""


def _zoom_grant_revoke(person: User) -> str:
    """Revoke the person's Zoom grant at Zoom (best effort: Zoom may be down or the grant gone
    already) and delete the connection with its tokens. Returns what happened."""
    connection = ZoomConnection.objects.select_for_update().filter(user=person).first()
    if connection is None:
        return "none"
    outcome = "deleted"
    token = connection.access_token or connection.refresh_token
    if token:
        zoom = zoom_settings()
        if zoom.has_app_credentials:
            try:
                oauth.token_revoke(zoom, token)
                outcome = "revoked"
            except MeetingProviderError as exc:
                logger.warning("revoking the Zoom grant of user %s failed: %s", person.pk, exc)
                outcome = "revoke_failed"
    connection.delete()
    return outcome


def person_delete(
    *, person_id: int, by: User, successor_id: int | None = None, ip: str | None = None
) -> User:
    """Delete person `person_id` of this school (see the module). Idempotent for a person
    already deleted (refused as not found)."""
    access_admin(by)
    with transaction.atomic():
        person = (
            User.objects.select_for_update().filter(pk=person_id, deleted_at__isnull=True).first()
        )
        if person is None:
            raise PersonDeleteRefused("No such person.", code="not_found")
        if person.pk == by.pk:
            raise PersonDeleteRefused("You cannot delete yourself.", code="invalid")
        successor = None
        if successor_id is not None:
            successor = User.objects.filter(
                pk=successor_id, role=Role.TEACHER, is_active=True, deleted_at__isnull=True
            ).first()
            if successor is None or successor.pk == person.pk:
                raise PersonDeleteRefused(
                    "The successor must be another active teacher.", code="invalid"
                )

        zoom = _zoom_grant_revoke(person)
        calendars = calendar_connections_remove_for_person(person=person, by=by, ip=ip)
        tokens = ApiToken.objects.filter(user=person).delete()[0]
        # Their second factor and an invitation still open die with them: a deleted person
        # has no usable password, like an invitee, and must never come back by the link.
        TwoFactor.objects.filter(user=person).delete()
        RecoveryCode.objects.filter(user=person).delete()
        invitations = Invitation.objects.filter(
            user=person, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        devices = JoinDevice.objects.filter(subject_kind="u", subject_id=person.pk).delete()[0]
        urls = Registrant.objects.filter(user=person).exclude(join_url="").update(join_url="")
        # The start URL carries the host's Zoom key: theirs goes with them.
        hosted = Meeting.objects.filter(host=person)
        hosted.exclude(start_url="").update(start_url="")
        classes = list(SchoolClass.objects.filter(teachers=person))
        for school_class in classes:
            school_class.teachers.remove(person)
            if successor is not None:
                school_class.teachers.add(successor)
        moved = hosted.update(host=successor) if successor is not None else 0

        now = timezone.now()
        person.is_active = False
        person.is_staff = False
        person.deleted_at = now
        person.set_unusable_password()
        person.save(update_fields=["is_active", "is_staff", "deleted_at", "password"])
        audit_record(
            actor=by,
            action="person.deleted",
            target=person,
            ip=ip,
            details={
                "role": person.role,
                "successor_id": successor.pk if successor else None,
                "zoom": zoom,
                "calendars": calendars,
                "api_tokens": tokens,
                "invitations_revoked": invitations,
                "join_devices": devices,
                "join_urls": urls,
                "classes": [c.pk for c in classes],
                "meetings_moved": moved,
            },
        )
        transaction.on_commit(lambda: _registrations_cancel_enqueue(person.pk))
    return person


def _registrations_cancel_enqueue(user_id: int) -> None:
    from meetings.actors import registrants_cancel_for_person

    registrants_cancel_for_person.send(user_id)
