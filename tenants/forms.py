from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tenants.accounts.models import timezone_choices
from tenants.services import slug_validate


class SignupForm(forms.Form):
    school_name = forms.CharField(max_length=200, label="School name")
    slug = forms.CharField(
        max_length=32,
        label="Subdomain",
        help_text="Lowercase letters, digits and hyphens; your school's address.",
    )
    admin_email = forms.EmailField(label="Your email")
    admin_name = forms.CharField(max_length=200, required=False, label="Your name")
    password = forms.CharField(widget=forms.PasswordInput, label="Password")
    timezone = forms.ChoiceField(
        choices=timezone_choices,
        initial="UTC",
        required=False,  # left out: UTC, which the school's admin can change later
        label="Time zone",
        help_text="Your school's times are shown in it until each person picks their own.",
    )

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
