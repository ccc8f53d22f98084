"""The school's recording settings (admins): who besides the class's teachers sees recordings,
how long they are kept, and the school's own summariser. Saved here and only here; read through
`attendance.recordings.policy.recording_settings`.

The summariser's endpoint is the API's base URL (`https://api.openai.com/v1`; a pasted
`…/chat/completions` is cut back to it): https, or http where DEBUG is on (a model on the
developer's machine). A literal address must be a public one; a name is checked when it is
called (tenants.outbound). Its key is write-only: `None` keeps the stored one, "" removes it;
a new endpoint needs the key typed again, so that a saved key is only ever sent where it was
entered for, and clearing the endpoint clears the key. Changes are audited by field name,
never by value. Pointing the server at a new endpoint, and testing it, wait until the school
admin's email is confirmed (as Zoom does), so an unconfirmed sign-up cannot make the server
call out.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from attendance.recordings.models import RETENTION_DAYS_MAX, RETENTION_DAYS_MIN, RecordingSettings
from attendance.recordings.policy import recording_settings
from attendance.recordings.summarisers.draft import Cue
from attendance.recordings.summarisers.remote import (
    CHAT_PATH,
    RemoteSummaryFailed,
    summarise_remote,
)
from meetings.policy import access_admin
from tenants.accounts.models import User
from tenants.audit.services import audit_record
from tenants.confirmation import email_confirmed_check
from tenants.outbound import UnsafeURL, base_url_parse, outbound_policy
from tenants.text import max_length_of, text_problem

KEY_MAX_LENGTH = 500  # sealed in a column without a limit; keys are a few hundred characters
AUDIT_ACTION = "recording_settings.changed"
TEST_AUDIT_ACTION = "recording_settings.summariser_tested"


def summary_endpoint_clean(value: str) -> str:
    """The endpoint as stored ("" for none), or ValidationError with the message to show."""
    value = value.strip()
    if not value:
        return ""
    try:
        parts = base_url_parse(value)
    except UnsafeURL as exc:
        raise ValidationError(str(exc), code="invalid") from exc
    if parts.scheme != "https" and not django_settings.DEBUG:
        raise ValidationError(_("Enter an https:// address."), code="invalid")
    host = (parts.hostname or "").strip("[]")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not outbound_policy().allows(literal):
        raise ValidationError(
            _("That address is not on the public internet: the server may not call it."),
            code="invalid",
        )
    url = parts.geturl()
    if url.endswith(CHAT_PATH):
        url = url[: -len(CHAT_PATH)]
    return url


def recording_settings_save(
    *,
    actor: User,
    students_may_view: bool,
    parents_may_view: bool,
    retention_days: int | None,
    summary_endpoint: str,
    summary_model: str,
    summary_api_key: str | None,
    ip: str | None = None,
) -> RecordingSettings:
    """Save the school's recording settings (admins). `summary_api_key`: None keeps the stored
    key, "" removes it."""
    access_admin(actor)
    errors: dict[str, ValidationError] = {}
    for name, given, limit in (
        (
            "summary_endpoint",
            summary_endpoint,
            max_length_of(RecordingSettings, "summary_endpoint"),
        ),
        ("summary_model", summary_model, max_length_of(RecordingSettings, "summary_model")),
        ("summary_api_key", summary_api_key or "", KEY_MAX_LENGTH),
    ):
        problem = text_problem(given, max_length=limit)
        if problem is not None:
            errors[name] = problem
    if errors:
        raise ValidationError(errors)
    if (
        retention_days is not None
        and not RETENTION_DAYS_MIN <= retention_days <= RETENTION_DAYS_MAX
    ):
        errors["retention_days"] = ValidationError(
            _("Enter a number of days from %(min)s to %(max)s, or leave it empty to keep them.")
            % {"min": RETENTION_DAYS_MIN, "max": RETENTION_DAYS_MAX},
            code="invalid",
        )
    endpoint = ""
    try:
        endpoint = summary_endpoint_clean(summary_endpoint)
    except ValidationError as exc:
        errors["summary_endpoint"] = exc
    model = summary_model.strip()
    key = None if summary_api_key is None else summary_api_key.strip()
    if endpoint and not model:
        errors["summary_model"] = ValidationError(
            _("Enter the name of the model the endpoint should use."), code="required"
        )
    if not endpoint and key and "summary_endpoint" not in errors:
        errors["summary_api_key"] = ValidationError(
            _("Enter the endpoint the key is for."), code="invalid"
        )
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        RecordingSettings.objects.get_or_create(singleton=True)
        row = RecordingSettings.objects.select_for_update().get(singleton=True)
        moved = endpoint != row.summary_endpoint
        if endpoint and moved:
            email_confirmed_check()
            if row.summary_api_key and key is None:
                raise ValidationError(
                    {
                        "summary_api_key": ValidationError(
                            _("Enter the key again to change where it is sent."), code="required"
                        )
                    }
                )
        if not endpoint:
            key = ""  # no endpoint, no key: a later endpoint gets its own
        changed = [
            name
            for name, value in (
                ("students_may_view", students_may_view),
                ("parents_may_view", parents_may_view),
                ("retention_days", retention_days),
                ("summary_endpoint", endpoint),
                ("summary_model", model),
            )
            if getattr(row, name) != value
        ]
        for name in changed:
            setattr(
                row,
                name,
                {
                    "students_may_view": students_may_view,
                    "parents_may_view": parents_may_view,
                    "retention_days": retention_days,
                    "summary_endpoint": endpoint,
                    "summary_model": model,
                }[name],
            )
        details: dict[str, object] = {}
        if key is not None and key != (row.summary_api_key or ""):
            row.summary_api_key = key
            changed.append("summary_api_key")
            details["summary_api_key"] = "set" if key else "removed"
        row.save()
        if changed:
            audit_record(
                actor=actor,
                action=AUDIT_ACTION,
                target=row,
                ip=ip,
                details={"changed": changed, **details},
            )
    return row


# --- trying the school's summariser ----------------------------------------------------------

SAMPLE = (
    Cue("Teacher", 5_000, "Today we learned how plants make food from sunlight, water and air."),
    Cue("Teacher", 20_000, "Please finish exercise 3 on page 12 by Friday."),
)
ANSWER_SHOWN_CHARS = 500


@dataclass(frozen=True)
class SummariserTest:
    ok: bool
    outcome: str  # ok | not_configured | refused | timeout | unreachable | http | answer
    message: str
    answer: str = ""  # the model's summary of the sample, when it gave one
    action_items: int = 0
    status: int | None = None  # the endpoint's HTTP status, when it failed with one


def _failure_message(exc: RemoteSummaryFailed) -> str:
    if exc.code == "refused":
        return _("The server may not call that address: use a public https:// address.")
    if exc.code == "timeout":
        return _("The endpoint did not answer in time.")
    if exc.code == "unreachable":
        return _("The endpoint could not be reached.")
    if exc.code == "http":
        return _(
            "The endpoint answered with HTTP status %(status)s: check the address, the key and "
            "the model's name."
        ) % {"status": exc.status}
    return _("The endpoint answered, but not with a usable summary.")


def summariser_test(*, actor: User, ip: str | None = None) -> SummariserTest:
    """Ask the school's model to summarise two sentences, and say what came back: its summary
    (only what it returned as a chat completion's JSON summary), or what failed, in our words."""
    access_admin(actor)
    current = recording_settings()
    if not current.summary_endpoint:
        return SummariserTest(
            False, "not_configured", _("No endpoint is set: the local summariser writes them.")
        )
    email_confirmed_check()
    try:
        draft = summarise_remote(
            SAMPLE,
            endpoint=current.summary_endpoint,
            api_key=current.summary_api_key or "",
            model=current.summary_model,
            title="Connection test",
            language="en",
        )
        result = SummariserTest(
            True,
            "ok",
            _("The model answered."),
            answer=draft.text[:ANSWER_SHOWN_CHARS],
            action_items=len(draft.action_items),
        )
    except RemoteSummaryFailed as exc:
        result = SummariserTest(False, exc.code, _failure_message(exc), status=exc.status)
    audit_record(
        actor=actor,
        action=TEST_AUDIT_ACTION,
        target=current if current.pk else None,
        target_type="attendance.recordingsettings",
        ip=ip,
        details={"outcome": result.outcome, "status": result.status},
    )
    return result
