from __future__ import annotations

import strawberry
from django.contrib.auth import authenticate, login, logout
from strawberry.types import Info

from tenants.accounts.models import User
from tenants.accounts.services import api_token_create
from tenants.audit.services import audit_record
from tenants.graphql import types as t
from tenants.graphql.context import client_ip, http_request, require_admin, require_user, viewer
from tenants.graphql.errors import FieldError, OkPayload, not_found, ok, typed_errors
from tenants.ids import pk_or_zero
from tenants.school.services import class_unenrol, parent_link


@strawberry.type
class AuthPayload:
    user: t.User | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class ApiTokenPayload:
    token: str | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class TenantsMutation:
    @strawberry.mutation
    def login(self, info: Info, email: str, password: str) -> AuthPayload:
        request = http_request(info)
        user = authenticate(request, username=email.strip().lower(), password=password)
        if user is None:
            return AuthPayload(
                user=None,
                errors=[FieldError(field=None, message="Wrong email or password.", code="invalid")],
            )
        login(request, user)
        audit_record(actor=user, action="user.login", ip=client_ip(info), details={"via": "api"})
        return AuthPayload(user=t.user_from(user), errors=[])

    @strawberry.mutation
    def logout(self, info: Info) -> bool:
        request = http_request(info)
        was_signed_in = viewer(info).is_authenticated
        logout(request)
        return was_signed_in

    @strawberry.mutation(description="A bearer token for API clients, shown once.")
    def create_api_token(self, info: Info, name: str) -> ApiTokenPayload:
        user = require_user(info)
        _, token = api_token_create(user=user, name=name)
        audit_record(actor=user, action="api_token.created", ip=client_ip(info))
        return ApiTokenPayload(token=token, errors=[])

    # --- people ---------------------------------------------------------------------------

    @strawberry.mutation
    @typed_errors(OkPayload)
    def unenrol_student(
        self, info: Info, class_id: strawberry.ID, student_id: strawberry.ID
    ) -> OkPayload:
        admin = require_admin(info)
        removed = class_unenrol(
            school_class_id=pk_or_zero(class_id),
            student_id=pk_or_zero(student_id),
            actor=admin,
            ip=client_ip(info),
        )
        if not removed:
            raise not_found("enrolment")
        return ok()

    @strawberry.mutation
    @typed_errors(OkPayload)
    def link_parent(
        self, info: Info, parent_id: strawberry.ID, student_id: strawberry.ID
    ) -> OkPayload:
        admin = require_admin(info)
        parent = User.objects.filter(pk=pk_or_zero(parent_id)).first()
        student = User.objects.filter(pk=pk_or_zero(student_id)).first()
        if parent is None or student is None:
            raise not_found("person")
        parent_link(parent=parent, student=student, actor=admin, ip=client_ip(info))
        return ok()
