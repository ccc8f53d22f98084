"""Who a Zoom participant is: their device-session key, and matching them to the school's
people (registrant id, email, a connected Zoom account, a remembered resolution, an exact
name), or to a guest (their registrant id only), a few queries for a whole batch.

A match is verified or not. Zoom vouches for a registrant id (the student's personal join
link) and for the id of a signed-in Zoom account (a connected one, or one a teacher said was
this person); a name or an email typed into Zoom is only a claim, and so is a remembered name
or email (a teacher's answer about last week's "Cy C" says nothing of whoever types it next
week). Unverified matches wait for a teacher to confirm them, and count for attendance only
where the school's policy says so (AttendancePolicy.unverified_matches_count)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower

from attendance.models import ParticipantIdentity, ParticipantRole
from meetings.guests.models import Guest, GuestRegistrant
from meetings.guests.selectors import guests_of_meeting
from meetings.models import Meeting, Registrant
from tenants.accounts.models import Role, User

logger = logging.getLogger(__name__)


def participant_key(participant: dict[str, Any]) -> str:
    """A participant's device session. `participant_uuid` when Zoom sends it; else Zoom's
    participant `id` (a signed-in user's id), the per-meeting `user_id` (reused for other
    people later) and the name together."""
    if participant.get("participant_uuid"):
        # Bounded like the other form: the column holds 200 (Zoom's uuids are far shorter).
        return f"u:{str(participant['participant_uuid'])[:190]}"
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


class MatchedBy:
    """How a participant was matched (ParticipantSession.matched_by)."""

    REGISTRANT = "registrant"
    ZOOM_ACCOUNT = "zoom_account"
    REMEMBERED_ZOOM_ID = "remembered_zoom_id"
    HOST = "host"
    TEACHER = "teacher"  # a teacher said who it is
    EMAIL = "email"
    REMEMBERED_EMAIL = "remembered_email"
    REMEMBERED_NAME = "remembered_name"
    NAME = "name"
    GUEST = "guest_registrant"  # a guest's personal Zoom registration (no account)
    REJECTED = "rejected"  # a teacher said it is not who it claimed to be
    DISPLACED = "displaced"  # claimed someone who is in the class verified

    VERIFIED = frozenset({REGISTRANT, ZOOM_ACCOUNT, REMEMBERED_ZOOM_ID, HOST, TEACHER, GUEST})


@dataclass(frozen=True)
class Match:
    user: User
    by: str

    @property
    def verified(self) -> bool:
        return self.by in MatchedBy.VERIFIED


def identity_match_many(
    *, meeting: Meeting, people: dict[str, Described], not_users: Mapping[str, int] | None = None
) -> dict[str, Match]:
    """Who each described participant is (`{key: Described}` → `{key: Match}`, the unknown
    left out). Verified first: registrant id, a connected Zoom account, a remembered Zoom id;
    then the claims: email, a remembered email or name, an exact name unique among the class's
    people.
    `not_users`: `{key: user id}` a participant is known not to be (a teacher rejected it).
    A few queries for the lot, however many they are."""
    from meetings.models import ZoomConnection

    found: dict[str, Match] = {}
    left = dict(people)
    excluded = not_users or {}

    def settle(
        users: Mapping[str, User | None], value_of: Callable[[Described], str], by: str
    ) -> None:
        for key, described in list(left.items()):
            user = users.get(value_of(described))
            if user is not None and excluded.get(key) != user.pk:
                found[key] = Match(user, by)
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
        settle(users, lambda d: d.registrant_id, MatchedBy.REGISTRANT)
    # What Zoom vouches for first: a verified answer is never shadowed by a typed claim.
    zoom_ids = {d.zoom_id for d in left.values() if d.zoom_id}
    if zoom_ids:
        connected = ZoomConnection.objects.filter(zoom_user_id__in=zoom_ids).select_related("user")
        settle(
            {c.zoom_user_id: c.user for c in connected}, lambda d: d.zoom_id, MatchedBy.ZOOM_ACCOUNT
        )
    remembered: dict[tuple[str, str], User] = {}
    Kind = ParticipantIdentity.Kind
    if left:
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
        settle(
            {value: user for (kind, value), user in remembered.items() if kind == Kind.ZOOM_ID},
            lambda d: d.zoom_id,
            MatchedBy.REMEMBERED_ZOOM_ID,
        )
    # Claims: what was typed into Zoom, or what a teacher once said of such a claim.
    emails = {d.email.lower() for d in left.values() if d.email}
    if emails:
        active = User.objects.filter(is_active=True).annotate(lower_email=Lower("email"))
        users = {u.lower_email: u for u in active.filter(lower_email__in=emails).order_by("-pk")}
        settle(users, lambda d: d.email.lower(), MatchedBy.EMAIL)
    for kind, by, value_of in (
        (Kind.EMAIL, MatchedBy.REMEMBERED_EMAIL, lambda d: d.email.lower()),
        (Kind.NAME, MatchedBy.REMEMBERED_NAME, lambda d: d.name.strip().lower()),
    ):
        if left and remembered:
            settle({v: u for (k, v), u in remembered.items() if k == kind}, value_of, by)
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
        settle(unique, lambda d: d.name.strip().lower(), MatchedBy.NAME)
    return found


def identity_guests(*, meeting: Meeting, registrant_ids: Collection[str]) -> dict[str, Guest]:
    """The guests whose personal Zoom registration (for this Zoom meeting: one registration
    covers every occurrence) has these registrant ids: `{registrant id: guest}`. Zoom vouches
    for a registrant id; a guest's typed name or email is never matched."""
    if not registrant_ids or not meeting.zoom_meeting_id:
        return {}
    guests: dict[str, Guest] = {}
    for row in GuestRegistrant.objects.filter(
        meeting__zoom_meeting_id=meeting.zoom_meeting_id,
        zoom_registrant_id__in=list(registrant_ids),
        # invited to this session (its own or its series'), and not withdrawn: a guest of
        # another occurrence of the same Zoom meeting is nobody here
        guest__in=guests_of_meeting(meeting).filter(revoked_at__isnull=True),
    ).select_related("guest"):
        guests.setdefault(row.zoom_registrant_id, row.guest)
    return guests


def people_of(meeting: Meeting) -> list[int]:
    school_class = meeting.school_class
    ids = {meeting.host_id}
    if school_class is not None:
        ids |= set(school_class.students.values_list("pk", flat=True))
        ids |= set(school_class.teachers.values_list("pk", flat=True))
    return list(ids)
