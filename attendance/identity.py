"""Who a Zoom participant is: their device-session key, and matching them to the school's
people (registrant id, email, a connected Zoom account, a remembered resolution, an exact
name), a few queries for a whole batch."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower

from attendance.models import ParticipantIdentity, ParticipantRole
from meetings.models import Meeting, Registrant
from tenants.accounts.models import Role, User

logger = logging.getLogger(__name__)


def participant_key(participant: dict[str, Any]) -> str:
    """A participant's device session. `participant_uuid` when Zoom sends it; else Zoom's
    participant `id` (a signed-in user's id), the per-meeting `user_id` (reused for other
    people later) and the name together."""
    if participant.get("participant_uuid"):
        return f"u:{participant['participant_uuid']}"
    parts = (participant.get("id"), participant.get("user_id"), participant.get("user_name"))
    return "k:" + "|".join(str(p or "") for p in parts)[:190]


def role_of(meeting: Meeting, user: User | None, zoom_id: str, host_zoom_id: str) -> str:
    if user is not None and user.pk == meeting.host_id:
        return ParticipantRole.HOST
    if zoom_id and host_zoom_id and zoom_id == host_zoom_id:
        return ParticipantRole.HOST
    if user is None:
        return ParticipantRole.GUEST
    if user.role in (Role.TEACHER, Role.ADMIN):
        return ParticipantRole.TEACHER
    return ParticipantRole.STUDENT


@dataclass(frozen=True)
class Described:
    """What Zoom says of a participant that may tell who they are."""

    registrant_id: str = ""
    email: str = ""
    zoom_id: str = ""
    name: str = ""


def identity_match_many(*, meeting: Meeting, people: dict[str, Described]) -> dict[str, User]:
    """Who each described participant is (`{key: Described}` → `{key: User}`, the unknown
    left out): registrant id, then email, then a connected Zoom account, then a remembered
    resolution (by Zoom id, email, name), then an exact name unique among the class's people.
    A few queries for the lot, however many they are."""
    from meetings.models import ZoomConnection

    found: dict[str, User] = {}
    left = dict(people)

    def settle(users: Mapping[str, User | None], value_of: Callable[[Described], str]) -> None:
        for key, described in list(left.items()):
            user = users.get(value_of(described))
            if user is not None:
                found[key] = user
                del left[key]

    registrant_ids = {d.registrant_id for d in left.values() if d.registrant_id}
    if registrant_ids:
        users: dict[str, User | None] = {}
        for registrant in Registrant.objects.filter(
            meeting__zoom_meeting_id=meeting.zoom_meeting_id,
            zoom_registrant_id__in=registrant_ids,
            user__isnull=False,
        ).select_related("user"):
            users.setdefault(registrant.zoom_registrant_id, registrant.user)
        settle(users, lambda d: d.registrant_id)
    emails = {d.email.lower() for d in left.values() if d.email}
    if emails:
        active = User.objects.filter(is_active=True).annotate(lower_email=Lower("email"))
        users = {u.lower_email: u for u in active.filter(lower_email__in=emails).order_by("-pk")}
        settle(users, lambda d: d.email.lower())
    zoom_ids = {d.zoom_id for d in left.values() if d.zoom_id}
    if zoom_ids:
        connected = ZoomConnection.objects.filter(zoom_user_id__in=zoom_ids).select_related("user")
        settle({c.zoom_user_id: c.user for c in connected}, lambda d: d.zoom_id)
    if left:
        Kind = ParticipantIdentity.Kind
        values = {
            Kind.ZOOM_ID: {d.zoom_id for d in left.values() if d.zoom_id},
            Kind.EMAIL: {d.email.lower() for d in left.values() if d.email},
            Kind.NAME: {d.name.strip().lower() for d in left.values() if d.name.strip()},
        }
        wanted = Q(pk__in=[])
        for kind, kind_values in values.items():
            if kind_values:
                wanted |= Q(kind=kind, value__in=kind_values)
        remembered = {
            (i.kind, i.value): i.user
            for i in ParticipantIdentity.objects.filter(wanted).select_related("user")
        }
        for key, d in list(left.items()):
            for kind, value in (
                (Kind.ZOOM_ID, d.zoom_id),
                (Kind.EMAIL, d.email.lower()),
                (Kind.NAME, d.name.strip().lower()),
            ):
                if value and (kind, value) in remembered:
                    found[key] = remembered[(kind, value)]
                    del left[key]
                    break
    names = {d.name.strip().lower() for d in left.values() if d.name.strip()}
    if names and meeting.school_class_id:
        class_id = meeting.school_class_id
        class_people = (
            Q(pk=meeting.host_id) | Q(classes_enrolled=class_id) | Q(classes_taught=class_id)
        )
        by_name: dict[str, list[User]] = {}
        for user in (
            User.objects.filter(class_people, is_active=True)
            .annotate(lower_name=Lower("name"))
            .filter(lower_name__in=names)
            .distinct()
        ):
            by_name.setdefault(user.lower_name, []).append(user)
        unique = {name: users[0] for name, users in by_name.items() if len(users) == 1}
        settle(unique, lambda d: d.name.strip().lower())
    return found


def people_of(meeting: Meeting) -> list[int]:
    school_class = meeting.school_class
    ids = {meeting.host_id}
    if school_class is not None:
        ids |= set(school_class.students.values_list("pk", flat=True))
        ids |= set(school_class.teachers.values_list("pk", flat=True))
    return list(ids)
