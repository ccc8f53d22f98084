"""Writes of the meetings app: Zoom settings, teachers' Zoom connections, meetings and their
registrants and calendar events. Zoom calls happen here, behind the provider interface."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from meetings.events import MeetingEnded, MeetingSummary
from meetings.models import (
    CalendarEvent,
    Meeting,
    MeetingSeries,
    Registrant,
    TargetAudience,
    ZoomConnection,
    ZoomSettings,
)
from meetings.policy import access_admin, access_class_for_manage, access_meeting_for_manage
from meetings.providers.base import (
    AccountError,
    AuthenticationError,
    MeetingProviderError,
    MeetingRequest,
    ProviderMeeting,
    ProviderUnavailableError,
    RateLimitError,
    ScopeError,
)
from meetings.recurrence import RecurrenceRule
from meetings.zoom import oauth
from meetings.zoom.factory import (
    ZoomNotConnected,
    account_provider,
    acting_for_host,
    provider_for_meeting,
    zoom_settings,
)
from realtime.events import publish
from tenants.accounts.models import Role
from tenants.audit.services import audit_record
from tenants.services import tenant_url

logger = logging.getLogger(__name__)

SECRET_FIELDS = ("client_secret", "webhook_secret_token")
PLAIN_FIELDS = (
    "client_id",
    "account_id",
    "redirect_url",
    "api_base_url",
    "oauth_base_url",
    "account_host_user",
)
URL_FIELDS = ("redirect_url", "api_base_url", "oauth_base_url")


# --- Zoom settings (admins) ----------------------------------------------------------------


def zoom_settings_save(*, actor, ip: str | None = None, **values) -> ZoomSettings:
    """Save the school's Zoom app settings. Secrets are write-only: an empty or missing secret
    keeps the stored one. Every change is audited by field name (never by value)."""
    access_admin(actor)
    unknown = set(values) - set(SECRET_FIELDS) - set(PLAIN_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown Zoom settings: {', '.join(sorted(unknown))}")
    zoom = zoom_settings()
    errors: dict[str, str] = {}
    validate_url = URLValidator(schemes=["http", "https"])
    for name in PLAIN_FIELDS:
        if name in values:
            value = (values[name] or "").strip()
            if name in URL_FIELDS and value:
                try:
                    validate_url(value)
                except ValidationError:
                    errors[name] = "Enter a full URL, starting with https://"
            values[name] = value
    for name in ("client_id", "api_base_url", "oauth_base_url"):
        if not values.get(name, getattr(zoom, name)):
            errors[name] = "This is required."
    for name in ("client_secret", "webhook_secret_token"):
        if not values.get(name) and not getattr(zoom, name):
            errors[name] = "This is required."
    if errors:
        raise ValidationError(errors)

    changed = []
    for name in PLAIN_FIELDS:
        if name in values and values[name] != getattr(zoom, name):
            setattr(zoom, name, values[name])
            changed.append(name)
    for name in SECRET_FIELDS:
        if values.get(name) and values[name] != getattr(zoom, name):
            setattr(zoom, name, values[name])
            changed.append(name)
    if {"client_id", "client_secret", "account_id", "oauth_base_url"} & set(changed):
        zoom.account_access_token = ""  # cached for the old credentials
        zoom.account_token_expires_at = None
    zoom.save()
    if changed:
        audit_record(
            actor=actor,
            action="zoom.settings.updated",
            target=zoom,
            ip=ip,
            details={"changed": changed},
        )
    return zoom


@dataclass(frozen=True)
class ConnectionTest:
    ok: bool
    # ok | not_configured | bad_credentials | wrong_account | missing_scope | unreachable | error
    outcome: str
    message: str
    zoom_email: str = ""


def zoom_settings_test(*, actor, ip: str | None = None) -> ConnectionTest:
    """Get a token and make one cheap call; say precisely what failed."""
    access_admin(actor)
    zoom = zoom_settings()
    result = _test(zoom)
    zoom.last_test_at = timezone.now()
    zoom.last_test_result = result.outcome
    zoom.last_test_message = result.message[:500]
    zoom.save(update_fields=["last_test_at", "last_test_result", "last_test_message"])
    audit_record(
        actor=actor,
        action="zoom.settings.tested",
        target=zoom,
        ip=ip,
        details={"outcome": result.outcome},
    )
    return result


def _test(zoom: ZoomSettings) -> ConnectionTest:
    if not zoom.has_app_credentials:
        return ConnectionTest(False, "not_configured", "Enter the client id and secret first.")
    try:
        if zoom.account_id:
            zoom.account_access_token = ""  # test the credentials, not a cached token
            user = account_provider(zoom).authenticate()
            return ConnectionTest(
                True, "ok", f"Connected to the Zoom account as {user.email}.", user.email
            )
        # User OAuth only: a made-up code tells bad credentials (invalid_client) apart from
        # good ones (invalid_grant), with no user involved.
        oauth.token_request(
            zoom,
            {
                "grant_type": "authorization_code",
                "code": "liveroll-connection-test",
                "redirect_uri": zoom.redirect_url or "https://localhost/",
            },
        )
    except AccountError as exc:
        return ConnectionTest(False, "wrong_account", f"Wrong account id: {exc.message}")
    except oauth.InvalidGrantError:
        return ConnectionTest(True, "ok", "Client id and secret accepted; teachers can connect.")
    except AuthenticationError as exc:
        return ConnectionTest(False, "bad_credentials", f"Bad client id or secret: {exc.message}")
    except ScopeError as exc:
        return ConnectionTest(False, "missing_scope", f"The app lacks a scope: {exc.message}")
    except ProviderUnavailableError as exc:
        return ConnectionTest(False, "unreachable", f"Zoom could not be reached: {exc.message}")
    except MeetingProviderError as exc:
        return ConnectionTest(False, "error", f"Zoom said: {exc.message}")
    return ConnectionTest(True, "ok", "Credentials accepted.")


# --- teachers' Zoom connections -------------------------------------------------------------

OAUTH_STATE_SALT = "liveroll.zoom.oauth-state"
OAUTH_NONCE_KEY = "zoom_oauth_nonce"
OAUTH_STATE_MAX_AGE = 600


class OAuthStateError(Exception):
    """The callback's state is missing, forged, expired, replayed or for someone else."""


