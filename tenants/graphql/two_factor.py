"""Two-factor sign-in over GraphQL: the viewer's state, turning it off, the school setting and
an admin's reset for another person, and enrolment (a QR code, then a first code); the
two-factor page does the same without the app."""

from __future__ import annotations

import strawberry
from django.utils.translation import gettext as _
from strawberry.types import Info

from tenants.accounts.models import User
from tenants.accounts.twofactor import (
    TwoFactorLocked,
    TwoFactorState,
    WrongCode,
    school_two_factor_require,
    two_factor_begin,
    two_factor_confirm,
    two_factor_disable,
    two_factor_enabled,
    two_factor_qr_data_url,
    two_factor_reset,
    two_factor_uri,
)
from tenants.confirmation import school_here
from tenants.graphql.context import client_ip, require_admin, require_user
from tenants.graphql.errors import (
    FieldError,
    OkPayload,
    error_code,
    not_found,
    ok,
    typed_errors,
)
from tenants.ids import pk_or_zero

error_code(TwoFactorLocked, "throttled")
error_code(WrongCode, "invalid")
error_code(TwoFactorState, "invalid")


@strawberry.type
class TwoFactorStatus:
    enabled: bool
    required_for_admins: bool = strawberry.field(
        description="The school requires two-factor sign-in of its admins."
    )
    setup_url: str


@strawberry.type(description="A pending two-factor set-up: scan the QR code, then confirm a code.")
class TwoFactorEnrolment:
    uri: str = strawberry.field(description="The otpauth:// URI, to type into the app.")
    qr_svg_data_url: str = strawberry.field(
        description="The URI as a QR code, an SVG data: URL made on the server (the secret goes "
        "to no outside service)."
    )


@strawberry.type
class TwoFactorEnrolmentPayload:
    enrolment: TwoFactorEnrolment | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class TwoFactorConfirmPayload:
    recovery_codes: list[str] | None = strawberry.field(
        default=None, description="One-time recovery codes, shown only now."
    )
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class TwoFactorQuery:
    @strawberry.field(description="The viewer's two-factor sign-in, and the school's rule.")
    def two_factor(self, info: Info) -> TwoFactorStatus:
        user = require_user(info)
        school = school_here()
        return TwoFactorStatus(
            enabled=two_factor_enabled(user=user),
            required_for_admins=bool(school and school.admins_require_two_factor),
            setup_url="/accounts/two-factor/",
        )


@strawberry.type
class TwoFactorMutation:
    @strawberry.mutation(
        description="Start (or show again) the viewer's two-factor set-up: a QR code for an "
        "authenticator app. Then `confirmTwoFactor` with a code it shows."
    )
    @typed_errors(TwoFactorEnrolmentPayload)
    def begin_two_factor(self, info: Info) -> TwoFactorEnrolmentPayload:
        user = require_user(info)
        school = school_here()
        device = two_factor_begin(user=user)
        uri = two_factor_uri(device=device, issuer=f"liveroll · {school.name if school else ''}")
        return TwoFactorEnrolmentPayload(
            enrolment=TwoFactorEnrolment(uri=uri, qr_svg_data_url=two_factor_qr_data_url(uri=uri))
        )

    @strawberry.mutation(
        description="Turn on the viewer's two-factor sign-in with a first code from the app; "
        "answers the recovery codes, shown only now."
    )
    @typed_errors(TwoFactorConfirmPayload)
    def confirm_two_factor(self, info: Info, code: str) -> TwoFactorConfirmPayload:
        user = require_user(info)
        codes = two_factor_confirm(user=user, code=code, ip=client_ip(info))
        return TwoFactorConfirmPayload(recovery_codes=codes)

    @strawberry.mutation(description="Turn off the viewer's two-factor sign-in, with a code.")
    @typed_errors(OkPayload)
    def disable_two_factor(self, info: Info, code: str) -> OkPayload:
        user = require_user(info)
        two_factor_disable(user=user, code=code, ip=client_ip(info))
        return ok()

    @strawberry.mutation(
        description="Turn off another person's two-factor sign-in (admins; audited): they "
        "lost their app and set it up again."
    )
    @typed_errors(OkPayload)
    def reset_two_factor(self, info: Info, user_id: strawberry.ID) -> OkPayload:
        admin = require_admin(info)
        person = User.objects.filter(pk=pk_or_zero(user_id)).first()
        if person is None:
            raise not_found("person")
        if not two_factor_reset(user=person, actor=admin, ip=client_ip(info)):
            raise TwoFactorState(_("That person has no two-factor sign-in."))
        return ok()

    @strawberry.mutation(
        description="Require two-factor sign-in of the school's admins (admins; audited). An "
        "admin without it is sent to set it up before anything else."
    )
    @typed_errors(OkPayload)
    def set_admins_require_two_factor(self, info: Info, required: bool) -> OkPayload:
        admin = require_admin(info)
        school = school_here()
        if school is None:
            raise not_found("school")
        school_two_factor_require(school=school, required=required, actor=admin, ip=client_ip(info))
        return ok()
