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

from django.db import connection

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
    One query for the lot, however many they are: every source's candidates at once (a
    superset of what the rules below settle), so the order of the rules is kept here."""
    found: dict[str, Match] = {}
    left = dict(people)
    excluded = not_users or {}
    if not left:
        return found

    def settle(
        users: Mapping[str, User | None], value_of: Callable[[Described], str], by: str
    ) -> None:
        for key, described in list(left.items()):
            user = users.get(value_of(described))
            if user is not None and excluded.get(key) != user.pk:
                found[key] = Match(user, by)
                del left[key]

    Kind = ParticipantIdentity.Kind
    described = list(left.values())
    candidates = _candidates(
        meeting=meeting,
        registrant_ids={d.registrant_id for d in described if d.registrant_id},
        zoom_ids={d.zoom_id for d in described if d.zoom_id},
        emails={d.email.lower() for d in described if d.email},
        names={d.name.strip().lower() for d in described if d.name.strip()},
    )
    by_source: dict[str, dict[str, User]] = {}
    named: dict[str, list[User]] = {}
    for source, value, user in candidates:  # in each source's order (see _candidates)
        if source == _CLASS_NAME:
            named.setdefault(value, []).append(user)
        else:
            by_source.setdefault(source, {}).setdefault(value, user)
    settle(by_source.get(_REGISTRANT, {}), lambda d: d.registrant_id, MatchedBy.REGISTRANT)
    # What Zoom vouches for first: a verified answer is never shadowed by a typed claim.
    settle(by_source.get(_ZOOM_ACCOUNT, {}), lambda d: d.zoom_id, MatchedBy.ZOOM_ACCOUNT)
    settle(by_source.get(Kind.ZOOM_ID, {}), lambda d: d.zoom_id, MatchedBy.REMEMBERED_ZOOM_ID)
    # Claims: what was typed into Zoom, or what a teacher once said of such a claim.
    settle(by_source.get(_EMAIL, {}), lambda d: d.email.lower(), MatchedBy.EMAIL)
    settle(by_source.get(Kind.EMAIL, {}), lambda d: d.email.lower(), MatchedBy.REMEMBERED_EMAIL)
    settle(
        by_source.get(Kind.NAME, {}), lambda d: d.name.strip().lower(), MatchedBy.REMEMBERED_NAME
    )
    unique = {name: users[0] for name, users in named.items() if len(users) == 1}
    settle(unique, lambda d: d.name.strip().lower(), MatchedBy.NAME)
    return found


# Candidate sources besides the remembered identities (whose source is their kind).
_REGISTRANT, _ZOOM_ACCOUNT, _EMAIL, _CLASS_NAME = "registrant", "zoom_account", "email", "class"
_USER_FIELDS = ("id", "email", "name", "role", "is_active")


def _candidates(
    *,
    meeting: Meeting,
    registrant_ids: set[str],
    zoom_ids: set[str],
    emails: set[str],
    names: set[str],
) -> list[tuple[str, str, User]]:
    """(source, value, user) for every way a value may name someone: the meeting's
    registrants, connected Zoom accounts, remembered identities, active people by email, and
    the class's active people by name. Each source in the order whose first row wins: by
    row id, people by email oldest first. One statement in SQL of its own: built by the ORM,
    these five queries cost more than PostgreSQL's work for them (a batch in a 9:00 rush is
    usually one join)."""
    from meetings.models import ZoomConnection
    from tenants.school.models import SchoolClass

    users = User._meta.db_table
    columns = ", ".join(f"u.{name}" for name in _USER_FIELDS)
    parts: list[str] = []
    params: list[Any] = []
    if registrant_ids:
        parts.append(
            f"SELECT %s, r.zoom_registrant_id, r.id, {columns} FROM {Registrant._meta.db_table} r"  # noqa: S608 - our tables
            f" JOIN {Meeting._meta.db_table} m ON m.id = r.meeting_id"
            f" JOIN {users} u ON u.id = r.user_id"
            " WHERE m.zoom_meeting_id = %s AND r.zoom_registrant_id = ANY(%s)"
        )
        params += [_REGISTRANT, meeting.zoom_meeting_id, list(registrant_ids)]
    if zoom_ids:
        parts.append(
            f"SELECT %s, c.zoom_user_id, c.id, {columns} FROM {ZoomConnection._meta.db_table} c"  # noqa: S608 - our tables
            f" JOIN {users} u ON u.id = c.user_id WHERE c.zoom_user_id = ANY(%s)"
        )
        params += [_ZOOM_ACCOUNT, list(zoom_ids)]
    Kind = ParticipantIdentity.Kind
    remembered = [(Kind.ZOOM_ID, zoom_ids), (Kind.EMAIL, emails), (Kind.NAME, names)]
    if any(values for _, values in remembered):
        parts.append(
            f"SELECT i.kind, i.value, i.id, {columns} FROM {ParticipantIdentity._meta.db_table} i"  # noqa: S608 - our tables
            f" JOIN {users} u ON u.id = i.user_id WHERE"
            + " OR ".join("(i.kind = %s AND i.value = ANY(%s))" for _ in remembered)
        )
        for kind, values in remembered:
            params += [str(kind), list(values)]
    if emails:
        parts.append(
            f"SELECT %s, lower(u.email), u.id, {columns} FROM {users} u"  # noqa: S608 - our tables
            " WHERE u.is_active AND lower(u.email) = ANY(%s)"
        )
        params += [_EMAIL, list(emails)]
    if names and meeting.school_class_id:
        students = SchoolClass._meta.get_field("students")
        teachers = SchoolClass._meta.get_field("teachers")
        member = "EXISTS (SELECT 1 FROM {table} x WHERE x.{user} = u.id AND x.{school_class} = %s)"
        parts.append(
            f"SELECT %s, lower(u.name), u.id, {columns} FROM {users} u"  # noqa: S608 - our tables
            " WHERE u.is_active AND lower(u.name) = ANY(%s) AND (u.id = %s"
            + "".join(
                " OR "
                + member.format(
                    table=field.m2m_db_table(),
                    user=field.m2m_reverse_name(),
                    school_class=field.m2m_column_name(),
                )
                for field in (students, teachers)
            )
            + ")"
        )
        params += [_CLASS_NAME, list(names), meeting.host_id]
        params += [meeting.school_class_id, meeting.school_class_id]
    if not parts:
        return []
    sql = " UNION ALL ".join(f"({part})" for part in parts) + " ORDER BY 1, 3"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    db = connection.alias
    return [(row[0], row[1], User.from_db(db, _USER_FIELDS, row[3:])) for row in rows]


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
