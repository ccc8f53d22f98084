"""Subject kind "g" of the join route: a guest. No account, so no sign-in: the route's device
rule is all that holds a forwarded link back (the first device that opens it is the only one
it works on). A revoked guest, or a meeting their invitation does not cover, gets a clear
refusal page (audited by the route)."""

from __future__ import annotations

from meetings.guests.models import Guest
from meetings.guests.selectors import guest_invited_to
from meetings.guests.services import guest_registrant_join_url
from meetings.joining.links import SubjectKind
from meetings.joining.subjects import JoinSubject
from meetings.models import Meeting

KIND: SubjectKind = "g"


class GuestSubjects:
    def load(self, *, pk: int, meeting: Meeting) -> JoinSubject | None:
        guest = Guest.objects.filter(pk=pk).first()
        if guest is None:
            return None
        # A revoked guest still loads: the refusal then says so ("guest_revoked").
        return JoinSubject(kind=KIND, pk=guest.pk, label=guest.email, timezone="", user=None)

    def refusal(self, *, subject: JoinSubject, meeting: Meeting) -> str | None:
        guest = Guest.objects.filter(pk=subject.pk).first()
        if guest is None:
            return "no_subject"
        if guest.revoked_at is not None:
            return "guest_revoked"
        return None if guest_invited_to(guest, meeting) else "not_allowed"

    def zoom_join_url(self, *, subject: JoinSubject, meeting: Meeting) -> str:
        guest = Guest.objects.get(pk=subject.pk)
        return guest_registrant_join_url(guest=guest, meeting=meeting)