def _redirect_uri(zoom: ZoomSettings, slug: str) -> str:
    return zoom.redirect_url or tenant_url(slug, "/oauth/zoom/callback/")


def zoom_connect_start(*, user, session, tenant) -> str:
    """The URL that sends the teacher to Zoom to approve. The state is signed, bound to this
    tenant and user, and to a nonce kept in their session (single use)."""
    if user.role not in (Role.TEACHER, Role.ADMIN):
        raise ValidationError("Only teachers connect a Zoom account.")
    zoom = zoom_settings()
    if not zoom.has_app_credentials:
        raise ZoomNotConnected("The school's Zoom app is not set up yet: ask an admin.")
    nonce = secrets.token_urlsafe(16)
    session[OAUTH_NONCE_KEY] = nonce
    state = signing.dumps(
        {"s": tenant.schema_name, "u": user.pk, "n": nonce}, salt=OAUTH_STATE_SALT
    )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": zoom.client_id,
            "redirect_uri": _redirect_uri(zoom, tenant.slug),
            "state": state,
        }
    )
    return f"{zoom.oauth_base_url.rstrip('/')}/oauth/authorize?{query}"


def zoom_connect_complete(
    *, user, session, tenant, code: str, state: str, ip: str | None = None
) -> ZoomConnection:
    try:
        payload = signing.loads(state, salt=OAUTH_STATE_SALT, max_age=OAUTH_STATE_MAX_AGE)
    except signing.BadSignature as exc:
        raise OAuthStateError("The Zoom sign-in link is invalid or expired. Try again.") from exc
    nonce = session.pop(OAUTH_NONCE_KEY, None)
    if (
        payload.get("s") != tenant.schema_name
        or payload.get("u") != user.pk
        or not nonce
        or payload.get("n") != nonce
    ):
        raise OAuthStateError("This Zoom sign-in was started by someone else, or already used.")
    if not code:
        raise OAuthStateError("Zoom did not send an authorization code.")
    zoom = zoom_settings()
    body = oauth.token_request(
        zoom,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": _redirect_uri(zoom, tenant.slug),
        },
    )
    me = _whoami(zoom, body["access_token"])
    conn, _ = ZoomConnection.objects.update_or_create(
        user=user,
        defaults={
            "status": ZoomConnection.Status.ACTIVE,
            "zoom_user_id": me.id,
            "zoom_email": me.email,
            "zoom_account_id": me.account_id,
            "access_token": body["access_token"],
            "refresh_token": body.get("refresh_token", ""),
            "expires_at": timezone.now() + timedelta(seconds=int(body.get("expires_in", 3600))),
            "scopes": body.get("scope", ""),
            "refreshed_at": timezone.now(),
            "last_error": "",
        },
    )
    audit_record(
        actor=user,
        action="zoom.connection.connected",
        target=conn,
        ip=ip,
        details={"zoom_email": me.email, "scopes": conn.scopes},
    )
    return conn


