"""The school's people as its admins manage them (`peopleDirectory`): each person with their
classes, children or parents and whether they have two-factor sign-in, in a fixed number of
queries a page."""

from __future__ import annotations

from datetime import datetime

import strawberry
from django.db.models import Count, Prefetch
from strawberry.types import Info

from tenants.accounts.models import Role as RoleCode
from tenants.accounts.models import TwoFactor
from tenants.accounts.models import User as UserRow
from tenants.graphql import types as t
from tenants.graphql.context import NotAllowed, page_limit, require_admin
from tenants.school.models import ParentLink, SchoolClass
from tenants.school.selectors import people_listed
from tenants.text import text_problem

SEARCH_MAX = 200


@strawberry.type(description="A class by name (what a person teaches or attends).")
class ClassRef:
    id: strawberry.ID
    name: str


@strawberry.type(description="A person of the school as its admins see them.")
class DirectoryPerson:
    person: t.User
    two_factor: bool = strawberry.field(description="They sign in with an authenticator app.")
    classes: list[ClassRef] = strawberry.field(
        description="The classes a teacher teaches or a student attends."
    )
    children: list[t.Person] = strawberry.field(description="A parent's linked children.")
    parents: list[t.Person] = strawberry.field(description="A student's linked parents.")
    pending: bool = strawberry.field(
        description="Made by an invitation or an import and not signed in yet (invitePerson "
        "with their email sends them a link)."
    )
    joined_at: datetime
    last_login: datetime | None


@strawberry.type
class DirectoryPage:
    items: list[DirectoryPerson]
    total_count: int


@strawberry.type(description="How many people the school has, by role, and how many wait.")
class PeopleCounts:
    admins: int
    teachers: int
    students: int
    parents: int
    pending: int = strawberry.field(description="Invited or imported, not signed in yet.")


def _refs(rows: list[SchoolClass]) -> list[ClassRef]:
    return [ClassRef(id=strawberry.ID(str(c.pk)), name=c.name) for c in rows]


@strawberry.type
class PeopleDirectoryQuery:
    @strawberry.field(description="The school's people counted by role (admins; as listed).")
    def people_counts(self, info: Info) -> PeopleCounts:
        require_admin(info)
        by_role = dict(
            people_listed()
            .order_by()
            .values_list("role")
            .annotate(n=Count("pk"))
            .values_list("role", "n")
        )
        return PeopleCounts(
            admins=by_role.get(RoleCode.ADMIN, 0),
            teachers=by_role.get(RoleCode.TEACHER, 0),
            students=by_role.get(RoleCode.STUDENT, 0),
            parents=by_role.get(RoleCode.PARENT, 0),
            pending=people_listed(pending=True).count(),
        )

    @strawberry.field(
        description="The school's people (admins), by name: the active ones and those invited "
        "or imported who have not signed in yet; `role`, `search` (name or email) and `pending` "
        "narrow it. Deleted people are not listed."
    )
    def people_directory(
        self,
        info: Info,
        role: t.Role | None = None,
        search: str | None = None,
        pending: bool | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> DirectoryPage:
        require_admin(info)
        if search and text_problem(search, max_length=SEARCH_MAX):
            raise NotAllowed(f"search must be plain text of at most {SEARCH_MAX} characters.")
        limit = page_limit(limit)
        start = max(offset, 0)
        rows = people_listed(
            role=t.ROLE_TO_CODE[role] if role is not None else None,
            search=search or "",
            pending=pending,
        )
        total = rows.count()
        by_name = SchoolClass.objects.order_by("name", "pk")
        page = list(
            rows[start : start + limit].prefetch_related(
                Prefetch("classes_taught", queryset=by_name),
                Prefetch("classes_enrolled", queryset=by_name),
                Prefetch(
                    "child_links",
                    queryset=ParentLink.objects.select_related("student")
                    .filter(student__deleted_at__isnull=True)
                    .order_by("student__name", "student__email"),
                ),
                Prefetch(
                    "parent_links",
                    queryset=ParentLink.objects.select_related("parent")
                    .filter(parent__deleted_at__isnull=True)
                    .order_by("parent__name", "parent__email"),
                ),
            )
        )
        with_two_factor = set(
            TwoFactor.objects.filter(
                user__in=[p.pk for p in page], confirmed_at__isnull=False
            ).values_list("user_id", flat=True)
        )
        return DirectoryPage(
            items=[_directory_person(p, two_factor=p.pk in with_two_factor) for p in page],
            total_count=total,
        )


def _directory_person(row: UserRow, *, two_factor: bool) -> DirectoryPerson:
    if row.role == RoleCode.TEACHER:
        classes = _refs(list(row.classes_taught.all()))
    elif row.role == RoleCode.STUDENT:
        classes = _refs(list(row.classes_enrolled.all()))
    else:
        classes = []
    return DirectoryPerson(
        person=t.user_from(row),
        two_factor=two_factor,
        pending=not row.is_active,
        classes=classes,
        children=[t.person_from(link.student) for link in row.child_links.all()],
        parents=[t.person_from(link.parent) for link in row.parent_links.all()],
        joined_at=row.date_joined,
        last_login=row.last_login,
    )
