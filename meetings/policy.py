"""Who may see and do what with classes, meetings and registrants: the one place every query,
page, feed, consumer and GraphQL resolver goes through (seed 002's row-level policies).
Everything fails closed: no user, an inactive user or an unknown role sees nothing.

Meetings are visible to: admins (all); their host; the class's teachers (any audience); and by
audience — all: everyone; students: every student; teachers: every teacher; class: the
class's enrolled students, its teachers and the parents of enrolled students; personal: the
invitees. Registrants: their owner, and those who manage the meeting (graphql_api.build
filters the prefetched rows by this rule).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from meetings.models import Meeting, TargetAudience
from tenants.accounts.models import Role, User
from tenants.school.models import SchoolClass


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


def access_admin(user) -> None:
    if not (user and user.is_authenticated and user.is_active and user.role == Role.ADMIN):
        raise PermissionDenied("Only school admins can do that.")