class _FixedToken:
    def __init__(self, token: str):
        self.token = token

    def access_token(self) -> str:
        return self.token

    def refresh(self, stale_token: str) -> str:
        raise AuthenticationError("Zoom rejected the token it just issued")


def _whoami(zoom: ZoomSettings, token: str):
    from meetings.zoom.client import ZoomClient
    from meetings.zoom.provider import ZoomProvider

    key = f"{db_connection.schema_name}:connect"
    return ZoomProvider(ZoomClient(zoom.api_base_url, _FixedToken(token), key)).authenticate()


def zoom_disconnect(*, connection: ZoomConnection, actor, ip: str | None = None) -> None:
    """Revoke at Zoom (best effort: the local tokens go either way) and forget the tokens.
    The teacher disconnects their own; an admin can revoke anyone's."""
    if actor.pk != connection.user_id:
        access_admin(actor)
    zoom = zoom_settings()
    revoked_at_zoom = True
    token = connection.access_token or connection.refresh_token
    if token and zoom.has_app_credentials:
        try:
            oauth.token_revoke(zoom, token)
        except MeetingProviderError as exc:
            revoked_at_zoom = False
            logger.warning("revoking %s at Zoom failed: %s", connection.user, exc)
    connection.status = ZoomConnection.Status.REVOKED
    connection.access_token = ""
    connection.refresh_token = ""
    connection.expires_at = None
    connection.save()
    audit_record(
        actor=actor,
        action="zoom.connection.revoked"
        if actor.pk != connection.user_id
        else "zoom.connection.disconnected",
        target=connection,
        ip=ip,
        details={"user": connection.user.email, "revoked_at_zoom": revoked_at_zoom},
    )


def zoom_connections_refresh_due(*, within: timedelta = timedelta(minutes=15)) -> int:
    """Refresh every active connection whose token expires soon. Returns how many."""
    due = ZoomConnection.objects.filter(
        status=ZoomConnection.Status.ACTIVE, expires_at__lt=timezone.now() + within
    ).values_list("pk", flat=True)
    refreshed = 0
    for pk in due:
        try:
            oauth.connection_refresh(connection_id=pk)
            refreshed += 1
        except MeetingProviderError as exc:
            logger.warning("refreshing Zoom connection %s failed: %s", pk, exc)
    return refreshed


# --- meetings -------------------------------------------------------------------------------


def _validate_meeting_fields(
    *, title: str, start_time: datetime, duration_minutes: int, tz: str
) -> None:
    errors = {}
    if not title.strip():
        errors["title"] = "Give the class a title."
    if timezone.is_naive(start_time):
        errors["start_time"] = "The start time needs a timezone."
    if not 1 <= duration_minutes <= 24 * 60:
        errors["duration_minutes"] = "A class lasts 1 minute to 24 hours."
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = f"Unknown timezone {tz!r}."
    if errors:
        raise ValidationError(errors)


def _request_for(meetings: list[Meeting], series: MeetingSeries | None) -> MeetingRequest:
    first = meetings[0]
    rule = rule_from_json(series.recurrence) if series else None
    return MeetingRequest(
        topic=first.title,
        kind="recurring" if series else first.kind,
        start_time=first.start_time,
        duration_minutes=first.duration_minutes,
        timezone=first.timezone,
        agenda=first.description,
        recurrence=rule,
        registration=first.registration_enabled,
        settings=first.zoom_settings,
    )


def _attach_zoom(meetings: list[Meeting], created: ProviderMeeting, account: str) -> None:
    by_start = {o.start_time: o.occurrence_id for o in created.occurrences}
    for meeting in meetings:
        meeting.zoom_account = account
        meeting.zoom_meeting_id = created.id
        meeting.zoom_occurrence_id = by_start.get(meeting.start_time, "") if by_start else ""
        meeting.join_url = created.join_url
        meeting.start_url = created.start_url
        if not meeting.series_id:
            meeting.zoom_uuid = created.uuid
        meeting.save()
    series = meetings[0].series
    if series is not None:
        series.zoom_meeting_id = created.id
        series.save(update_fields=["zoom_meeting_id"])


