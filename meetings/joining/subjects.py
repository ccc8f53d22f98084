"""Who a join token names, by kind: "u" (a person with an account, here) and "g" (a guest,
registered by the app that owns guests through `subject_kind_register`). The join route asks
the kind's resolver to load the subject, to say whether it may join, and for its Zoom link;
everything else (token, device, window, throttling, audit) is the route's and the same for
every kind. A kind nobody registered resolves to nothing: its tokens are "not found"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from meetings.joining.links import SubjectKind

if TYPE_CHECKING:
    from meetings.models import Meeting
    from tenants.accounts.models import User


@dataclass(frozen=True)
class JoinSubject:
    kind: SubjectKind
    pk: int
    label: str  # who, for the audit log (an email)
    timezone: str  # IANA name the join pages show times in ("" : the meeting's)
    user: User | None = None  # the account behind the subject, if it has one (it may sign in)


class SubjectResolver(Protocol):
    def load(self, *, pk: int, meeting: Meeting) -> JoinSubject | None:
        """The subject `pk` if it exists (and is not disabled); None otherwise."""
        ...

    def refusal(self, *, subject: JoinSubject, meeting: Meeting) -> str | None:
        """Why `subject` may not join `meeting` now (a reason code of
        `meetings.joining.services.Reason`), or None when it may."""
        ...

    def zoom_join_url(self, *, subject: JoinSubject, meeting: Meeting) -> str:
        """The subject's own Zoom link for `meeting`, registering it at Zoom if that was not
        done yet. Raises `meetings.providers.base.MeetingProviderError` when Zoom fails, or
        `meetings.joining.subjects.RegistrationCancelled` for a cancelled registration."""
        ...


class RegistrationCancelled(Exception):
    """The subject's registration at Zoom was cancelled: it may not join."""


_RESOLVERS: dict[str, SubjectResolver] = {}


def subject_kind_register(kind: SubjectKind, resolver: SubjectResolver) -> None:
    """Make tokens of `kind` resolvable (called from an AppConfig.ready)."""
    _RESOLVERS[kind] = resolver


def subject_resolver(kind: str) -> SubjectResolver | None:
    return _RESOLVERS.get(kind)


def register_user_kind() -> None:
    from meetings.joining.users import UserSubjects

    subject_kind_register("u", UserSubjects())
