"""Who may see which attendance records, and whose attendance one may ask about.

Decision: these rules stay in attendance, built on `meetings.policy`. Meetings sit below
attendance and may not import it (not even lazily), so the record rules cannot live in
`meetings/policy.py`; everything here starts from the meetings a user may see and adds the
record-level rule. Every caller — the GraphQL resolvers, the Meeting type's `attendance` field
(rows prefetched with the meetings) — goes through these functions.

Records are visible, of meetings the user may see: all of those they manage (host, the
class's teachers, admins); a student their own; a parent their children's. Guests' records
only to those who manage the meeting.
"""

from collections.abc import Collection

from django.db.models import Q, QuerySet

from attendance.models import AttendanceRecord
from meetings.policy import NotFound, meetings_visible
from tenants.accounts.models import Role, User
from tenants.ids import pk_or_none


def records_visible(user: User) -> QuerySet[AttendanceRecord]:
    """Attendance records `user` may read (the query form of `record_visible`)."""
    visible = AttendanceRecord.objects.filter(meeting__in=meetings_visible(user))
    if user.role == Role.ADMIN:
        return visible
    rule = Q(student=user) | Q(student__parent_links__parent=user) | Q(meeting__host=user)
    if user.role == Role.TEACHER:
        rule |= Q(meeting__school_class__teachers=user)
    return visible.filter(pk__in=AttendanceRecord.objects.filter(rule).values("pk"))


def record_visible(user: User, record: AttendanceRecord, *, manages: bool) -> bool:
    """The same rule for one record of a meeting the user sees, on prefetched rows
    (`student__parent_links`): `manages` is `can_manage_meeting` for its meeting."""
    parents = (
        {link.parent_id for link in record.student.parent_links.all()}
        if user.role == Role.PARENT and not manages
        else set()
    )
    return student_record_visible(
        user, student_id=record.student_id, parent_ids=parents, manages=manages
    )


def student_record_visible(
    user: User, *, student_id: int, parent_ids: Collection[int], manages: bool
) -> bool:
    """`record_visible` on plain values, for lists read without model instances:
    `parent_ids` are the record's student's parents (read only when `user` is a parent)."""
    if manages or student_id == user.pk:
        return True
    return user.role == Role.PARENT and user.pk in parent_ids


def guest_record_visible(user: User, *, manages: bool) -> bool:
    """A guest's attendance (GuestAttendance) is seen only by those who manage the meeting:
    never by students or parents."""
    return manages and user.role in (Role.ADMIN, Role.TEACHER)


def access_student_or_none(user: User, student_id: str | int | None) -> User | None:
    """The person whose attendance `user` may ask about: themselves, any for admins, a
    parent's child, a student of a teacher's classes."""
    if student_id is None:
        return user
    pk = pk_or_none(student_id)
    if pk is None:
        return None
    target = User.objects.filter(pk=pk).first()
    allowed = target is not None and (
        target.pk == user.pk
        or user.role == Role.ADMIN
        or (user.role == Role.PARENT and target.parent_links.filter(parent=user).exists())
        or (user.role == Role.TEACHER and target.classes_enrolled.filter(teachers=user).exists())
    )
    return target if allowed else None


def access_student(user: User, student_id: str | int | None) -> User:
    target = access_student_or_none(user, student_id)
    if target is None:
        raise NotFound("student")
    return target
