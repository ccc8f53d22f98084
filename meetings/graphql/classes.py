"""Classes as the app's people screens show them: the roster of one class (its teachers, its
students and their parents) for those who manage it, and the admins' writes of a class (create,
rename, its teachers). Enrolment stays with the meetings mutations (it registers students)."""

from __future__ import annotations

import strawberry
from django.db.models import Prefetch, Q
from strawberry.types import Info

import meetings.graphql.errors  # noqa: F401 - registers meetings' typed errors
from meetings.graphql import types as t
from meetings.policy import access_class_or_none, can_manage_class
from tenants.accounts.models import Role
from tenants.accounts.models import User as UserRow
from tenants.graphql.context import NotAllowed, client_ip, page_limit, require_admin, require_user
from tenants.graphql.errors import FieldError, fail, not_found, typed_errors
from tenants.graphql.types import User, person_from, user_from
from tenants.ids import pk_or_zero
from tenants.school.models import ParentLink, SchoolClass
from tenants.school.services import class_create, class_teachers_set, class_update
from tenants.text import text_problem

MAX_TEACHERS = 50
SEARCH_MAX = 200


def students_counted(rows: list[UserRow]) -> list[UserRow]:
    """The students a class card counts: everyone enrolled who is not deleted (an invited
    student, not yet signed in, counts)."""
    return [s for s in rows if s.deleted_at is None]


def school_class_from(row: SchoolClass, shown: list[User]) -> t.SchoolClass:
    """A class from a row with `teachers` and `students` prefetched; `shown` is the part of its
    list the viewer may see, the count is the whole class's."""
    return t.SchoolClass(
        id=strawberry.ID(str(row.pk)),
        name=row.name,
        description=row.description,
        teachers=[person_from(p) for p in row.teachers.all()],
        students=shown,
        student_count=len(students_counted(list(row.students.all()))),
    )


@strawberry.type(description="A student of a class, with the parents linked to them.")
class RosterStudent:
    person: User
    pending: bool = strawberry.field(
        description="Invited and not signed in yet (their invitation is open)."
    )
    parents: list[User]


@strawberry.type(description="Who is in a class: for its teachers (to read) and admins.")
class ClassRoster:
    id: strawberry.ID
    name: str
    description: str
    teachers: list[User]
    students: list[RosterStudent] = strawberry.field(
        description="A page of its students (by name), those matching `search` if given."
    )
    student_count: int
    matching_count: int = strawberry.field(description="Students matching `search` (all without).")
    can_edit: bool = strawberry.field(description="The viewer may change it (admins).")


def roster_from(
    row: SchoolClass, viewer: UserRow, *, search: str = "", limit: int, offset: int
) -> ClassRoster:
    parents = Prefetch(
        "parent_links",
        queryset=ParentLink.objects.select_related("parent")
        .filter(parent__deleted_at__isnull=True)
        .order_by("parent__name", "parent__email"),
    )
    enrolled = row.students.filter(deleted_at__isnull=True)
    matching = enrolled
    search = search.strip()
    if search:
        matching = enrolled.filter(
            Q(name__icontains=search)
            | Q(email__icontains=search)
            | Q(parent_links__parent__name__icontains=search)
            | Q(parent_links__parent__email__icontains=search)
        ).distinct()
    page = list(
        matching.prefetch_related(parents).order_by("name", "email", "pk")[offset : offset + limit]
    )
    return ClassRoster(
        id=strawberry.ID(str(row.pk)),
        name=row.name,
        description=row.description,
        teachers=[user_from(p) for p in row.teachers.order_by("name", "email", "pk")],
        students=[
            RosterStudent(
                person=user_from(s),
                pending=not s.is_active,
                parents=[user_from(link.parent) for link in s.parent_links.all()],
            )
            for s in page
        ],
        student_count=enrolled.count(),
        matching_count=matching.count() if search else enrolled.count(),
        can_edit=viewer.role == Role.ADMIN,
    )


@strawberry.type
class ClassesQuery:
    @strawberry.field(
        description="One class's teachers, students and their parents: for admins and the "
        "class's own teachers; null for anyone else or an unknown id."
    )
    def class_roster(
        self,
        info: Info,
        id: strawberry.ID,
        search: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> ClassRoster | None:
        user = require_user(info)
        limit = page_limit(limit)
        if search and text_problem(search, max_length=SEARCH_MAX):
            raise NotAllowed(f"search must be plain text of at most {SEARCH_MAX} characters.")
        row = access_class_or_none(user, id, to="manage")
        if row is None or not can_manage_class(user, row):
            return None
        return roster_from(row, user, search=search or "", limit=limit, offset=max(offset, 0))


@strawberry.type
class ClassPayload:
    school_class: t.SchoolClass | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


def _teachers(teacher_ids: list[strawberry.ID]) -> list[UserRow]:
    if len(teacher_ids) > MAX_TEACHERS:
        raise fail(f"At most {MAX_TEACHERS} teachers.", field="teacherIds")
    pks = {pk_or_zero(i) for i in teacher_ids}
    rows = list(UserRow.objects.filter(pk__in=pks, deleted_at__isnull=True))
    if len(rows) != len(pks):
        raise not_found("teacher")
    return rows


def _class_out(pk: int) -> t.SchoolClass:
    row = SchoolClass.objects.prefetch_related("teachers", "students").get(pk=pk)
    return school_class_from(
        row, [user_from(s) for s in students_counted(list(row.students.all()))]
    )


def _admin_class(info: Info, class_id: strawberry.ID) -> tuple[UserRow, SchoolClass]:
    admin = require_admin(info)
    row = access_class_or_none(admin, class_id, to="manage")
    if row is None:
        raise not_found("class")
    return admin, row


@strawberry.type
class ClassesMutation:
    @strawberry.mutation(
        description="Create a class (admins), with its teachers (teachers only). Names are "
        "unique in the school, ignoring case (the CSV import finds classes by name). Audited."
    )
    @typed_errors(ClassPayload)
    def create_class(
        self,
        info: Info,
        name: str,
        description: str = "",
        teacher_ids: list[strawberry.ID] | None = None,
    ) -> ClassPayload:
        admin = require_admin(info)
        row = class_create(
            name=name,
            description=description,
            teachers=_teachers(teacher_ids or []),
            actor=admin,
            ip=client_ip(info),
        )
        return ClassPayload(school_class=_class_out(row.pk))

    @strawberry.mutation(
        description="Rename a class (admins); `description` left out is unchanged. Audited."
    )
    @typed_errors(ClassPayload)
    def update_class(
        self, info: Info, id: strawberry.ID, name: str, description: str | None = None
    ) -> ClassPayload:
        admin, row = _admin_class(info, id)
        class_update(
            school_class=row, name=name, description=description, actor=admin, ip=client_ip(info)
        )
        return ClassPayload(school_class=_class_out(row.pk))

    @strawberry.mutation(
        description="Who teaches a class (admins), replacing who did; teachers only. Audited."
    )
    @typed_errors(ClassPayload)
    def set_class_teachers(
        self, info: Info, class_id: strawberry.ID, teacher_ids: list[strawberry.ID]
    ) -> ClassPayload:
        admin, row = _admin_class(info, class_id)
        class_teachers_set(
            school_class=row, teachers=_teachers(teacher_ids), actor=admin, ip=client_ip(info)
        )
        return ClassPayload(school_class=_class_out(row.pk))
