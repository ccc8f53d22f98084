"""Who may see and do what with classes, meetings and registrants: the one place every query,
page, feed, consumer and GraphQL resolver goes through (seed 002's row-level policies).
Everything fails closed: no user, an inactive user or an unknown role sees nothing.

Meetings are visible to: admins (all); their host; the class's teachers (any audience); and by
audience — all: everyone; students: every student; teachers: every teacher; class: the
class's enrolled students, its teachers and the parents of enrolled students; personal: the
invitees. Registrants: their owner, and those who manage the meeting (`registrant_visible`,
applied to prefetched rows).

One meeting or class for one user goes through `access_meeting` / `access_class` (or their
`_or_none` forms): "missing" and "not yours" are the same `NotFound`, so a guessed id learns
nothing. Its message is safe to show ("No such meeting."): GraphQL shows it, pages answer 404.
Attendance records have their own rules in `attendance.policy`, built on these.
"""

from collections.abc import Callable
from typing import Any, Literal

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Q, QuerySet

from meetings.guests.models import Guest
from meetings.models import SCHOOL_WIDE_AUDIENCES, Meeting, MeetingSeries, TargetAudience
from meetings.selectors import scheduling_policy
from tenants.accounts.models import Role, User
from tenants.ids import pk_or_none
from tenants.school.models import SchoolClass

Access = Literal["read", "manage"]


class NotFound(ObjectDoesNotExist):
    """Nothing by that id for this user: missing, or not theirs (the same answer)."""

    def __init__(self, what: str):
        self.what = what
        super().__init__(f"No such {what}.")


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def meetings_visible(user) -> QuerySet[Meeting]:
    if not _active(user) or user.role not in Role.values:
        return Meeting.objects.none()
    if user.role == Role.ADMIN:
        return Meeting.objects.all()
    rule = (
        Q(host=user)
        | Q(target_audience=TargetAudience.ALL)
        | Q(target_audience=TargetAudience.PERSONAL, invitees=user)
    )
    if user.role == Role.TEACHER:
        rule |= Q(school_class__teachers=user) | Q(target_audience=TargetAudience.TEACHERS)
    elif user.role == Role.STUDENT:
        rule |= Q(target_audience=TargetAudience.STUDENTS)
        rule |= Q(target_audience=TargetAudience.CLASS, school_class__students=user)
    elif user.role == Role.PARENT:
        rule |= Q(
            target_audience=TargetAudience.CLASS,
            school_class__students__parent_links__parent=user,
        )
    # Joins through many-to-many relations repeat rows: select by id instead.
    return Meeting.objects.filter(pk__in=Meeting.objects.filter(rule).values("pk"))


def classes_visible(user) -> QuerySet[SchoolClass]:
    """Admins all; teachers the classes they teach; students theirs; parents their
    children's."""
    if not _active(user):
        return SchoolClass.objects.none()
    if user.role == Role.ADMIN:
        return SchoolClass.objects.all()
    if user.role == Role.TEACHER:
        rule = Q(teachers=user)
    elif user.role == Role.STUDENT:
        rule = Q(students=user)
    elif user.role == Role.PARENT:
        rule = Q(students__parent_links__parent=user)
    else:
        return SchoolClass.objects.none()
    return SchoolClass.objects.filter(pk__in=SchoolClass.objects.filter(rule).values("pk"))


def children_of(user) -> QuerySet[User]:
    """A parent's linked children who are active students, by name; nobody for others."""
    if not _active(user) or user.role != Role.PARENT:
        return User.objects.none()
    return (
        User.objects.filter(parent_links__parent=user, is_active=True, role=Role.STUDENT)
        .distinct()
        .order_by("name", "email", "pk")
    )


def class_students_visible(user, school_class: SchoolClass) -> QuerySet[User]:
    """The class list: whole for its teachers and admins; students see themselves, parents
    their children."""
    students = school_class.students.all()
    if not _active(user):
        return students.none()
    if can_manage_class(user, school_class):
        return students
    if user.role == Role.STUDENT:
        return students.filter(pk=user.pk)
    if user.role == Role.PARENT:
        return students.filter(parent_links__parent=user)
    return students.none()


def can_manage_meeting(user, meeting: Meeting) -> bool:
    if not _active(user):
        return False
    if user.role == Role.ADMIN or meeting.host_id == user.pk:
        return True
    return bool(meeting.school_class_id) and can_manage_class(user, meeting.school_class)


def can_manage_class(user, school_class) -> bool:
    if not _active(user):
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.TEACHER:
        return False
    if school_class is None:
        return True  # a teacher's personal meeting
    if "teachers" in getattr(school_class, "_prefetched_objects_cache", {}):
        return any(t.pk == user.pk for t in school_class.teachers.all())  # lists: no query
    return school_class.teachers.filter(pk=user.pk).exists()