def _compensate(provider, zoom_meeting_id: str, why: BaseException) -> None:
    """Zoom has a meeting our database does not: delete it, or say loudly that it is left."""
    try:
        provider.delete_meeting(zoom_meeting_id)
        logger.warning("deleted Zoom meeting %s after a failure: %s", zoom_meeting_id, why)
    except MeetingProviderError as exc:
        logger.error(
            "Zoom meeting %s is orphaned (our save failed: %s; deleting it failed: %s)",
            zoom_meeting_id,
            why,
            exc,
        )
        audit_record(
            actor_label="system",
            action="zoom.meeting.orphaned",
            target_type="zoom.meeting",
            target_id=zoom_meeting_id,
            details={"error": str(why)[:300], "delete_error": str(exc)[:300]},
        )


def meeting_schedule(
    *,
    actor,
    school_class,
    title: str,
    start_time: datetime,
    duration_minutes: int = 60,
    timezone_name: str = "UTC",
    recurrence: RecurrenceRule | None = None,
    registration_enabled: bool = True,
    description: str = "",
    target_audience: str = TargetAudience.CLASS,
    ip: str | None = None,
) -> Meeting:
    """Schedule a class (every occurrence, if recurring), with its calendar events, and create
    it on Zoom when a Zoom account can act for the host (else at "start class"). All or
    nothing: a Zoom failure leaves no rows, a database failure leaves no Zoom meeting."""
    access_class_for_manage(actor, school_class)
    _validate_meeting_fields(
        title=title, start_time=start_time, duration_minutes=duration_minutes, tz=timezone_name
    )
    if start_time < timezone.now() - timedelta(minutes=5):
        raise ValidationError({"start_time": "That time has passed."})
    host = actor
    if actor.role == Role.ADMIN and school_class is not None:
        host = school_class.teachers.order_by("pk").first() or actor
    starts = (
        recurrence.occurrences(start_time, timezone=timezone_name) if recurrence else [start_time]
    )
    try:
        acting = acting_for_host(host)
    except ZoomNotConnected:
        acting = None

    created: ProviderMeeting | None = None
    try:
        with transaction.atomic():
            series = None
            if recurrence is not None:
                series = MeetingSeries.objects.create(
                    school_class=school_class,
                    host=host,
                    title=title,
                    timezone=timezone_name,
                    recurrence=_rule_to_json(recurrence),
                )
            meetings = [
                Meeting.objects.create(
                    school_class=school_class,
                    series=series,
                    host=host,
                    title=title.strip(),
                    description=description,
                    kind=Meeting.Kind.RECURRING if series else Meeting.Kind.SCHEDULED,
                    start_time=start,
                    duration_minutes=duration_minutes,
                    timezone=timezone_name,
                    target_audience=target_audience,
                    registration_enabled=registration_enabled,
                    created_by=actor,
                )
                for start in starts
            ]
            for meeting in meetings:
                _calendar_event_upsert(meeting)
            if acting is not None:
                created = acting.provider.create_meeting(
                    acting.host_user_id, _request_for(meetings, series)
                )
                _attach_zoom(meetings, created, acting.account)
            audit_record(
                actor=actor,
                action="meeting.scheduled",
                target=meetings[0],
                ip=ip,
                details={
                    "occurrences": len(meetings),
                    "zoom_meeting_id": created.id if created else "",
                    "recurrence": recurrence.describe() if recurrence else "",
                },
            )
    except BaseException as exc:
        if created is not None:
            _compensate(acting.provider, created.id, exc)
        raise
    if created is not None and registration_enabled and school_class is not None:
        _enqueue_registration([m.pk for m in meetings])
    return meetings[0]


def _rule_to_json(rule: RecurrenceRule) -> dict:
    return {
        "frequency": str(rule.frequency),
        "interval": rule.interval,
        "weekdays": list(rule.weekdays),
        "month_day": rule.month_day,
        "count": rule.count,
        "until": rule.until.isoformat() if rule.until else None,
    }


