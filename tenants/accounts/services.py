from tenants.accounts.models import Role, User


def user_create(
    *, email: str, password: str | None, role: Role, name: str = "", is_staff: bool = False
) -> User:
    """A person of the current tenant. Admins get the tenant's Django admin."""
    return User.objects.create_user(
        email, password, name=name, role=role, is_staff=is_staff or role == Role.ADMIN
    )
