from __future__ import annotations

import strawberry
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.utils import timezone
from django.utils.translation import gettext as _
from strawberry.types import Info

from tenants.accounts.backends import request_lockout
from tenants.accounts.models import ApiToken, User
from tenants.accounts.passwords import password_change
from tenants.accounts.selectors import api_token_for
from tenants.accounts.services import (
    TokenLimitReached,
    api_token_create,
    api_token_revoke,
    person_preferences_set,
)
from tenants.accounts.signin import THROTTLED
from tenants.accounts.twofactor import (
    TwoFactorLocked,
    WrongCode,
    two_factor_enabled,
    two_factor_verify,
)
from tenants.audit.services import audit_record
from tenants.confirmation import ResendRefused, confirmation_resend, school_here
from tenants.graphql import types as t
from tenants.graphql.context import (
    NotAllowed,
    accept_language,
    client_ip,
    http_request,
    require_admin,
    require_user,
    viewer,
)
from tenants.graphql.errors import (
    FieldError,
    OkPayload,
    error_code,
    not_found,
    ok,
    typed_errors,
)
from tenants.graphql.retention import retention_policy_out
from tenants.ids import pk_or_zero
from tenants.lifecycle.services import retention_policy_set
from tenants.school.services import parent_link
from tenants.services import organisation_language_set, organisation_timezone_set
from tenants.text import max_length_of, text_problem, text_validate


@strawberry.type
class AuthPayload:
    user: t.User | None = None
    two_factor_required: bool = strawberry.field(
        default=False,
        description="The password was right and the account has two-factor sign-in: call "
        "`login` again with `code`.",
    )
    errors: list[FieldError] = strawberry.field(default_factory=list)


error_code(TokenLimitReached, "limit")
error_code(ResendRefused, "refused")


