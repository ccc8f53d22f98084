"""How meetings' failures reach clients as typed errors (`tenants.graphql.errors`); imported by
the mutations of meetings and attendance, which raise them."""

from meetings.policy import NotFound
from meetings.providers.base import MeetingProviderError
from meetings.recurrence import RecurrenceError
from tenants.graphql.errors import error_code

error_code(NotFound, "not_found")
error_code(MeetingProviderError, "zoom", prefix="Zoom: ")
error_code(RecurrenceError, "invalid")
