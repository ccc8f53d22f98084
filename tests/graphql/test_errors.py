"""The typed-error decorator: known failures become `errors { field message code }`, anything
else propagates (and the schema masks it)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

import meetings.graphql.errors  # noqa: F401 - registers meetings' errors, as the schema does
from meetings.policy import NotFound
from meetings.providers.base import MeetingProviderError
from meetings.recurrence import RecurrenceError
from tenants.graphql.errors import OkPayload, errors_of, fail, typed_errors
from tenants.school.services import RoleMismatch


def _shown(exc: Exception) -> list[tuple]:
    return [(e.field, e.message, e.code) for e in errors_of(exc)]


def test_known_errors_become_field_errors():
    assert _shown(ValidationError({"start_time": ["In the past."]})) == [
        ("startTime", "In the past.", "invalid")
    ]
    assert _shown(ValidationError("Too long.")) == [(None, "Too long.", "invalid")]
    assert _shown(PermissionDenied("Only hosts.")) == [(None, "Only hosts.", "forbidden")]
    assert _shown(NotFound("meeting")) == [(None, "No such meeting.", "not_found")]
    assert _shown(MeetingProviderError("rate limited", status=429)) == [
        (None, "Zoom: rate limited", "zoom")
    ]
    assert _shown(RecurrenceError("No such day.")) == [(None, "No such day.", "invalid")]
    assert _shown(RoleMismatch("Parents are not enrolled.")) == [
        (None, "Parents are not enrolled.", "invalid")
    ]
    assert _shown(fail("At most 2.", field="ids")) == [("ids", "At most 2.", "invalid")]


def test_the_decorator_answers_with_the_payload_or_lets_unknown_errors_through():
    @typed_errors(OkPayload)
    def refused():
        raise PermissionDenied("No.")

    @typed_errors(OkPayload)
    def broken():
        raise RuntimeError("internal")

    payload = refused()
    assert payload.ok is False
    assert [e.code for e in payload.errors] == ["forbidden"]
    with pytest.raises(RuntimeError):
        broken()
