"""Subject kind "u": a person of the school with an account."""

from __future__ import annotations

from meetings.joining.links import SubjectKind
from meetings.joining.selectors import may_join
from meetings.joining.subjects import JoinSubject
from meetings.models import Meeting
from meetings.services.registrants import registrant_join_url
from tenants.accounts.models import User
from tenants.selectors import person_timezone

KIND: SubjectKind = "u"


class UserSubjects:
    def load(self, *, pk: int, meeting: Meeting) -> JoinSubject | None:
        user = User.objects.filter(pk=pk, is_active=True).first()
        if user is None:
            return None
        return JoinSubject(
            kind=KIND,
            pk=user.pk,
            label=user.email,
            # Theirs, else the school's default; an unknown name: the pages use the meeting's.
            timezone=person_timezone(user=user),
            user=user,
        )

    def refusal(self, *, subject: JoinSubject, meeting: Meeting) -> str | None:
        return None if may_join(user=subject.user, meeting=meeting) else "not_allowed"

    def zoom_join_url(self, *, subject: JoinSubject, meeting: Meeting) -> str:
        assert subject.user is not None  # loaded above: kind "u" always has its user
        return registrant_join_url(meeting=meeting, user=subject.user)
