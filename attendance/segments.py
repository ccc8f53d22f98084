"""The reads and writes of a segment rebuild (attendance.services.participants_apply), each one
statement in SQL of its own. A batch in a 9:00 rush is usually a single join; built by the
ORM, its statements cost the worker more than PostgreSQL's work for them (docs/benchmarks.md,
"The rush by worker layout"). Tables and columns are the models' own; values are parameters."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection

from attendance.models import ParticipantEvent, ParticipantSession
from meetings.models import Meeting
from tenants.accounts.models import User

_EVENTS = ParticipantEvent._meta.db_table
_SESSIONS = ParticipantSession._meta.db_table
_MEETINGS = Meeting._meta.db_table
_USERS = User._meta.db_table
_USER_FIELDS = ("id", "email", "name", "role", "is_active")


class Fact(NamedTuple):
    """What a segment rebuild reads of a kept join or leave."""

    participant_key: str
    kind: str
    at: datetime
    name: str
    email: str
    registrant_id: str
    zoom_participant_id: str
    ip_hash: str
    leave_reason: str


class Previous(NamedTuple):
    """A participant's first segment as it was before the rebuild (who they were found to be)."""

    participant_key: str
    user: User | None
    role: str
    name: str
    email: str
    registrant_id: str
    zoom_participant_id: str
    matched_by: str
    verified: bool
    not_user_id: int | None
    guest_id: int | None

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None


_FACT_COLUMNS = ", ".join(Fact._fields)
_EVENT_FIELDS = [f for f in ParticipantEvent._meta.concrete_fields if not f.primary_key]
_SESSION_FIELDS = [f for f in ParticipantSession._meta.concrete_fields if not f.primary_key]


def _rows(count: int, width: int) -> str:
    return ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * count)


def facts_keep_and_read(
    *, meeting_id: int, facts: list[ParticipantEvent], keys: list[str]
) -> dict[str, list[Fact]]:
    """Keep `facts` (one already kept, a redelivery under another dedupe key, is skipped) and
    read every fact of the participants `keys`, in time order, joins before leaves at the same
    instant: one statement (the new rows come from RETURNING: the statement's snapshot does
    not see them)."""
    read = (
        f"SELECT {_FACT_COLUMNS} FROM {_EVENTS}"  # noqa: S608 - our tables
        " WHERE meeting_id = %s AND participant_key = ANY(%s)"
    )
    params: list[Any] = []
    sql = read
    if facts:
        columns = ", ".join(str(f.column) for f in _EVENT_FIELDS)
        sql = (
            f"WITH kept AS (INSERT INTO {_EVENTS} ({columns})"  # noqa: S608 - our tables
            f" VALUES {_rows(len(facts), len(_EVENT_FIELDS))} ON CONFLICT DO NOTHING"
            f" RETURNING {_FACT_COLUMNS}) {read} UNION ALL SELECT {_FACT_COLUMNS} FROM kept"
        )
        params += [getattr(fact, f.attname) for fact in facts for f in _EVENT_FIELDS]
    params += [meeting_id, keys]
    found: dict[str, list[Fact]] = {key: [] for key in keys}
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY at, kind", params)
        for row in cursor.fetchall():
            found[row[0]].append(Fact(*row))
    return found


def sessions_previous(*, meeting_id: int, keys: list[str]) -> dict[str, Previous]:
    """Each participant's first segment (by when it began), with its user."""
    columns = ", ".join(f"s.{name}" for name in Previous._fields if name != "user")
    users = ", ".join(f"u.{name}" for name in _USER_FIELDS)
    sql = (
        f"SELECT {columns}, {users} FROM {_SESSIONS} s"  # noqa: S608 - our tables
        f" LEFT JOIN {_USERS} u ON u.id = s.user_id"
        " WHERE s.meeting_id = %s AND s.participant_key = ANY(%s) ORDER BY s.joined_at, s.id"
    )
    previous: dict[str, Previous] = {}
    db = connection.alias
    with connection.cursor() as cursor:
        cursor.execute(sql, [meeting_id, keys])
        for row in cursor.fetchall():
            if row[0] in previous:
                continue
            own, user = row[: len(Previous._fields) - 1], row[len(Previous._fields) - 1 :]
            person = User.from_db(db, _USER_FIELDS, user) if user[0] is not None else None
            previous[row[0]] = Previous(own[0], person, *own[1:])
    return previous


def sessions_replace(
    *, meeting_id: int, keys: list[str], sessions: list[ParticipantSession]
) -> None:
    """The segments of the participants `keys` replaced by `sessions` (their ids set), in one
    statement. Nothing refers to a session, and Django's delete would SELECT first
    (django-tenants listens to every post_delete)."""
    delete = f"DELETE FROM {_SESSIONS} WHERE meeting_id = %s AND participant_key = ANY(%s)"  # noqa: S608 - our tables
    with connection.cursor() as cursor:
        if not sessions:
            cursor.execute(delete, [meeting_id, keys])
            return
        columns = ", ".join(str(f.column) for f in _SESSION_FIELDS)
        sql = (
            f"WITH gone AS ({delete}) INSERT INTO {_SESSIONS} ({columns})"  # noqa: S608 - our tables
            f" VALUES {_rows(len(sessions), len(_SESSION_FIELDS))} RETURNING id"
        )
        params: list[Any] = [meeting_id, keys]
        params += [getattr(s, f.attname) for s in sessions for f in _SESSION_FIELDS]
        cursor.execute(sql, params)
        for session, (pk,) in zip(sessions, cursor.fetchall(), strict=True):
            session.pk = pk
            session._state.adding = False


def room_now(*, meeting_id: int) -> tuple[str, int]:
    """The meeting's status and the people in its room (attendance.selectors.live_count: with
    an open segment, nobody once it ended), in one statement."""
    sql = (
        f"SELECT m.status, (SELECT count(DISTINCT s.participant_key) FROM {_SESSIONS} s"  # noqa: S608 - our tables
        " WHERE s.meeting_id = m.id AND s.left_at IS NULL AND s.joined_at IS NOT NULL)"
        f" FROM {_MEETINGS} m WHERE m.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [meeting_id])
        status, count = cursor.fetchone()
    return status, 0 if status == Meeting.Status.ENDED else count


def verified_elsewhere(
    *, meeting_id: int, user_ids: set[int], keys: list[str]
) -> list[tuple[int, bool]]:
    """(user id, verified) of the meeting's other participants (not `keys`) matched to these
    users."""
    sql = (
        f"SELECT DISTINCT user_id, verified FROM {_SESSIONS}"  # noqa: S608 - our tables
        " WHERE meeting_id = %s AND user_id = ANY(%s) AND NOT (participant_key = ANY(%s))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [meeting_id, list(user_ids), keys])
        return [(user_id, verified) for user_id, verified in cursor.fetchall()]
