"""Writes of classes, enrolments and parent links. A change made by a person (`actor`) is
audited; without one it is the platform's own (the demo seed, fixtures)."""

from tenants.accounts.models import Role, User
from tenants.audit.services import audit_record
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


def class_enrol(
    *,
    school_class: SchoolClass,
    students: list[User],
    actor: User | None = None,
    ip: str | None = None,
) -> int:
    """Enrol students; already-enrolled ones are left as they are. Returns how many were new."""
    for student in students:
        _require_role(student, Role.STUDENT, "student")
    before = Enrolment.objects.filter(school_class=school_class).count()
    Enrolment.objects.bulk_create(
        [Enrolment(school_class=school_class, student=s) for s in students],
        ignore_conflicts=True,
    )
    added = Enrolment.objects.filter(school_class=school_class).count() - before
    if actor is not None:
        audit_record(
            actor=actor,
            action="class.enrolled",
            target=school_class,
            ip=ip,
            details={"students": [s.email for s in students], "new": added},
        )
    return added


def class_unenrol(
    *, school_class_id: int, student_id: int, actor: User, ip: str | None = None
) -> bool:
    """Take a student out of a class. False if they were not in it."""
    deleted, _ = Enrolment.objects.filter(
        school_class_id=school_class_id, student_id=student_id
    ).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="class.unenrolled",
            target_type="school.schoolclass",
            target_id=school_class_id,
            ip=ip,
            details={"student": student_id},
        )
    return bool(deleted)


def parent_link(
    *, parent: User, student: User, actor: User | None = None, ip: str | None = None
) -> ParentLink:
    _require_role(parent, Role.PARENT, "parent")
    _require_role(student, Role.STUDENT, "student")
    link, _ = ParentLink.objects.get_or_create(parent=parent, student=student)
    if actor is not None:
        audit_record(
            actor=actor,
            action="parent.linked",
            target=student,
            ip=ip,
            details={"parent": parent.email},
        )
    return link


def _require_roles(user_ids: set[int], role: Role, what: str) -> None:
    """The set-based form of `_require_role`: one query for many people."""
    wrong = User.objects.filter(id__in=user_ids).exclude(role=role).first()
    if wrong is not None:
        _require_role(wrong, role, what)


def enrolments_add(*, pairs: list[tuple[int, int]]) -> None:
    """Enrol many (class id, student id) pairs at once (the import); existing ones are kept."""
    _require_roles({student for _, student in pairs}, Role.STUDENT, "student")
    Enrolment.objects.bulk_create(
        [Enrolment(school_class_id=c, student_id=s) for c, s in pairs], ignore_conflicts=True
    )


def class_teachers_add(*, pairs: list[tuple[int, int]]) -> None:
    """Make many (class id, teacher id) pairs at once (the import); existing ones are kept."""
    _require_roles({teacher for _, teacher in pairs}, Role.TEACHER, "teacher")
    through = SchoolClass.teachers.through
    through.objects.bulk_create(
        [through(schoolclass_id=c, user_id=t) for c, t in pairs], ignore_conflicts=True
    )


def parent_links_add(*, pairs: list[tuple[int, int]]) -> None:
    """Link many (parent id, student id) pairs at once (the import); existing ones are kept."""
    _require_roles({parent for parent, _ in pairs}, Role.PARENT, "parent")
    _require_roles({student for _, student in pairs}, Role.STUDENT, "student")
    ParentLink.objects.bulk_create(
        [ParentLink(parent_id=p, student_id=s) for p, s in pairs], ignore_conflicts=True
    )