@strawberry.type
class ApiTokenPayload:
    token: str | None = strawberry.field(default=None, description="The secret, shown only now.")
    api_token: t.ApiToken | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class PreferencesPayload:
    preferences: t.Preferences | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class SchoolTimezonePayload:
    timezone: str | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class SchoolLanguagePayload:
    language: str | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class RetentionPolicyPayload:
    policy: t.RetentionPolicy | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class TenantsMutation:
    @strawberry.mutation(
        description="Sign in. With two-factor sign-in on, the first call answers "
        "`twoFactorRequired` (error code `two_factor_required`); the second sends `code` too "
        "(from the authenticator app, or a recovery code)."
    )
    def login(self, info: Info, email: str, password: str, code: str | None = None) -> AuthPayload:
        request = http_request(info)
        # An address no account can have (a NUL, which the database refuses, or longer than the
        # column) is a wrong login, not an unexpected error.
        user = (
            None
            if text_problem(email, max_length=max_length_of(User, "email"))
            else authenticate(request, username=email.strip().lower(), password=password)
        )
        lockout = request_lockout(request)
        if lockout is not None:
            return AuthPayload(
                user=None, errors=[FieldError(field=None, message=lockout.message, code=THROTTLED)]
            )
        if user is None:
            return AuthPayload(
                user=None,
                errors=[
                    FieldError(field=None, message=_("Wrong email or password."), code="invalid")
                ],
            )
        details: dict[str, object] = {"via": "api"}
        if two_factor_enabled(user=user):
            if not code:
                return AuthPayload(
                    two_factor_required=True,
                    errors=[
                        FieldError(
                            field="code",
                            message=_("Enter the code from your authenticator app."),
                            code="two_factor_required",
                        )
                    ],
                )
            try:
                two_factor_verify(user=user, code=code, ip=client_ip(info))
            except TwoFactorLocked as exc:
                return AuthPayload(
                    errors=[FieldError(field=None, message=exc.message, code=THROTTLED)]
                )
            except WrongCode as exc:
                return AuthPayload(
                    two_factor_required=True,
                    errors=[FieldError(field="code", message=exc.message, code="invalid")],
                )
            details["two_factor"] = True
        login(request, user)
        audit_record(actor=user, action="user.login", ip=client_ip(info), details=details)
        return AuthPayload(user=t.user_from(user), errors=[])

    @strawberry.mutation
    def logout(self, info: Info) -> bool:
        request = http_request(info)
        was_signed_in = viewer(info).is_authenticated
        logout(request)
        return was_signed_in

    @strawberry.mutation(
        description="A bearer token for API clients, shown once. It expires after "
        "`expiresInDays` (at most, and by default, the platform's longest lifetime)."
    )
    @typed_errors(ApiTokenPayload)
    def create_api_token(
        self, info: Info, name: str, expires_in_days: int | None = None
    ) -> ApiTokenPayload:
        user = require_user(info)
        text_validate(ApiToken, name=name)
        row, token = api_token_create(
            user=user, name=name, expires_in_days=expires_in_days, ip=client_ip(info)
        )
        return ApiTokenPayload(
            token=token, api_token=t.api_token_from(row, now=timezone.now()), errors=[]
        )

    @strawberry.mutation(
        description="Revoke an API token: your own, or (admins) anyone's in the school."
    )
    @typed_errors(OkPayload)
    def revoke_api_token(self, info: Info, id: strawberry.ID) -> OkPayload:
        user = require_user(info)
        token = api_token_for(viewer=user, token_id=pk_or_zero(id))
        if token is None:
            raise not_found("API token")
        api_token_revoke(token=token, actor=user, ip=client_ip(info))
        return ok()

    @strawberry.mutation(
        description="Mail the viewer (an admin) a new link to confirm their email address "
        "(a few an hour)."
    )
    @typed_errors(OkPayload)
    def resend_email_confirmation(self, info: Info) -> OkPayload:
        admin = require_admin(info)
        school = school_here()
        if school is None:
            raise not_found("school")
        confirmation_resend(organisation=school, user=admin, ip=client_ip(info))
        return ok()

    # --- people ---------------------------------------------------------------------------

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

    # --- preferences and the school's time zone -------------------------------------------

    @strawberry.mutation(
        description='Set your own language (en, bn, or "" for your browser\'s, then the '
        "school's) and time zone (IANA, or \"\" for the school's default); an argument left out "
        "is unchanged; `name` is how others see you. Mails follow at once."
    )
    @typed_errors(PreferencesPayload)
    def set_my_preferences(
        self,
        info: Info,
        language: str | None = None,
        timezone: str | None = None,
        name: str | None = None,
    ) -> PreferencesPayload:
        user = require_user(info)
        person_preferences_set(
            user=user, language=language, timezone_name=timezone, name=name, ip=client_ip(info)
        )
        return PreferencesPayload(
            preferences=t.preferences_from(user, accept_language=accept_language(info)), errors=[]
        )

    @strawberry.mutation(
        description="The school's default time zone (admins): times of people who chose none "
        "are shown in it."
    )
    @typed_errors(SchoolTimezonePayload)
    def set_school_timezone(self, info: Info, timezone: str) -> SchoolTimezonePayload:
        admin = require_admin(info)
        school = school_here()
        if school is None:
            raise not_found("school")
        organisation_timezone_set(
            organisation=school, timezone_name=timezone, actor=admin, ip=client_ip(info)
        )
        return SchoolTimezonePayload(timezone=school.timezone, errors=[])

    @strawberry.mutation(
        description="The school's default language (admins): pages of people who chose none "
        "and whose browser asks for none we speak, and their mails."
    )
    @typed_errors(SchoolLanguagePayload)
    def set_school_language(self, info: Info, language: str) -> SchoolLanguagePayload:
        admin = require_admin(info)
        school = school_here()
        if school is None:
            raise not_found("school")
        organisation_language_set(
            organisation=school, language=language, actor=admin, ip=client_ip(info)
        )
        return SchoolLanguagePayload(language=school.language, errors=[])

    @strawberry.mutation(
        description="Change your own password: the current one, then the new one (the "
        "platform's password rules; errors on `currentPassword` or `newPassword`). Your other "
        "sessions and your API tokens end; this one stays signed in."
    )
    @typed_errors(OkPayload)
    def change_password(self, info: Info, current_password: str, new_password: str) -> OkPayload:
        user = require_user(info)
        request = http_request(info)
        if not hasattr(request, "session"):
            raise NotAllowed("Change your password over HTTP.")
        password_change(user=user, current=current_password, new=new_password, ip=client_ip(info))
        update_session_auth_hash(request, user)
        return ok()

    @strawberry.mutation(
        description="Set how many days the school keeps audit entries (admins; 30 to 1095)."
    )
    @typed_errors(RetentionPolicyPayload)
    def set_retention_policy(self, info: Info, audit_days: int) -> RetentionPolicyPayload:
        admin = require_admin(info)
        retention_policy_set(audit_days=audit_days, by=admin, ip=client_ip(info))
        return RetentionPolicyPayload(policy=retention_policy_out())
