"""Writes of the meetings app, by concern: the school's Zoom settings (`zoom_settings`),
teachers' Zoom connections (`connections`), scheduling and changing classes (`scheduling`),
a session's life as Zoom reports it (`lifecycle`), registrants (`registrants`) and calendar
events (`calendar_events`). The public functions are importable from here."""

from meetings.services.connections import (
    OAUTH_NONCE_KEY,
    OAUTH_STATE_MAX_AGE,
    OAUTH_STATE_SALT,
    OAuthStateError,
    zoom_callback_url,
    zoom_connect_complete,
    zoom_connect_start,
    zoom_connections_refresh_due,
    zoom_disconnect,
)
from meetings.services.lifecycle import (
    OCCURRENCE_MATCH_WINDOW,
    meeting_end,
    meeting_mark_ended,
    meeting_mark_started,
    meeting_session_for_zoom_object,
)
from meetings.services.registrants import (
    RegistrationReport,
    registrants_for_class_enqueue,
    registrants_pending_meeting_ids,
    registrants_sync,
)
from meetings.services.scheduling import (
    meeting_cancel,
    meeting_ensure_on_zoom,
    meeting_schedule,
    meeting_start,
    meeting_update,
    rule_from_json,
    schedule_window,
    scheduling_policy_set,
)
from meetings.services.zoom_settings import (
    BASE_FIELDS,
    PLAIN_FIELDS,
    SECRET_FIELDS,
    ConnectionTest,
    zoom_settings_save,
    zoom_settings_test,
)

__all__ = [
    "OAUTH_NONCE_KEY",
    "OAUTH_STATE_MAX_AGE",
    "OAUTH_STATE_SALT",
    "OCCURRENCE_MATCH_WINDOW",
    "PLAIN_FIELDS",
    "SECRET_FIELDS",
    "BASE_FIELDS",
    "ConnectionTest",
    "OAuthStateError",
    "RegistrationReport",
    "meeting_cancel",
    "meeting_end",
    "meeting_ensure_on_zoom",
    "meeting_mark_ended",
    "meeting_mark_started",
    "meeting_schedule",
    "meeting_session_for_zoom_object",
    "meeting_start",
    "meeting_update",
    "registrants_for_class_enqueue",
    "registrants_pending_meeting_ids",
    "registrants_sync",
    "rule_from_json",
    "schedule_window",
    "scheduling_policy_set",
    "zoom_connect_complete",
    "zoom_connect_start",
    "zoom_callback_url",
    "zoom_connections_refresh_due",
    "zoom_disconnect",
    "zoom_settings_save",
    "zoom_settings_test",
]