def rule_from_json(data: dict) -> RecurrenceRule:
    from datetime import date

    values = dict(data)
    values["weekdays"] = tuple(values.get("weekdays") or ())
    if values.get("until"):
        values["until"] = date.fromisoformat(values["until"])
    return RecurrenceRule(**values)


def _enqueue_registration(meeting_ids: list[int]) -> None:
    from meetings.actors import registrants_sync_meetings

    transaction.on_commit(lambda: registrants_sync_meetings.send(meeting_ids))


def meeting_ensure_on_zoom(*, meeting: Meeting) -> Meeting:
    """Create the meeting (the whole series, if it is an occurrence) on Zoom if it is not
    there yet, on the host's account."""
    if meeting.on_zoom:
        return meeting
    acting = acting_for_host(meeting.host)
    group = (
        list(
            meeting.series.meetings.exclude(status=Meeting.Status.CANCELLED).order_by("start_time")
        )
        if meeting.series_id
        else [meeting]
    )
    created = None
    try:
        with transaction.atomic():
            created = acting.provider.create_meeting(
                acting.host_user_id, _request_for(group, meeting.series)
            )
            _attach_zoom(group, created, acting.account)
    except BaseException as exc:
        if created is not None:
            _compensate(acting.provider, created.id, exc)
        raise
    meeting.refresh_from_db()
    if meeting.registration_enabled and meeting.school_class_id:
        _enqueue_registration([m.pk for m in group])
    return meeting


def meeting_start(*, actor, meeting: Meeting, ip: str | None = None) -> str:
    """ "Start class" (seed 004 FR-5): make sure the class is on Zoom and return the host's
    start URL. The status turns to started when Zoom reports it (webhook)."""
    access_meeting_for_manage(actor, meeting)
    if meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.ENDED):
        raise ValidationError(f"This class is {meeting.get_status_display().lower()}.")
    was_on_zoom = meeting.on_zoom
    meeting = meeting_ensure_on_zoom(meeting=meeting)
    if was_on_zoom or not meeting.start_url:
        # Zoom's start links carry a host token that lasts two hours: fetch a fresh one.
        try:
            fresh = provider_for_meeting(meeting).get_meeting(
                meeting.zoom_meeting_id, occurrence_id=meeting.zoom_occurrence_id
            )
        except MeetingProviderError as exc:
            if not meeting.start_url:
                raise
            logger.warning("fresh start link for meeting %s failed: %s", meeting.pk, exc)
        else:
            if fresh.start_url:
                meeting.start_url = fresh.start_url
                meeting.save(update_fields=["start_url", "updated_at"])
    if not meeting.start_url:
        raise ValidationError("Zoom gave no start link for this class; try again.")
    audit_record(
        actor=actor,
        action="meeting.start_requested",
        target=meeting,
        ip=ip,
        details={"zoom_meeting_id": meeting.zoom_meeting_id},
    )
    return meeting.start_url


def meeting_end(*, actor, meeting: Meeting, ip: str | None = None) -> Meeting:
    """End a running class for everyone. Zoom is asked to end it; its `meeting.ended` webhook
    then scores attendance (here the status only turns at once, for the dashboards)."""
    access_meeting_for_manage(actor, meeting)
    if meeting.status != Meeting.Status.STARTED:
        raise ValidationError("Only a class that is running can be ended.")
    if meeting.on_zoom:
        provider_for_meeting(meeting).end_meeting(meeting.zoom_meeting_id)
    meeting.status = Meeting.Status.ENDED
    meeting.actual_end = meeting.actual_end or timezone.now()
    meeting.save(update_fields=["status", "actual_end", "updated_at"])
    audit_record(actor=actor, action="meeting.ended_by_teacher", target=meeting, ip=ip)
    publish(MeetingEnded(meeting=MeetingSummary.of(meeting)))
    return meeting


def registrants_for_class_enqueue(*, school_class) -> None:
    """After an enrolment: register the new students for the class's upcoming meetings."""
    ids = list(
        _upcoming_for_registration().filter(school_class=school_class).values_list("pk", flat=True)
    )
    if ids:
        _enqueue_registration(ids)


