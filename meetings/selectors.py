from django.db.models import Q, QuerySet

from meetings.models import Meeting, TargetAudience, ZoomConnection
from tenants.accounts.models import Role


def meeting_list_visible(*, user) -> QuerySet[Meeting]:
    """Seed 002's rules: admins all; hosts their own; class meetings to the class's teachers,
    enrolled students and their parents; audiences all/students/teachers; personal meetings to
    invitees. Nothing for anyone else (fails closed)."""
    if not (user and user.is_authenticated and user.is_active):
        return Meeting.objects.none()
    meetings = Meeting.objects.all()
    if user.role == Role.ADMIN:
        return meetings
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
            target_audience__in=[TargetAudience.CLASS, TargetAudience.STUDENTS],
            school_class__students__parent_links__parent=user,
        )
    else:
        return Meeting.objects.none()
    ids = meetings.filter(rule).values("pk")
    return Meeting.objects.filter(pk__in=ids)


def zoom_connection_for(*, user) -> ZoomConnection | None:
    return ZoomConnection.objects.filter(user=user).first()
