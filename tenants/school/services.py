from tenants.accounts.models import Role, User
from tenants.school.models import Enrolment, ParentLink, SchoolClass


class RoleMismatch(ValueError):
    """A user was given a part their role does not allow (a parent enrolled, say)."""


def _require_role(user: User, role: Role, what: str) -> None:
    if user.role != role:
        raise RoleMismatch(f"{user.email} is a {user.get_role_display().lower()}, not a {what}")


def class_create(*, name: str, teachers: list[User], description: str = "") -> SchoolClass:
    for teacher in teachers:
        _require_role(teacher, Role.TEACHER, "teacher")
    school_class = SchoolClass.objects.create(name=name, description=description)
    school_class.teachers.set(teachers)
    return school_class


def class_enrol(*, school_class: SchoolClass, students: list[User]) -> int:
    """Enrol students; already-enrolled ones are left as they are. Returns how many were new."""
    for student in students:
        _require_role(student, Role.STUDENT, "student")
    before = Enrolment.objects.filter(school_class=school_class).count()
    Enrolment.objects.bulk_create(
        [Enrolment(school_class=school_class, student=s) for s in students],
        ignore_conflicts=True,
    )
    return Enrolment.objects.filter(school_class=school_class).count() - before


def parent_link(*, parent: User, student: User) -> ParentLink:
    _require_role(parent, Role.PARENT, "parent")
    _require_role(student, Role.STUDENT, "student")
    link, _ = ParentLink.objects.get_or_create(parent=parent, student=student)
    return link