def meeting_update(
    *,
    actor,
    meeting: Meeting,
    title: str | None = None,
    description: str | None = None,
    start_time: datetime | None = None,
    duration_minutes: int | None = None,
    ip: str | None = None,
) -> Meeting:
    """Change one class session. For an occurrence of a series, only its time and length can
    change on its own (Zoom's rule); the title belongs to the series."""
    access_meeting_for_manage(actor, meeting)
    if meeting.status != Meeting.Status.SCHEDULED:
        raise ValidationError("Only a class that has not started can be changed.")
    if meeting.series_id and (title is not None or description is not None):
        raise ValidationError("Change the title of a recurring class on the whole series.")
    changed = {}
    for name, value in (
        ("title", title),
        ("description", description),
        ("start_time", start_time),
        ("duration_minutes", duration_minutes),
    ):
        if value is not None and value != getattr(meeting, name):
            changed[name] = value
    if not changed:
        return meeting
    candidate = {
        "title": changed.get("title", meeting.title),
        "start_time": changed.get("start_time", meeting.start_time),
        "duration_minutes": changed.get("duration_minutes", meeting.duration_minutes),
    }
    _validate_meeting_fields(**candidate, tz=meeting.timezone)
    with transaction.atomic():
        for name, value in changed.items():
            setattr(meeting, name, value)
        meeting.save()
        _calendar_event_upsert(meeting)
        if meeting.on_zoom:
            # The whole request, as at creation; for an occurrence the provider sends only
            # the fields Zoom lets one occurrence change.
            provider_for_meeting(meeting).update_meeting(
                meeting.zoom_meeting_id,
                _request_for([meeting], meeting.series if meeting.series_id else None),
                occurrence_id=meeting.zoom_occurrence_id,
            )
        audit_record(
            actor=actor,
            action="meeting.updated",
            target=meeting,
            ip=ip,
            details={"changed": sorted(changed)},
        )
    return meeting


def meeting_cancel(
    *, actor, meeting: Meeting, whole_series: bool = False, ip: str | None = None
) -> list[Meeting]:
    """Cancel a class session (or, with `whole_series`, every session of its series still to
    come). Cancelled on Zoom first: if Zoom refuses, nothing changes here."""
    access_meeting_for_manage(actor, meeting)
    if meeting.status != Meeting.Status.SCHEDULED:
        raise ValidationError("Only a class that has not started can be cancelled.")
    if whole_series and meeting.series_id:
        targets = list(
            meeting.series.meetings.filter(
                status=Meeting.Status.SCHEDULED, start_time__gte=meeting.start_time
            )
        )
    else:
        targets = [meeting]
    with transaction.atomic():
        for target in targets:
            target.status = Meeting.Status.CANCELLED
            target.save(update_fields=["status", "updated_at"])
            _calendar_event_upsert(target)
        if meeting.on_zoom:
            provider = provider_for_meeting(meeting)
            series_goes_on = (
                meeting.series_id
                and meeting.series.meetings.filter(status=Meeting.Status.SCHEDULED).exists()
            )
            if series_goes_on:
                for target in targets:
                    provider.delete_meeting(
                        target.zoom_meeting_id, occurrence_id=target.zoom_occurrence_id
                    )
            else:
                provider.delete_meeting(meeting.zoom_meeting_id)
        audit_record(
            actor=actor,
            action="meeting.cancelled",
            target=meeting,
            ip=ip,
            details={"sessions": len(targets), "whole_series": whole_series},
        )
    return targets


# --- calendar events ------------------------------------------------------------------------


def _calendar_event_upsert(meeting: Meeting) -> CalendarEvent:
    status = (
        CalendarEvent.Status.CANCELLED
        if meeting.status == Meeting.Status.CANCELLED
        else CalendarEvent.Status.CONFIRMED
    )
    uid = f"meeting-{meeting.pk}-{secrets.token_hex(6)}@{db_connection.schema_name}.liveroll"
    event, created = CalendarEvent.objects.get_or_create(
        meeting=meeting, defaults={"uid": uid, "status": status}
    )
    if not created:
        event.sequence += 1
        event.status = status
        event.save(update_fields=["sequence", "status", "updated_at"])
    return event


# --- registrants ----------------------------------------------------------------------------


@dataclass
class RegistrationReport:
    registered: int = 0
    already: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    deferred: int = 0  # left for a later run (rate limit)

    def merge(self, other: RegistrationReport) -> None:
        self.registered += other.registered
        self.already += other.already
        self.failed.extend(other.failed)
        self.deferred += other.deferred


