from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from tenants.accounts.backends import request_lockout
from tenants.accounts.signin import THROTTLED
from tenants.accounts.twofactor import two_factor_enabled


class ThrottledLoginMixin:
    """Says "too many attempts, try again in N minutes" instead of "wrong password" when the
    sign-in throttle refused (`ThrottledModelBackend`)."""

    request: Any

    def get_invalid_login_error(self) -> ValidationError:
        lockout = request_lockout(self.request)
        if lockout is not None:
            return ValidationError(lockout.message, code=THROTTLED)
        return super().get_invalid_login_error()  # type: ignore[misc,no-any-return]


def form_throttled(form: forms.Form) -> bool:
    """Whether the form was refused by the sign-in throttle (the page answers 429)."""
    return any(error.code == THROTTLED for error in form.errors.as_data().get("__all__", []))


class EmailLoginForm(ThrottledLoginMixin, AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))


class ThrottledAdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The login form of both admins (each school's, the operators'). It asks for no second
    factor, so a person who has one signs in on the sign-in page (then the admin opens)."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if two_factor_enabled(user=user):
            raise ValidationError(
                "This account uses two-factor sign-in: sign in at /accounts/login/ first.",
                code="two_factor_required",
            )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
        help_text="The 6 digits your authenticator app shows, or one of your recovery codes.",
    )
