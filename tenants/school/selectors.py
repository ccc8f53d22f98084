"""Who may be picked for what: the people pickers of the app (`people` in GraphQL)."""

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Q, QuerySet

from tenants.accounts.models import Role, User


def people_pickable(*, viewer: User, role: int | None = None, search: str = "") -> QuerySet[User]:
    """The active people `viewer` may pick, by name then email: for an admin everyone in the
    school (of `role`, if given), for a teacher the students of the classes they teach, for
    anyone else nobody. `search` matches name or email, ignoring case."""
    if not viewer.is_active:
        return User.objects.none()
    if viewer.role == Role.ADMIN:
        rows = User.objects.filter(is_active=True)
    elif viewer.role == Role.TEACHER:
        # A subquery, not a join: a student in two of the teacher's classes is listed once.
        rows = User.objects.filter(
            is_active=True,
            role=Role.STUDENT,
            pk__in=User.objects.filter(classes_enrolled__teachers=viewer).values("pk"),
        )
    else:
        return User.objects.none()
    if role is not None:
        rows = rows.filter(role=role)
    search = search.strip()
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(email__icontains=search))
    return rows.order_by("name", "email", "pk")


def people_listed(
    *, role: int | None = None, search: str = "", pending: bool | None = None
) -> QuerySet[User]:
    """The school's people as its admins list them, by name then email: the active ones and
    those made by an invitation or an import who have not signed in yet (inactive, without a
    usable password, not deleted; `pending` True or False keeps only those or the others).
    Deleted and deactivated people are not listed."""
    waiting = Q(
        is_active=False, deleted_at__isnull=True, password__startswith=UNUSABLE_PASSWORD_PREFIX
    )
    if pending is True:
        rows = User.objects.filter(waiting)
    elif pending is False:
        rows = User.objects.filter(is_active=True)
    else:
        rows = User.objects.filter(Q(is_active=True) | waiting)
    if role is not None:
        rows = rows.filter(role=role)
    search = search.strip()
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(email__icontains=search))
    return rows.order_by("name", "email", "pk")
