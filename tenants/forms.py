from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenants.accounts.models import Language, timezone_choices
from tenants.services import slug_validate


class SignupForm(forms.Form):
    school_name = forms.CharField(max_length=200, label=_("School name"))
    slug = forms.CharField(
        max_length=32,
        label=_("Subdomain"),
        help_text=_("Lowercase letters, digits and hyphens; your school's address."),
    )
    admin_email = forms.EmailField(label=_("Your email"))
    admin_name = forms.CharField(max_length=200, required=False, label=_("Your name"))
    password = forms.CharField(widget=forms.PasswordInput, label=_("Password"))
    timezone = forms.ChoiceField(
        choices=timezone_choices,
        initial="UTC",
        required=False,  # left out: UTC, which the school's admin can change later
        label=_("Time zone"),
        help_text=_("Your school's times are shown in it until each person picks their own."),
    )

    language = forms.ChoiceField(
        choices=Language.choices,
        required=False,
        label=_("Language"),
        help_text=_("Pages and mails are in it for people who choose none."),
    )

    def clean_language(self):
        return self.cleaned_data.get("language") or Language.ENGLISH

    def clean_timezone(self):
        return self.cleaned_data.get("timezone") or "UTC"

    def clean_slug(self):
        return slug_validate(self.cleaned_data["slug"])

    def clean(self):
        data = super().clean()
        if data.get("password"):
            try:
                validate_password(data["password"])
            except ValidationError as exc:
                self.add_error("password", exc)
        return data