def access_class_for_manage(user, school_class) -> None:
    if not can_manage_class(user, school_class):
        raise PermissionDenied("Only the class's teachers and school admins can do that.")


def access_meeting_for_manage(user, meeting: Meeting) -> Meeting:
    """Hosts manage their meetings, teachers of the class too, admins all."""
    if can_manage_meeting(user, meeting):
        return meeting
    raise PermissionDenied("Only the host, the class's teachers and school admins can do that.")


def can_address(user, audience: str) -> bool:
    """Who may publish a class to `audience`: the whole school, all students or all teachers
    are admins' unless the school lets teachers (`SchedulingPolicy`); the other audiences are
    anyone's who may schedule at all."""
    if not _active(user):
        return False
    if audience not in SCHOOL_WIDE_AUDIENCES or user.role == Role.ADMIN:
        return True
    return user.role == Role.TEACHER and scheduling_policy().teachers_may_address_school


def access_audience(user, audience: str) -> None:
    if not can_address(user, audience):
        label = TargetAudience(audience).label.lower()
        raise PermissionDenied(f"Only school admins can publish a class to {label}.")


def access_admin(user) -> None:
    if not (user and user.is_authenticated and user.is_active and user.role == Role.ADMIN):
        raise PermissionDenied("Only school admins can do that.")


def _check_access(to: Access) -> None:
    if to not in ("read", "manage"):
        raise ValueError(f"access is 'read' or 'manage', not {to!r}")


def _access(rows: QuerySet[Any], pk_value: object, manages: Callable[[Any], bool] | None) -> Any:
    """The row `pk_value` of `rows` (what the user may see), and, when `manages` is given, only
    if they manage it; None otherwise, garbage ids included (tenants.ids)."""
    pk = pk_or_none(pk_value)
    row = rows.filter(pk=pk).first() if pk is not None else None
    return row if row is not None and (manages is None or manages(row)) else None


def access_meeting_or_none(user, meeting_id, *, to: Access = "read") -> Meeting | None:
    """The meeting `meeting_id` if `user` may see it (`to="read"`) or manage it
    (`to="manage"`: host, the class's teachers, admins); None otherwise."""
    _check_access(to)
    rows = meetings_visible(user).select_related("school_class", "host")
    manages = (lambda m: can_manage_meeting(user, m)) if to == "manage" else None
    return _access(rows, meeting_id, manages)


def access_meeting(user, meeting_id, *, to: Access = "read") -> Meeting:
    meeting = access_meeting_or_none(user, meeting_id, to=to)
    if meeting is None:
        raise NotFound("meeting")
    return meeting


def access_class_or_none(user, class_id, *, to: Access = "read") -> SchoolClass | None:
    """The class `class_id` if `user` may see it (`classes_visible`) or manage it."""
    _check_access(to)
    manages = (lambda c: can_manage_class(user, c)) if to == "manage" else None
    return _access(classes_visible(user), class_id, manages)


def access_class(user, class_id, *, to: Access = "read") -> SchoolClass:
    school_class = access_class_or_none(user, class_id, to=to)
    if school_class is None:
        raise NotFound("class")
    return school_class


def registrant_visible(user, registrant, *, manages: bool) -> bool:
    """A registration is seen by its owner and by those who manage the meeting (`manages`,
    computed once per meeting by the caller)."""
    return manages or registrant.user_id == getattr(user, "pk", None)


def can_manage_series(user, series: MeetingSeries) -> bool:
    """As `can_manage_meeting`, for a whole series: its host, its class's teachers, admins."""
    if not _active(user):
        return False
    if user.role == Role.ADMIN or series.host_id == user.pk:
        return True
    return bool(series.school_class_id) and can_manage_class(user, series.school_class)


def can_manage_guest(user, guest: Guest) -> bool:
    """A guest is managed by whoever manages their meeting, or their series."""
    if guest.meeting is not None:
        return can_manage_meeting(user, guest.meeting)
    return guest.series is not None and can_manage_series(user, guest.series)


def access_guest(user, guest_id) -> Guest:
    """The guest `guest_id` if `user` manages their meeting or series; `NotFound` otherwise
    (garbage ids, another school's ids and other people's guests alike)."""
    if not _active(user) or user.role not in (Role.ADMIN, Role.TEACHER):
        raise NotFound("guest")
    rows = Guest.objects.select_related("meeting__school_class", "series__school_class")
    guest = _access(rows, guest_id, lambda g: can_manage_guest(user, g))
    if guest is None:
        raise NotFound("guest")
    return guest
