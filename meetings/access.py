"""Who may manage what. Every write service checks through here; it fails closed."""

from django.core.exceptions import PermissionDenied

from meetings.models import Meeting
from tenants.accounts.models import Role


def can_manage_class(user, school_class) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.TEACHER:
        return False
    if school_class is None:
        return True  # a teacher's personal meeting
    return school_class.teachers.filter(pk=user.pk).exists()


def access_class_for_manage(user, school_class) -> None:
    if not can_manage_class(user, school_class):
        raise PermissionDenied("Only the class's teachers and school admins can do that.")


def access_meeting_for_manage(user, meeting: Meeting) -> Meeting:
    """Hosts manage their meetings, teachers of the class too, admins all."""
    if user and user.is_authenticated and user.is_active:
        if user.role == Role.ADMIN or meeting.host_id == user.pk:
            return meeting
        if meeting.school_class_id and can_manage_class(user, meeting.school_class):
            return meeting
    raise PermissionDenied("Only the host, the class's teachers and school admins can do that.")


def access_admin(user) -> None:
    if not (user and user.is_authenticated and user.is_active and user.role == Role.ADMIN):
        raise PermissionDenied("Only school admins can do that.")