def _upcoming_for_registration(meeting_ids=None):
    queryset = Meeting.objects.filter(
        status=Meeting.Status.SCHEDULED,
        registration_enabled=True,
        school_class__isnull=False,
        start_time__gt=timezone.now() - timedelta(hours=1),
    ).exclude(zoom_meeting_id="")
    if meeting_ids is not None:
        queryset = queryset.filter(pk__in=meeting_ids)
    return queryset.select_related("school_class", "host").order_by("zoom_meeting_id", "start_time")


def registrants_sync(*, meeting_ids: list[int] | None = None, progress=None) -> RegistrationReport:
    """Register every enrolled student for every upcoming class meeting with registration on.
    Idempotent (a registered student is skipped), carries on past one student's failure and
    reports it, and stops at a rate limit, leaving the rest for the next run."""
    report = RegistrationReport()
    groups: dict[str, list[Meeting]] = {}
    for meeting in _upcoming_for_registration(meeting_ids):
        groups.setdefault(meeting.zoom_meeting_id, []).append(meeting)
    for zoom_meeting_id, meetings in groups.items():
        part = _register_group(zoom_meeting_id, meetings)
        report.merge(part)
        if progress:
            progress(zoom_meeting_id, part)
        if part.deferred:
            break
    return report


def _register_group(zoom_meeting_id: str, meetings: list[Meeting]) -> RegistrationReport:
    report = RegistrationReport()
    school_class = meetings[0].school_class
    students = list(school_class.students.filter(is_active=True).order_by("pk"))
    done = set(
        Registrant.objects.filter(
            meeting__in=meetings, status=Registrant.Status.REGISTERED
        ).values_list("meeting_id", "user_id")
    )
    occurrence_total = (
        Meeting.objects.filter(zoom_meeting_id=zoom_meeting_id)
        .exclude(zoom_occurrence_id="")
        .exclude(status=Meeting.Status.CANCELLED)
        .count()
    )
    try:
        provider = provider_for_meeting(meetings[0])
    except ZoomNotConnected as exc:
        report.failed.extend((s.email, str(exc)) for s in students)
        return report
    for index, student in enumerate(students):
        missing = [m for m in meetings if (m.pk, student.pk) not in done]
        if not missing:
            report.already += 1
            continue
        first, _, last = (student.name or student.email.split("@")[0]).partition(" ")
        occurrence_ids = [m.zoom_occurrence_id for m in missing if m.zoom_occurrence_id]
        if len(occurrence_ids) == occurrence_total:
            occurrence_ids = []  # every occurrence: Zoom's default
        try:
            result = provider.add_registrant(
                zoom_meeting_id,
                email=student.email,
                first_name=first,
                last_name=last,
                occurrence_ids=occurrence_ids,
            )
        except RateLimitError as exc:
            report.deferred = len(students) - index
            logger.warning(
                "registration for Zoom meeting %s paused at a rate limit (%s left): %s",
                zoom_meeting_id,
                report.deferred,
                exc,
            )
            break
        except MeetingProviderError as exc:
            _record_registration(missing, student, error=str(exc))
            report.failed.append((student.email, exc.message))
            continue
        _record_registration(missing, student, result=result)
        report.registered += 1
    return report


def _record_registration(meetings, student, *, result=None, error: str = "") -> None:
    for meeting in meetings:
        registrant, _ = Registrant.objects.get_or_create(
            meeting=meeting,
            user=student,
            defaults={"status": Registrant.Status.FAILED},
        )
        registrant.attempts += 1
        if result is not None:
            registrant.status = Registrant.Status.REGISTERED
            registrant.zoom_registrant_id = result.registrant_id
            registrant.join_url = result.join_url
            registrant.last_error = ""
        else:
            registrant.status = Registrant.Status.FAILED
            registrant.last_error = error[:500]
        registrant.save()


def registrants_pending_meeting_ids() -> list[int]:
    """Upcoming class meetings with registration on where an active enrolled student is not
    registered (one query; counting would miss a newcomer who replaced a leaver)."""
    from tenants.school.models import Enrolment

    registered = Registrant.objects.filter(
        meeting=OuterRef(OuterRef("pk")),
        user=OuterRef("student"),
        status=Registrant.Status.REGISTERED,
    )
    unregistered = Enrolment.objects.filter(
        school_class=OuterRef("school_class"), student__is_active=True
    ).filter(~Exists(registered))
    return list(
        _upcoming_for_registration().filter(Exists(unregistered)).values_list("pk", flat=True)
    )
