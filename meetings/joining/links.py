"""Personal join links: `/join/<token>/` on the school's host.

A token names a meeting and a subject (a person with an account, kind "u", or a guest, kind
"g") and carries an HMAC over the school's schema, the meeting and the subject, keyed by the
deployment secret (Django's SECRET_KEY; SECRET_KEY_FALLBACKS still verify during a rotation).
So a link is derived, never stored: it can be shown again, and any change to it, or the same
token on another school's host, fails the check.

    <meeting id>.<kind><subject id>.<mac>      e.g.  4182.u77.Qm9vL2Jhcl9iYXpxdXV4eXo
"""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from django.conf import settings
from django.utils.crypto import salted_hmac

from tenants.connection import tenant_connection

if TYPE_CHECKING:
    from meetings.guests.models import Guest
    from meetings.models import Meeting
    from tenants.accounts.models import User

SubjectKind = Literal["u", "g"]
SUBJECT_KINDS: tuple[SubjectKind, ...] = ("u", "g")
SALT = "liveroll.meetings.joining.link.v1"
MAC_LENGTH = 22  # base64url characters: 132 bits
JOIN_PATH = "/join/{token}/"
# Ids are bounded so that a garbage token is "not found" and never an overflow.
TOKEN_PATTERN = re.compile(rf"^(\d{{1,18}})\.([ug])(\d{{1,18}})\.([A-Za-z0-9_-]{{{MAC_LENGTH}}})$")


@dataclass(frozen=True)
class JoinToken:
    """What a valid token names, in the current school."""

    meeting_id: int
    kind: SubjectKind
    subject_id: int

    @property
    def subject_key(self) -> str:
        return f"{self.kind}{self.subject_id}"


def _mac(*, schema: str, meeting_id: int, kind: str, subject_id: int, secret: str) -> str:
    value = f"{schema}|{meeting_id}|{kind}|{subject_id}"
    digest = salted_hmac(SALT, value, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:MAC_LENGTH]


def join_token_make(*, meeting_id: int, kind: SubjectKind, subject_id: int) -> str:
    """The token of `kind`/`subject_id` for `meeting_id` in the current school's schema."""
    if kind not in SUBJECT_KINDS:
        raise ValueError(f"unknown join subject kind {kind!r}")
    schema = tenant_connection().schema_name
    mac = _mac(
        schema=schema,
        meeting_id=meeting_id,
        kind=kind,
        subject_id=subject_id,
        secret=settings.SECRET_KEY,
    )
    return f"{meeting_id}.{kind}{subject_id}.{mac}"


def join_token_read(token: str) -> JoinToken | None:
    """What `token` names if it is one of this school's, unaltered; None for anything else
    (garbage, altered, made for another school or under a retired secret)."""
    match = TOKEN_PATTERN.match(token or "")
    if match is None:
        return None
    meeting_id, kind, subject_id = int(match[1]), match[2], int(match[3])
    schema = tenant_connection().schema_name
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        expected = _mac(
            schema=schema, meeting_id=meeting_id, kind=kind, subject_id=subject_id, secret=secret
        )
        if hmac.compare_digest(expected, match[4]):
            return JoinToken(meeting_id=meeting_id, kind=kind, subject_id=subject_id)  # type: ignore[arg-type]
    return None


def school_origin() -> str:
    """`scheme://host[:port]` of the school whose schema is in use."""
    from tenants.models import Organisation
    from tenants.services import tenant_url

    tenant = getattr(tenant_connection(), "tenant", None)
    slug = getattr(tenant, "slug", None)
    if not slug:  # schema_context() sets a stand-in tenant without the row's fields
        slug = Organisation.objects.values_list("slug", flat=True).get(
            schema_name=tenant_connection().schema_name
        )
    return tenant_url(str(slug), "").rstrip("/")


def join_path(*, meeting_id: int, kind: SubjectKind, subject_id: int) -> str:
    token = join_token_make(meeting_id=meeting_id, kind=kind, subject_id=subject_id)
    return JOIN_PATH.format(token=token)


def join_url_for(*, meeting: Meeting, user: User, origin: str | None = None) -> str:
    """`user`'s personal link to `meeting`, absolute on the school's host. Whether they may
    join is `meetings.joining.selectors.may_join`'s question, asked again when it is opened.
    `origin` saves a lookup when building many links at once (`school_origin()`)."""
    path = join_path(meeting_id=meeting.pk, kind="u", subject_id=user.pk)
    return f"{origin or school_origin()}{path}"


def join_urls_for(*, user: User, meetings: Sequence[Meeting]) -> dict[int, str]:
    """`user`'s links to those of `meetings` they may join (by meeting id), for a list, a feed
    or a batch of mails: a fixed number of queries however many meetings."""
    from meetings.joining.selectors import meetings_joinable

    joinable = meetings_joinable(user=user, meetings=meetings)
    if not joinable:
        return {}
    origin = school_origin()
    return {
        m.pk: join_url_for(meeting=m, user=user, origin=origin)
        for m in meetings
        if m.pk in joinable
    }


def join_url_for_guest(
    *, guest: Guest, meeting: Meeting | None = None, origin: str | None = None
) -> str:
    """A guest's personal link (subject kind "g"), absolute on the school's host: to their
    meeting, or for a guest of a whole series to `meeting`, one of its sessions (by default the
    next one still to come). The route asks the guests app whether the guest may join."""
    if meeting is None:
        from meetings.guests.selectors import guest_next_meeting

        meeting = guest_next_meeting(guest)
    path = join_path(meeting_id=meeting.pk, kind="g", subject_id=guest.pk)
    return f"{origin or school_origin()}{path}"
