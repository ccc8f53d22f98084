from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tenants.accounts.backends import request_lockout
from tenants.accounts.passwords import password_reset_mail_queue
from tenants.accounts.signin import THROTTLED
from tenants.accounts.twofactor import two_factor_enabled
from tenants.audit.services import request_ip
from tenants.mail.rendering import school_here


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
    username = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True})
    )


class ThrottledAdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The login form of both admins (each school's, the operators'). It asks for no second
    factor, so a person who has one signs in on the sign-in page (then the admin opens)."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if two_factor_enabled(user=user):
            raise ValidationError(
                _("This account uses two-factor sign-in: sign in at /accounts/login/ first."),
                code="two_factor_required",
            )


class InvitationAcceptForm(forms.Form):
    """The invitee's own password, twice (the validators run in `invitation_accept`)."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class SchoolPasswordResetForm(PasswordResetForm):
    """Django's reset form, its mail queued in the school's outbox (rendered in the person's
    language) instead of sent at once, with a link on the school's own host."""

    request: Any = None

    def save(self, **kwargs: Any) -> None:  # type: ignore[override]
        self.request = kwargs.get("request")
        super().save(**kwargs)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        path = reverse(
            "password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}
        )
        password_reset_mail_queue(
            user=context["user"],
            reset_url=school_here().url.rstrip("/") + path,
            token=context["token"],
            ip=request_ip(self.request) if self.request is not None else None,
        )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
    )
