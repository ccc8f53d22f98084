"""Writes of classes, enrolments and parent links. A change made by a person (`actor`) is
audited; without one it is the platform's own (the demo seed, fixtures).

Role integrity lives here, and every way in (the school's Django admin, GraphQL, the import)
goes through it: only teachers teach a class, only students are enrolled, only parents are
linked, and only to a student. A person's role cannot change while one of those parts holds
(`role_change_check`): what to undo is named, nothing is undone behind the admin's back."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tenants.accounts.models import Role, User
from tenants.audit.services import audit_record
from tenants.school.models import Enrolment, ParentLink, SchoolClass
from tenants.text import text_problem, text_validate


class RoleMismatch(ValueError):
    """A user was given a part their role does not allow (a parent enrolled, say)."""


def _require_role(user: User, role: Role, what: str) -> None:
    if user.role != role:
        raise RoleMismatch(f"{user.email} is a {user.get_role_display().lower()}, not a {what}")


def teachers_check(*, teachers: Iterable[User]) -> None:
    """RoleMismatch unless every one of them is a teacher (forms call this in their clean)."""
    for teacher in teachers:
        _require_role(teacher, Role.TEACHER, "teacher")


def students_check(*, students: Iterable[User]) -> None:
    for student in students:
        _require_role(student, Role.STUDENT, "student")


def parent_link_check(*, parent: User, student: User) -> None:
    _require_role(parent, Role.PARENT, "parent")
    _require_role(student, Role.STUDENT, "student")


def role_change_check(*, user: User, role: int) -> None:
    """RoleMismatch if `user` may not become `role` because of a part their current role holds:
    the classes they teach, the classes they are enrolled in, the children they are linked to,
    the parents linked to them. The message names what to undo first. Refused rather than
    undone: taking a teacher off their classes or a student out of theirs cancels Zoom
    registrations and invitations, which the admin should decide one by one."""
    if user.pk is None or role == user.role:
        return
    stored = User.objects.filter(pk=user.pk).values_list("role", flat=True).first()
    if stored is None or stored == role:
        return
    holds: list[str] = []
    taught = list(SchoolClass.objects.filter(teachers=user).values_list("name", flat=True)[:6])
    if taught:
        holds.append("teaches " + _names(taught))
    enrolled = list(
        SchoolClass.objects.filter(enrolment__student=user).values_list("name", flat=True)[:6]
    )
    if enrolled:
        holds.append("is enrolled in " + _names(enrolled))
    children = list(
        ParentLink.objects.filter(parent=user).values_list("student__email", flat=True)[:6]
    )
    if children:
        holds.append("is the parent of " + _names(children))
    parents = list(
        ParentLink.objects.filter(student=user).values_list("parent__email", flat=True)[:6]
    )
    if parents:
        holds.append("has parents linked (" + _names(parents) + ")")
    if holds:
        new = Role(role).label.lower()
        raise RoleMismatch(
            f"{user.email} {'; '.join(holds)}. Undo that first, then make them a {new}."
        )


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:5])
    return shown + (", …" if len(names) > 5 else "")


def class_name_check(*, name: str, school_class: SchoolClass | None = None) -> str:
    """The name, trimmed; a ValidationError of `name` if it is empty, too long, or another
    class's (ignoring case and spaces around: the import finds classes by name)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": ValidationError("A class needs a name.", code="required")})
    text_validate(SchoolClass, name=name)
    others = SchoolClass.objects.filter(name__iexact=name)
    if school_class is not None:
        others = others.exclude(pk=school_class.pk)
    if others.exists():
        raise _name_taken(name)
    return name


def _name_taken(name: str) -> ValidationError:
    message = f"Another class is named “{name}”: choose another name."
    return ValidationError({"name": ValidationError(message, code="duplicate")})


DESCRIPTION_MAX = 2000


def _description_check(description: str | None) -> None:
    problem = None if description is None else text_problem(description, max_length=DESCRIPTION_MAX)
    if problem is not None:
        raise ValidationError({"description": problem})


def class_create(
    *,
    name: str,
    teachers: list[User],
    description: str = "",
    actor: User | None = None,
    ip: str | None = None,
) -> SchoolClass:
    teachers_check(teachers=teachers)
    name = class_name_check(name=name)
    _description_check(description)
    # One transaction: a class is not left without its teachers or its audit entry. The
    # database's constraint decides a race between two admins choosing the same name.
    with transaction.atomic():
        try:
            with transaction.atomic():
                school_class = SchoolClass.objects.create(name=name, description=description)
        except IntegrityError:
            raise _name_taken(name) from None
        school_class.teachers.set(teachers)
        if actor is not None:
            audit_record(
                actor=actor,
                action="class.created",
                target=school_class,
                ip=ip,
                details={"name": name, "teachers": [t.email for t in teachers]},
            )
    return school_class


def class_update(
    *,
    school_class: SchoolClass,
    name: str,
    description: str | None = None,
    actor: User,
    ip: str | None = None,
) -> SchoolClass:
    """Rename a class (and change its description, if given). Audited."""
    name = class_name_check(name=name, school_class=school_class)
    _description_check(description)
    before = school_class.name
    school_class.name = name
    fields = ["name"]
    if description is not None:
        school_class.description = description
        fields.append("description")
    with transaction.atomic():
        try:
            with transaction.atomic():
                school_class.save(update_fields=fields)
        except IntegrityError:
            raise _name_taken(name) from None
        audit_record(
            actor=actor,
            action="class.updated",
            target=school_class,
            ip=ip,
            details={"name": name, "before": before},
        )
    return school_class


def class_teachers_set(
    *,
    school_class: SchoolClass,
    teachers: Iterable[User],
    actor: User | None = None,
    ip: str | None = None,
) -> None:
    """Who teaches the class, replacing who did (the admin's class form saves through this)."""
    teachers = list(teachers)
    teachers_check(teachers=teachers)
    school_class.teachers.set(teachers)
    if actor is not None:
        audit_record(
            actor=actor,
            action="class.teachers_set",
            target=school_class,
            ip=ip,
            details={"teachers": [t.email for t in teachers]},
        )


def class_enrol(
    *,
    school_class: SchoolClass,
    students: list[User],
    actor: User | None = None,
    ip: str | None = None,
) -> int:
    """Enrol students; already-enrolled ones are left as they are. Returns how many were new."""
    students_check(students=students)
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
    parent_link_check(parent=parent, student=student)
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
