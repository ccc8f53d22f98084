"""A person's data across the school: the export of everything held about them, and the
attendance side of their anonymisation. Here because attendance is the app that may read every
other (tenants ← meetings ← attendance); the models are tenants.lifecycle's."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from attendance.models import (
    AttendanceRecord,
    ParticipantEvent,
    ParticipantIdentity,
    ParticipantSession,
)
from meetings.invitations.models import Rsvp
from meetings.models import Meeting, Registrant
from tenants.accounts.models import Role, User
from tenants.audit.models import AuditEntry
from tenants.audit.services import audit_record
from tenants.lifecycle.models import DataExport
from tenants.lifecycle.services import person_anonymise
from tenants.mail.models import OutboundMail
from tenants.school.models import Enrolment, ParentLink, SchoolClass

logger = logging.getLogger(__name__)

EXPORT_FORMAT = 1


class ExportRefused(PermissionError):
    """Someone asked for an export they may not have."""


# --- export -----------------------------------------------------------------------------------


def data_export_request(*, person_id: int, by: User) -> DataExport:
    """Ask for everything the school holds about `person_id`: a person for themself, an admin
    for anyone of the school. Built by a tenant actor after commit."""
    from attendance.actors import data_export_build

    if not by.is_active:
        raise ExportRefused("Not allowed.")
    if by.pk != person_id and not by.is_school_admin:
        raise ExportRefused("Only school admins can export someone else's data.")
    person = User.objects.filter(pk=person_id, deleted_at__isnull=True).first()
    if person is None:
        raise ExportRefused("No such person.")
    with transaction.atomic():
        export = DataExport.objects.create(person=person, requested_by=by)
        audit_record(
            actor=by, action="person.export.requested", target=person, details={"export": export.pk}
        )
        transaction.on_commit(lambda: data_export_build.send(export.pk))
    return export


def data_export_access(*, export_id: int, user: User) -> DataExport | None:
    """The export if `user` may see it (its person, or an admin); None otherwise."""
    if not (user.is_authenticated and user.is_active):
        return None
    rows = DataExport.objects.filter(pk=export_id)
    if not user.is_school_admin:
        rows = rows.filter(person_id=user.pk)
    return rows.first()


def _rows(queryset: Any, *fields: str) -> list[dict[str, Any]]:
    return list(queryset.values(*fields))


def data_export_document(*, person: User) -> dict[str, Any]:
    """Everything the school holds about `person`, as plain data (no secrets: no Zoom URLs,
    no tokens, no password)."""
    pk = person.pk
    meeting_fields = ("id", "title", "start_time", "duration_minutes", "status", "school_class_id")
    classes = SchoolClass.objects.filter(Q(teachers=person) | Q(students=person)).distinct()
    registered = Registrant.objects.filter(user=person).values("meeting_id")
    meetings = Meeting.objects.filter(
        Q(host=person) | Q(invitees=person) | Q(pk__in=registered)
    ).distinct()
    return {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now(),
        "profile": {
            "id": pk,
            "email": person.email,
            "name": person.name,
            "role": Role(person.role).label,
            "language": person.language,
            "timezone": person.timezone,
            "is_active": person.is_active,
            "date_joined": person.date_joined,
            "last_login": person.last_login,
        },
        "classes": _rows(classes.order_by("pk"), "id", "name", "description"),
        "classes_taught": list(
            SchoolClass.objects.filter(teachers=person).order_by("pk").values_list("id", flat=True)
        ),
        "enrolments": _rows(
            Enrolment.objects.filter(student=person).order_by("pk"),
            "school_class_id",
            "enrolled_at",
        ),
        "parent_links": _rows(
            ParentLink.objects.filter(Q(parent=person) | Q(student=person)).order_by("pk"),
            "parent_id",
            "parent__name",
            "student_id",
            "student__name",
        ),
        "meetings": _rows(meetings.order_by("start_time", "pk"), *meeting_fields),
        "registrations": _rows(
            Registrant.objects.filter(user=person).order_by("pk"), "meeting_id", "status"
        ),
        "attendance_records": _rows(
            AttendanceRecord.objects.filter(student=person).order_by("pk"),
            "meeting_id",
            "computed_status",
            "override_status",
            "override_reason",
            "attended_seconds",
            "first_joined_at",
            "last_left_at",
            "is_final",
        ),
        "participant_sessions": _rows(
            ParticipantSession.objects.filter(user=person).order_by("pk"),
            "meeting_id",
            "name",
            "email",
            "joined_at",
            "left_at",
        ),
        "rsvps": _rows(
            Rsvp.objects.filter(user=person).order_by("pk"),
            "meeting_id",
            "series_id",
            "response",
            "responded_at",
        ),
        "audit_entries": _rows(
            AuditEntry.objects.filter(
                Q(actor=person) | Q(target_type=person._meta.label_lower, target_id=str(pk))
            ).order_by("pk"),
            "created_at",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "details",
        ),
        "mails": _rows(
            OutboundMail.objects.filter(Q(user=person) | Q(to=person.email)).order_by("pk"),
            "to",
            "subject",
            "text",
            "status",
            "queued_at",
            "sent_at",
        ),
    }


def data_export_build(*, export_id: int, now: datetime | None = None) -> DataExport | None:
    """Build a pending export. Idempotent: a finished export is left as it is."""
    now = now or timezone.now()
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update()
            .select_related("person")
            .filter(pk=export_id, status=DataExport.Status.PENDING)
            .first()
        )
        if export is None:
            return None
        document = data_export_document(person=export.person)
        export.content = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False)
        export.status = DataExport.Status.READY
        export.finished_at = now
        export.expires_at = now + timedelta(hours=int(settings.LIVEROLL_EXPORT_EXPIRY_HOURS))
        export.save()
    return export


# --- anonymisation ----------------------------------------------------------------------------


def person_identity_scrub(*, user: User) -> None:
    """What Zoom and the matching said of a deleted person: their names and emails in the
    participant rows and the identities learnt for them. The rows stay (the attendance
    counts); the link to the (anonymised) person too."""
    sessions = ParticipantSession.objects.filter(user=user)
    registrant_ids = list(
        Registrant.objects.filter(user=user)
        .exclude(zoom_registrant_id="")
        .values_list("zoom_registrant_id", flat=True)
    )
    keys = list(sessions.values_list("participant_key", flat=True).distinct())
    sessions.update(name="", email="")
    ParticipantEvent.objects.filter(
        Q(participant_key__in=keys) | Q(registrant_id__in=registrant_ids)
    ).update(name="", email="")
    ParticipantIdentity.objects.filter(user=user).delete()


def people_anonymise_due(*, now: datetime | None = None) -> int:
    """Anonymise every person deleted and not yet anonymised. Idempotent; returns how many."""
    done = 0
    for user in User.objects.filter(deleted_at__isnull=False, anonymised_at__isnull=True):
        with transaction.atomic():
            person_identity_scrub(user=user)
            person_anonymise(user=user, now=now)
        done += 1
    if done:
        logger.info("retention: %d deleted people anonymised", done)
    return done
