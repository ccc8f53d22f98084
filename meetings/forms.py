from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.core.exceptions import ValidationError

from meetings.models import Meeting
from meetings.recurrence import WEEKDAY_NAMES, RecurrenceError, RecurrenceRule
from meetings.zoom.endpoints import ALLOWED as ALLOWED_BASES
from tenants.text import max_length_of

WEEKDAY_CHOICES = [(str(i), name.title()) for i, name in enumerate(WEEKDAY_NAMES)]


class ScheduleForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=max_length_of(Meeting, "description"),
    )
    start = forms.DateTimeField(
        label="Starts (in the timezone below)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.IntegerField(min_value=1, max_value=1440, initial=60)
    timezone = forms.ChoiceField(choices=(), initial="UTC")
    repeat = forms.ChoiceField(
        choices=[
            ("", "Does not repeat"),
            ("daily", "Daily"),
            ("weekly", "Weekly"),
            ("monthly", "Monthly"),
        ],
        required=False,
    )
    interval = forms.IntegerField(min_value=1, initial=1, required=False, label="Every")
    weekdays = forms.MultipleChoiceField(
        choices=WEEKDAY_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    month_day = forms.IntegerField(min_value=1, max_value=31, required=False)
    count = forms.IntegerField(min_value=1, max_value=60, required=False, label="Times")
    until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Or until"
    )
    registration_enabled = forms.BooleanField(
        required=False, initial=True, label="Register students (personal join links)"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(z, z) for z in sorted(available_timezones())]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        zone = ZoneInfo(data["timezone"])
        naive: datetime = data["start"].replace(tzinfo=None)
        data["start_time"] = naive.replace(tzinfo=zone)
        data["recurrence"] = None
        if data.get("repeat"):
            try:
                data["recurrence"] = RecurrenceRule(
                    frequency=data["repeat"],
                    interval=data.get("interval") or 1,
                    weekdays=tuple(int(d) for d in data.get("weekdays") or ()),
                    month_day=data.get("month_day"),
                    count=data.get("count"),
                    until=data.get("until"),
                )
            except RecurrenceError as exc:
                raise ValidationError(str(exc)) from exc
        return data


class ZoomSettingsForm(forms.Form):
    """Secrets are write-only: the fields start empty, and an empty field keeps what is
    stored."""

    client_id = forms.CharField(max_length=200)
    client_secret = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), strip=True
    )
    account_id = forms.CharField(max_length=200, required=False)
    account_host_user = forms.CharField(max_length=200, initial="me")
    webhook_secret_token = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), strip=True
    )
    # Chosen, never typed: Zoom's own, or a stand-in this environment allows (the sandbox in
    # development). The server sends the client secret there.
    api_base_url = forms.ChoiceField(choices=(), label="Zoom API")
    oauth_base_url = forms.ChoiceField(choices=(), label="Zoom sign-in (OAuth)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, allowed in ALLOWED_BASES.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(url, url) for url in allowed()]
