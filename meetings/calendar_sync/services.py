"""Writes of the calendar sync: the school's provider apps (admins), people connecting and
disconnecting their calendars, and the sync that writes their sessions there.

The sync is one way: Zoom (through the meetings app) is the truth, a person's calendar follows
it. What a calendar holds is the upcoming part of the person's feed (`selectors.
calendar_sync_wanted`), each session with the person's own platform join link and the class
page, never a Zoom URL. Every session written is a `SyncedEvent`: its `key` is fixed and
committed before the first write (so a create retried after a lost answer finds the event it
made), its `remote_id` makes every later write an update, its `fingerprint` makes an
unchanged session cost no call. A sync holds its connection (an advisory lock): another one
waits its turn instead of writing the same events at the same time."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, transaction
from django.db import connection as db_connection
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from meetings.calendar_sync.endpoints import directory_check, stand_in_check
from meetings.calendar_sync.events import CalendarNeedsReconnect, CalendarSyncChanged
from meetings.calendar_sync.models import CalendarApp, CalendarConnection, Provider, SyncedEvent
from meetings.calendar_sync.policy import may_connect_calendar
from meetings.calendar_sync.providers.base import (
    AccountInfo,
    CalendarAuthError,
    CalendarError,
    CalendarGrantRevoked,
    CalendarOAuth,
    CalendarProvider,
    CalendarQuotaExceeded,
    CalendarRateLimited,
    EventBody,
    TokenGrant,
)
from meetings.calendar_sync.selectors import (
    ERROR_FAILED,
    ERROR_NEEDS_RECONNECT,
    ERROR_NOT_SET_UP,
    ERROR_QUOTA,
    ERROR_REFUSED,
    calendar_app_get,
    calendar_connections_active_ids,
    calendar_connections_concerned,
    calendar_sync_horizon_end,
    calendar_sync_wanted,
    sync_window,
)
from meetings.joining.links import join_urls_for, school_origin
from meetings.models import Meeting
from meetings.policy import NotFound, access_admin
from realtime.events import publish
from tenants.accounts.models import Role, User
from tenants.audit.services import audit_record
from tenants.confirmation import email_confirmed_check
from tenants.connection import tenant_connection
from tenants.models import Organisation
from tenants.outbound import UnsafeURL
from tenants.selectors import person_language
from tenants.services import tenant_url
from tenants.text import max_length_of, text_problem

logger = logging.getLogger(__name__)

# The user's session; a plain dict in tests.
Session = SessionBase | MutableMapping[str, Any]

PROVIDERS = tuple(p.value for p in Provider)


class CalendarNotSetUp(Exception):
    """The school's app for this provider is not entered or not enabled."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CalendarStateError(Exception):
    """The callback's state is missing, forged, expired, replayed or for someone else."""


def _provider_check(provider: str) -> None:
    if provider not in PROVIDERS:
        raise NotFound("calendar provider")


def _provider_label(provider: str) -> str:
    return str(Provider(provider).label)


# --- the provider edge ----------------------------------------------------------------------


def _oauth(app: CalendarApp) -> CalendarOAuth:
    from meetings.calendar_sync.factory import oauth_for

    return oauth_for(app)


def _provider(connection: CalendarConnection) -> CalendarProvider:
    from meetings.calendar_sync.factory import provider_for

    return provider_for(connection)


def _provider_for_grant(app: CalendarApp, access_token: str) -> CalendarProvider:
    from meetings.calendar_sync.factory import provider_for_grant

    return provider_for_grant(app, access_token=access_token)


# --- the school's apps (admins) -------------------------------------------------------------

SECRET_MAX_LENGTH = 500


def calendar_callback_url(*, slug: str, provider: str) -> str:
    """Where the provider sends a person back after approving: this school's own callback,
    built by the platform (never typed by anyone: the authorization code is handed to it)."""
    return tenant_url(slug, f"/oauth/calendar/{provider}/callback/")


def calendar_app_set(
    *,
    actor: User,
    provider: str,
    client_id: str | None = None,
    client_secret: str | None = None,
    directory_tenant: str | None = None,
    enabled: bool | None = None,
    stand_in: str | None = None,
    ip: str | None = None,
) -> CalendarApp:
    """Save the school's app for `provider`. None keeps a value; the secret is write-only
    ("" clears it). `stand_in` is "" (the provider itself) or an origin this environment
    allows (LIVEROLL_CALENDAR_ALLOWED_STAND_INS); a stored secret is sent only where it was
    entered for, so moving the app elsewhere needs the secret typed again. Every change is
    audited by field name, never by value."""
    access_admin(actor)
    email_confirmed_check()
    _provider_check(provider)
    app = CalendarApp.objects.filter(provider=provider).first() or CalendarApp(provider=provider)
    errors: dict[str, ValidationError | str] = {}
    texts = {
        "client_id": (client_id, max_length_of(CalendarApp, "client_id")),
        "client_secret": (client_secret, SECRET_MAX_LENGTH),
        "directory_tenant": (directory_tenant, max_length_of(CalendarApp, "directory_tenant")),
        "stand_in": (stand_in, max_length_of(CalendarApp, "stand_in")),
    }
    for name, (value, limit) in texts.items():
        problem = text_problem(value or "", max_length=limit)
        if problem is not None:
            errors[name] = problem
    if errors:
        raise ValidationError(errors)

    values: dict[str, Any] = {}
    if client_id is not None:
        values["client_id"] = client_id.strip()
    if directory_tenant is not None:
        try:
            values["directory_tenant"] = directory_check(directory_tenant)
        except UnsafeURL as exc:
            errors["directory_tenant"] = str(exc)
        else:
            if (
                provider != Provider.MICROSOFT
                and values["directory_tenant"] != app.directory_tenant
            ):
                errors["directory_tenant"] = _("Only Microsoft's app has a directory.")
    if stand_in is not None:
        try:
            values["stand_in"] = stand_in_check(stand_in.strip())
        except UnsafeURL as exc:
            errors["stand_in"] = str(exc)
    if enabled is not None:
        values["enabled"] = enabled
    if client_secret is not None:
        values["client_secret"] = client_secret.strip()
    moved = "stand_in" in values and values["stand_in"] != app.stand_in
    if moved and "stand_in" not in errors and app.client_secret and not values.get("client_secret"):
        errors["client_secret"] = _("Enter the client secret again to change where it is sent.")
    if errors:
        raise ValidationError(errors)

    changed = [name for name, value in values.items() if value != getattr(app, name)]
    for name in changed:
        setattr(app, name, values[name])
    if changed or app.pk is None:
        app.save()
    if changed:
        audit_record(
            actor=actor,
            action="calendar.app.updated",
            target=app,
            ip=ip,
            details={"provider": provider, "changed": sorted(changed)},
        )
    return app


# --- connecting -----------------------------------------------------------------------------

OAUTH_STATE_SALT = "liveroll.calendar.oauth-state"
OAUTH_NONCE_KEY = "calendar_oauth_nonce"
OAUTH_STATE_MAX_AGE = 600


def _usable_app(*, provider: str, user: User) -> CalendarApp:
    app = calendar_app_get(provider=provider)
    if app is None or not app.usable:
        raise CalendarNotSetUp(
            _("Set up the school's %(provider)s app first (Settings, Calendars).")
            % {"provider": _provider_label(provider)}
            if user.role == Role.ADMIN
            else _("The school has not set up %(provider)s yet: ask an admin.")
            % {"provider": _provider_label(provider)}
        )
    return app


def _active_person(user: User) -> None:
    if not may_connect_calendar(user):
        raise PermissionDenied(_("Sign in first."))


def calendar_connect_start(
    *, user: User, provider: str, session: Session, tenant: Organisation
) -> str:
    """The provider's page where `user` approves writing to their calendar. Anyone signed in
    may connect one (students and parents too: their classes go to their calendar). The state
    is signed and bound to this school, this person, the provider and a nonce kept in their
    session (single use, ten minutes)."""
    _active_person(user)
    _provider_check(provider)
    email_confirmed_check(organisation=tenant)
    app = _usable_app(provider=provider, user=user)
    existing = CalendarConnection.objects.filter(user=user, provider=provider).first()
    if existing is not None and existing.status == CalendarConnection.Status.DISCONNECTING:
        raise ValidationError(_("Your calendar is still being disconnected. Try again shortly."))
    nonce = secrets.token_urlsafe(16)
    session[OAUTH_NONCE_KEY] = nonce
    state = signing.dumps(
        {"s": tenant.schema_name, "u": user.pk, "p": provider, "n": nonce}, salt=OAUTH_STATE_SALT
    )
    return _oauth(app).authorize_url(
        state=state,
        redirect_uri=calendar_callback_url(slug=tenant.slug, provider=provider),
        login_hint=user.email,
    )


def calendar_connect_finish(
    *,
    user: User,
    provider: str,
    session: Session,
    tenant: Organisation,
    code: str,
    state: str,
    ip: str | None = None,
) -> CalendarConnection:
    """The provider's callback: check the state, exchange the code, read whose calendar it
    is, keep the connection, audit, and queue the first whole sync after commit. Reconnecting
    the same account and calendar (after `needs_reconnect`) keeps the row and its events.
    Another account or calendar: what was written with the old grant is removed first, with
    that grant (its events deleted, the grant revoked at Google), and the rows cleared, so
    that the sync writes the new calendar from scratch; the new grant is stored only then."""
    _active_person(user)
    _provider_check(provider)
    try:
        payload = signing.loads(state, salt=OAUTH_STATE_SALT, max_age=OAUTH_STATE_MAX_AGE)
    except signing.BadSignature as exc:
        raise CalendarStateError(_("The sign-in link is invalid or expired. Try again.")) from exc
    nonce = session.pop(OAUTH_NONCE_KEY, None)
    if (
        not isinstance(payload, dict)
        or payload.get("s") != tenant.schema_name
        or payload.get("u") != user.pk
        or payload.get("p") != provider
        or not nonce
        or payload.get("n") != nonce
    ):
        raise CalendarStateError(_("This sign-in was started by someone else, or already used."))
    if not code:
        raise CalendarStateError(_("The calendar did not send an authorization code."))
    app = _usable_app(provider=provider, user=user)
    grant = _oauth(app).exchange_code(
        code=code, redirect_uri=calendar_callback_url(slug=tenant.slug, provider=provider)
    )
    account = _provider_for_grant(app, grant.access_token).account()
    existing = CalendarConnection.objects.filter(user=user, provider=provider).first()
    if (
        existing is None
        or existing.status == CalendarConnection.Status.DISCONNECTING
        or not _calendar_changed(existing, account)
    ):
        return _connection_store(user=user, provider=provider, grant=grant, account=account, ip=ip)
    # A sync running now is let finish (an unchanged calendar's takes a moment).
    with _connection_held(existing.pk, wait=RECONNECT_LOCK_WAIT) as held:
        if not held:
            raise ValidationError(_("Your calendar is being synced. Try again shortly."))
        existing.refresh_from_db()
        if existing.status == CalendarConnection.Status.DISCONNECTING:
            raise ValidationError(
                _("Your calendar is still being disconnected. Try again shortly.")
            )
        replaced = _old_calendar_clear(existing, account=account)
        return _connection_store(
            user=user, provider=provider, grant=grant, account=account, ip=ip, replaced=replaced
        )


# How long a reconnection to another calendar waits for a sync holding the connection.
RECONNECT_LOCK_WAIT = 10.0


def _calendar_changed(connection: CalendarConnection, account: AccountInfo) -> bool:
    return (
        # An address not known is taken as another account's: the rows are rewritten
        # rather than left pointing at a calendar that may not be the new one.
        _same_address(connection.account_email, account.email) is not True
        or connection.calendar_id != account.calendar_id[:255]
    )


def _same_address(old: str, new: str) -> bool | None:
    """Whether two account addresses are the same one (None: the old one is not known)."""
    if not old.strip():
        return None
    return old.strip().casefold() == new.strip()[:254].casefold()


def _old_calendar_clear(connection: CalendarConnection, *, account: AccountInfo) -> dict[str, Any]:
    """Before another account's or calendar's grant replaces this one (the caller holds the
    connection): delete every event written with the old grant, revoke it when it is another
    account's (revoking the same account's would revoke the new grant with it), and forget
    the rows. A grant no longer usable removes nothing: what is left is logged, as a
    disconnection's is. Returns what was done, for the audit."""
    report = RemovalReport()
    left: list[str] | None = None
    revoked = False
    if connection.is_usable:
        left = _events_remove(connection, report)
        connection.refresh_from_db()
        if _same_address(connection.account_email, account.email) is False:
            revoked = _revoke(connection)
    if left is None:  # no grant, or stopped by a rate limit: nothing more can be done with it
        left = [_left_name(row) for row in connection.events.filter(removed=False)]
        report.left = len(left)
    connection.events.all().delete()
    if left:
        logger.warning(
            "calendar %s (%s, person %s, %s account %s): replaced by another calendar; "
            "%d events left there %s",
            connection.pk,
            tenant_connection().schema_name,
            connection.user_id,
            connection.provider,
            connection.account_email,
            len(left),
            left[:50],
        )
    return {
        "previous_account": connection.account_email,
        "events_deleted": report.deleted,
        "events_left": report.left,
        "revoked": revoked,
    }


def _connection_store(
    *,
    user: User,
    provider: str,
    grant: TokenGrant,
    account: AccountInfo,
    ip: str | None,
    replaced: dict[str, Any] | None = None,
) -> CalendarConnection:
    now = timezone.now()
    with transaction.atomic():
        connection = (
            CalendarConnection.objects.select_for_update()
            .filter(user=user, provider=provider)
            .first()
        )
        if connection is not None and connection.status == CalendarConnection.Status.DISCONNECTING:
            raise ValidationError(
                _("Your calendar is still being disconnected. Try again shortly.")
            )
        if connection is None:
            connection = CalendarConnection(user=user, provider=provider)
        connection.status = CalendarConnection.Status.ACTIVE
        connection.access_token = grant.access_token
        connection.refresh_token = grant.refresh_token or connection.refresh_token
        connection.expires_at = now + timedelta(seconds=int(grant.expires_in))
        connection.scopes = grant.scope
        connection.refreshed_at = now
        connection.last_error = ""
        connection.sync_started_at = now
        connection.sync_done = connection.sync_total = 0
        connection.account_email = account.email[:254]
        connection.calendar_id = account.calendar_id[:255]
        if replaced is not None:
            connection.last_sync_at = None
        connection.save()
        details: dict[str, Any] = {"provider": provider, "account": connection.account_email}
        if replaced is not None:
            SyncedEvent.objects.filter(connection=connection).delete()
            details["replaced"] = replaced
        audit_record(
            actor=user,
            action="calendar.connection.connected",
            target=connection,
            ip=ip,
            details=details,
        )
        _sync_queue(connection)
    return connection


# --- disconnecting --------------------------------------------------------------------------


def calendar_disconnect(
    *, user: User, provider: str, ip: str | None = None
) -> CalendarConnection | None:
    """The person disconnects their own calendar: DISCONNECTING while an actor removes every
    event written there and revokes the grant, then the row goes. A connection without a grant
    any more (needs reconnecting) cannot remove anything: it goes at once (None)."""
    _active_person(user)
    _provider_check(provider)
    with transaction.atomic():
        connection = (
            CalendarConnection.objects.select_for_update()
            .filter(user=user, provider=provider)
            .first()
        )
        if connection is None:
            raise NotFound("calendar connection")
        if _disconnect_locked(connection, actor=user, ip=ip) == "forgotten":
            return None
    return connection


def calendar_connections_remove_for_person(
    *, person: User, by: User, ip: str | None = None
) -> dict[str, str]:
    """A person is being deleted (`meetings.services.people.person_delete`, in its
    transaction): each of their calendars is disconnected as they would disconnect it
    themselves, audited in the admin's name. The removal (every event written deleted, the
    grant revoked at Google, the row with its sealed tokens deleted) runs in the actor after
    commit, from the row: nothing secret travels in the message, and the person's row, which
    stays (anonymised later), keeps it. The provider is called only there: it being down or
    refusing never holds the deletion back. Returns each provider's outcome: "disconnecting"
    (queued), "forgotten" (no grant left: deleted at once)."""
    outcomes: dict[str, str] = {}
    connections = CalendarConnection.objects.select_for_update().filter(user=person)
    for connection in connections.order_by("provider"):
        outcomes[connection.provider] = _disconnect_locked(
            connection, actor=by, ip=ip, reason="person_deleted"
        )
    return outcomes


def _disconnect_locked(
    connection: CalendarConnection,
    *,
    actor: User,
    ip: str | None = None,
    reason: str = "disconnected",
) -> str:
    """Disconnect `connection` (locked by the caller, in its transaction): "disconnecting"
    with the removal queued after commit, "forgotten" when no grant is left to remove anything
    with (deleted at once), or "disconnecting" already."""
    if connection.status == CalendarConnection.Status.DISCONNECTING:
        return "disconnecting"
    usable = connection.is_usable
    details: dict[str, Any] = {"provider": connection.provider}
    if reason == "disconnected":
        details["account"] = connection.account_email
    else:
        # The person is being deleted: their calendar's address (which may be none the
        # anonymisation knows) stays out of the audit log.
        details["reason"] = reason
    audit_record(
        actor=actor,
        action="calendar.connection.disconnected",
        target=connection,
        ip=ip,
        details=details,
    )
    if not usable:
        connection.delete()
        return "forgotten"
    connection.status = CalendarConnection.Status.DISCONNECTING
    connection.sync_started_at = None
    connection.save(update_fields=["status", "sync_started_at"])
    _removal_queue(connection.pk)
    return "disconnecting"


def _removal_queue(connection_id: int) -> None:
    def queue() -> None:
        from meetings.calendar_sync.actors import calendar_disconnect_run

        calendar_disconnect_run.send(connection_id)

    transaction.on_commit(queue)


@dataclass
class RemovalReport:
    deleted: int = 0
    left: int = 0
    retry_after: float | None = None  # rate limited: run again after this many seconds
    busy: bool = False  # a sync holds the connection: run again shortly
    quota: bool = False  # the provider's quota for the day is used up: the periodic job resends
    done: bool = False  # the row is gone


def calendar_disconnect_run(*, connection_id: int) -> RemovalReport:
    """The actor's body: delete every event written, revoke the grant, delete the row.
    Idempotent: a rerun (after a rate limit) goes on with the events still there."""
    report = RemovalReport()
    with _connection_held(connection_id) as held:
        if not held:
            report.busy = True
            return report
        connection = CalendarConnection.objects.filter(
            pk=connection_id, status=CalendarConnection.Status.DISCONNECTING
        ).first()
        if connection is None:
            report.done = True
            return report
        left = _events_remove(connection, report)
        if left is None:
            return report  # rate limited: a rerun goes on with the events still there
        revoked = _revoke(connection)
        if left or not revoked:
            # The row goes now: what is still there is said here, with what it takes to
            # remove it by hand (the account, the provider's event ids).
            logger.warning(
                "calendar %s (%s, person %s, %s account %s): %d events left there %s; grant %s",
                connection_id,
                tenant_connection().schema_name,
                connection.user_id,
                connection.provider,
                connection.account_email,
                len(left),
                left[:50],
                "revoked" if revoked else "NOT revoked at the provider",
            )
        audit_record(
            actor_label="calendar",
            action="calendar.connection.removed",
            target=connection,
            details={
                "provider": connection.provider,
                "user": connection.user.email,
                "events_deleted": report.deleted,
                "events_left": report.left,
                "revoked": revoked,
            },
        )
        connection.delete()
        report.done = True
    return report


def _left_name(row: SyncedEvent) -> str:
    return row.remote_id or f"key:{row.key}"


class _KeyFinder:
    """What rows without a `remote_id` may have made, found by their keys: one key at a time
    where the provider asks per key (Google), else all of them at the first need (Graph reads
    pages of events: once for them all, and a failure is not read again for each row)."""

    def __init__(self, provider: CalendarProvider, keys: list[str]):
        self.provider = provider
        self.keys = list(dict.fromkeys(keys))
        self.found: dict[str, list[str]] | None = None
        self.failed: CalendarError | None = None

    def ids(self, key: str) -> list[str]:
        if not self.provider.finds_in_one_go:
            return self.provider.events_find([key]).get(key, [])
        if self.failed is not None:
            raise self.failed
        if self.found is None:
            try:
                self.found = self.provider.events_find(self.keys) if self.keys else {}
            except CalendarRateLimited:
                raise  # the run stops here; a rerun asks again
            except CalendarError as exc:
                self.failed = exc
                raise
        return self.found.get(key, [])


def _events_remove(connection: CalendarConnection, report: RemovalReport) -> list[str] | None:
    """Delete every event written to `connection`'s calendar with its grant, each row with
    its event. A row without a `remote_id` may have made one (a worker died between the write
    and its record): found by its key first. Returns what is left there (the provider's ids,
    or "key:<key>"), or None when a rate limit or the day's quota stopped it (`report` says
    which): a rerun goes on with the rows still there."""
    rows = list(connection.events.filter(removed=False).order_by("pk"))
    left: list[str] = []
    try:
        provider = _provider(connection) if rows else None
    except CalendarError as exc:  # the app lost its credentials: nothing can be removed
        logger.warning("calendar %s: events cannot be removed: %s", connection.pk, exc)
        report.left = len(rows)
        return [_left_name(row) for row in rows]
    if provider is None:
        return left
    finder = _KeyFinder(provider, [row.key for row in rows if not row.remote_id])
    for index, row in enumerate(rows):
        try:
            ids = [row.remote_id] if row.remote_id else finder.ids(row.key)
            for remote_id in ids:
                provider.event_delete(remote_id)
        except CalendarQuotaExceeded:
            report.quota = True
            return None
        except CalendarRateLimited as exc:
            report.retry_after = exc.retry_after or 60.0
            return None
        except CalendarAuthError as exc:
            # Without a grant nothing more can be removed: the rest stays there.
            logger.warning("calendar %s: removing events stopped: %s", connection.pk, exc)
            report.left += len(rows) - index
            left.extend(_left_name(r) for r in rows[index:])
            break
        except CalendarError as exc:
            logger.warning("calendar %s: event %s kept: %s", connection.pk, row.pk, exc)
            report.left += 1
            left.append(_left_name(row))
            continue
        row.delete()
        if ids:
            report.deleted += 1
    return left


def _revoke(connection: CalendarConnection) -> bool:
    """Best effort: the grant is forgotten here whatever the provider says."""
    token = connection.refresh_token or connection.access_token
    app = calendar_app_get(provider=connection.provider)
    if not token or app is None or not app.has_credentials:
        return False
    try:
        _oauth(app).revoke(token=token)
    except CalendarError as exc:
        logger.warning("calendar %s: revoking failed: %s", connection.pk, exc)
        return False
    return True


# --- needs reconnecting ---------------------------------------------------------------------


def calendar_connection_needs_reconnect(*, connection_id: int, reason: str) -> bool:
    """The provider no longer accepts the grant (`invalid_grant`): forget the tokens, mark the
    connection, and tell the person (a mail and a notification). Once: False if it was
    already marked."""
    with transaction.atomic():
        connection = (
            CalendarConnection.objects.select_for_update()
            .select_related("user")
            .filter(pk=connection_id)
            .exclude(status=CalendarConnection.Status.DISCONNECTING)
            .first()
        )
        # The token source may have marked it already (it commits that before raising):
        # the code in last_error says the person was told.
        if connection is None or connection.last_error == ERROR_NEEDS_RECONNECT:
            return False
        label = _provider_label(connection.provider)
        connection.status = CalendarConnection.Status.NEEDS_RECONNECT
        connection.access_token = ""
        connection.refresh_token = ""
        connection.expires_at = None
        connection.sync_started_at = None
        connection.last_error = ERROR_NEEDS_RECONNECT
        connection.save()
        user = connection.user
        audit_record(
            actor_label="calendar",
            action="calendar.connection.needs_reconnect",
            target=connection,
            details={"provider": connection.provider, "user": user.email, "reason": reason},
        )
        if user.is_active:
            from tenants.mail.services import mail_queue

            mail_queue(
                key=f"calendar-signed-out:{connection.pk}:{timezone.now().isoformat()}",
                to=user.email,
                template="calendar_signed_out",
                context={"name": user.name or user.email, "provider": label},
                user=user,
            )
            with translation.override(person_language(user=user)):
                message = _(
                    "%(provider)s signed you out. Connect it again to keep your classes in "
                    "your calendar."
                ) % {"provider": label}
            publish(
                CalendarNeedsReconnect(
                    user_id=user.pk, provider=connection.provider, message=message
                )
            )
    return True


# --- syncing --------------------------------------------------------------------------------


def event_key_new() -> str:
    """26 characters of lower-case base32hex (Google's rule for an event id a client chooses:
    a-v and 0-9, 5 to 1024 characters), 128 random bits."""
    return base64.b32hexencode(secrets.token_bytes(16)).decode().rstrip("=").lower()


def body_fingerprint(body: EventBody) -> str:
    """What was written, so that an unchanged session costs no call (the key is not part of
    it: it names the event, it is not in it)."""
    data = [
        body.title,
        body.description,
        body.start.isoformat(),
        body.end.isoformat(),
        body.timezone,
        body.location,
        body.url,
    ]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def _event_body(*, meeting: Meeting, key: str, join_url: str, page_url: str) -> EventBody:
    lines = [meeting.description.strip()] if meeting.description.strip() else []
    if join_url:
        lines.append(_("Join the class: %(url)s") % {"url": join_url})
    lines.append(_("Class page: %(url)s") % {"url": page_url})
    return EventBody(
        key=key,
        title=meeting.title,
        description="\n\n".join(lines),
        start=meeting.start_time,
        end=meeting.end_time,
        timezone=meeting.timezone or "UTC",
        # Where to go at the time: the person's join link, or for those who start or watch
        # the class rather than join it (its teachers, parents) the class page.
        location=join_url or page_url,
        url=page_url,
    )


# A whole sync's progress is stored every so many events (and at its end): a query per event
# would be a tenth of the sync's own time.
PROGRESS_EVERY = 10


@dataclass
class SyncReport:
    written: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: int = 0
    calls: int = 0
    retry_after: float | None = None  # rate limited: run again after this many seconds
    busy: bool = False  # another sync holds the connection: run again shortly
    # "gone" | "not_set_up" | "needs_reconnect" | "auth" | "quota" (the provider's quota for
    # the day: the next periodic run goes on): nothing more now
    stopped: str = ""


@dataclass
class _Put:
    meeting: Meeting
    join_url: str
    page_url: str
    fingerprint: str


@dataclass
class _Delete:
    row: SyncedEvent
    keep_row: bool  # a cancelled session: the row stays, marked removed


@contextmanager
def _connection_held(connection_id: int, *, wait: float = 0) -> Iterator[bool]:
    """The right to write one connection's events (a session-level advisory lock, so that
    it spans the sync's many short transactions); False if another holds it (after waiting
    up to `wait` seconds for it)."""
    key = f"{tenant_connection().schema_name}:calendar-connection:{connection_id}"
    with db_connection.cursor() as cursor:
        if wait > 0:
            try:
                # A savepoint: a lock timeout must not break the caller's transaction.
                with transaction.atomic():
                    cursor.execute("SET LOCAL lock_timeout = %s", [f"{int(wait * 1000)}ms"])
                    cursor.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [key])
                held = True
            except OperationalError:
                held = False
        else:
            cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
            held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with db_connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def _plan(
    connection: CalendarConnection, meeting_ids: list[int] | None
) -> tuple[list[_Put | _Delete], int]:
    """What to do: puts of new or changed sessions, deletes of cancelled ones and of those
    that left the set; and how many are unchanged."""
    user = connection.user
    window = sync_window()
    wanted = calendar_sync_wanted(user=user, window=window, meeting_ids=meeting_ids)
    if meeting_ids is not None:
        # The same cap as a whole sync's: a session beyond it is not written by a narrow one.
        horizon = calendar_sync_horizon_end(user=user, window=window)
        wanted = [m for m in wanted if m.start_time <= horizon]
    rows_q = connection.events.select_related("meeting")
    if meeting_ids is not None:
        rows_q = rows_q.filter(Q(meeting_id__in=meeting_ids) | Q(meeting__isnull=True))
    # Rows of deleted sessions (meeting null) share the key None: keep them all.
    rows: dict[int, SyncedEvent] = {}
    gone: list[SyncedEvent] = []
    for found in rows_q:
        if found.meeting_id is None:
            gone.append(found)
        else:
            rows[found.meeting_id] = found
    live = [m for m in wanted if m.status != Meeting.Status.CANCELLED]
    links = join_urls_for(user=user, meetings=live)
    origin = school_origin()
    items: list[_Put | _Delete] = []
    unchanged = 0
    seen: set[int] = set()
    with translation.override(person_language(user=user)):
        for meeting in wanted:
            seen.add(meeting.pk)
            row = rows.get(meeting.pk)
            if meeting.status == Meeting.Status.CANCELLED:
                if row is not None and not row.removed:
                    items.append(_Delete(row=row, keep_row=True))
                continue
            page = f"{origin}/app/meetings/{meeting.pk}"
            link = links.get(meeting.pk, "")
            body = _event_body(meeting=meeting, key="", join_url=link, page_url=page)
            fingerprint = body_fingerprint(body)
            if (
                row is not None
                and not row.removed
                and row.remote_id
                and row.fingerprint == fingerprint
            ):
                unchanged += 1
                continue
            items.append(
                _Put(meeting=meeting, join_url=link, page_url=page, fingerprint=fingerprint)
            )
    for meeting_id, row in rows.items():
        if meeting_id in seen or row.removed:
            continue
        if row.meeting is not None and row.meeting.start_time < window.start:
            continue  # a session gone by stays in the calendar as it was
        items.append(_Delete(row=row, keep_row=False))
    items.extend(_Delete(row=row, keep_row=False) for row in gone)
    return items, unchanged


def _rows_for(connection: CalendarConnection, puts: list[_Put]) -> dict[int, SyncedEvent]:
    """Each put's row, made with its key and committed before the first write."""
    ids = [put.meeting.pk for put in puts]
    SyncedEvent.objects.bulk_create(
        [SyncedEvent(connection=connection, meeting_id=i, key=event_key_new()) for i in ids],
        ignore_conflicts=True,
    )
    rows: dict[int, SyncedEvent] = {}
    for row in connection.events.filter(meeting_id__in=ids):
        assert row.meeting_id is not None
        rows[row.meeting_id] = row
        if row.removed:
            # Written again after a cancellation: a new event under a new key (the old id may
            # still name the deleted event there).
            row.key = event_key_new()
            row.removed = False
            row.remote_id = ""
            row.etag = ""
            row.save(update_fields=["key", "removed", "remote_id", "etag"])
    return rows


def calendar_sync(*, connection_id: int, meeting_ids: list[int] | None = None) -> SyncReport:
    """Bring one connected calendar in line with the person's sessions: all of them (a whole
    sync, with progress on the connection), or those of `meeting_ids` (a change). Per-event
    failures are recorded on their rows and the rest go on; a rate limit stops here with
    `retry_after` (a rerun goes on where this stopped: what is written costs nothing again);
    a revoked grant marks the connection and tells the person."""
    report = SyncReport()
    whole = meeting_ids is None
    with _connection_held(connection_id) as held:
        if not held:
            report.busy = True
            return report
        connection = (
            CalendarConnection.objects.select_related("user").filter(pk=connection_id).first()
        )
        if connection is None or connection.status != CalendarConnection.Status.ACTIVE:
            report.stopped = "gone"
            return report
        app = calendar_app_get(provider=connection.provider)
        if app is None or not app.usable:
            report.stopped = "not_set_up"
            CalendarConnection.objects.filter(pk=connection.pk).update(
                sync_started_at=None,
                last_error=ERROR_NOT_SET_UP,
            )
            return report
        items, report.unchanged = _plan(connection, meeting_ids)
        if whole:
            _progress_begin(connection, total=len(items) + report.unchanged, done=report.unchanged)
        puts = [item for item in items if isinstance(item, _Put)]
        rows = _rows_for(connection, puts) if puts else {}
        try:
            provider = _provider(connection) if items else None
        except CalendarError as exc:
            # The app's address is no longer one this server calls (the allow-list changed):
            # nothing can be written until an admin saves the calendar settings again.
            logger.warning("calendar %s: no provider: %s", connection.pk, exc)
            report.stopped = "not_set_up"
            CalendarConnection.objects.filter(pk=connection.pk).update(
                sync_started_at=None, last_error=ERROR_NOT_SET_UP
            )
            return report
        done = report.unchanged
        finder = (
            _KeyFinder(
                provider,
                [i.row.key for i in items if isinstance(i, _Delete) and not i.row.remote_id],
            )
            if provider is not None
            else None
        )
        for item in items:
            assert provider is not None and finder is not None
            try:
                if isinstance(item, _Put):
                    _put(provider, rows[item.meeting.pk], item, report)
                else:
                    _delete(provider, item, report, finder)
            except CalendarQuotaExceeded:
                # The day's quota: nothing more until the next periodic run (retrying every
                # minute would only spend the morning's quota).
                logger.warning("calendar %s: the provider's daily quota is used up", connection.pk)
                report.stopped = "quota"
                break
            except CalendarRateLimited as exc:
                report.retry_after = exc.retry_after or 60.0
                break
            except CalendarGrantRevoked:
                calendar_connection_needs_reconnect(
                    connection_id=connection.pk, reason="invalid_grant"
                )
                report.stopped = "needs_reconnect"
                break
            except CalendarAuthError as exc:
                logger.warning("calendar %s: sync stopped: %s", connection.pk, exc)
                report.stopped = "auth"
                break
            except CalendarError as exc:
                report.failed += 1
                row = rows.get(item.meeting.pk) if isinstance(item, _Put) else item.row
                if row is not None:
                    SyncedEvent.objects.filter(pk=row.pk).update(last_error=exc.message[:500])
                logger.warning("calendar %s: one event failed: %s", connection.pk, exc)
            done += 1
            if whole and done % PROGRESS_EVERY == 0:
                still = CalendarConnection.objects.filter(
                    pk=connection.pk, status=CalendarConnection.Status.ACTIVE
                ).update(sync_done=done)
                if not still:  # disconnected meanwhile: its removal waits for this to stop
                    report.stopped = "gone"
                    break
        if whole:
            CalendarConnection.objects.filter(pk=connection.pk).update(sync_done=done)
        _progress_end(connection, report, whole=whole)
    return report


def _put(provider: CalendarProvider, row: SyncedEvent, item: _Put, report: SyncReport) -> None:
    body = _event_body(
        meeting=item.meeting, key=row.key, join_url=item.join_url, page_url=item.page_url
    )
    report.calls += 1
    written = provider.event_put(body, remote_id=row.remote_id)
    SyncedEvent.objects.filter(pk=row.pk).update(
        remote_id=written.remote_id,
        etag=written.etag[:255],
        fingerprint=item.fingerprint,
        removed=False,
        written_at=timezone.now(),
        last_error="",
    )
    report.written += 1


def _delete(
    provider: CalendarProvider, item: _Delete, report: SyncReport, finder: _KeyFinder
) -> None:
    row = item.row
    # A row without a remote id may still have made its event (a create whose answer was
    # lost, or a worker that died before recording it): found by its key, to delete it.
    ids = [row.remote_id] if row.remote_id else finder.ids(row.key)
    for remote_id in ids:
        report.calls += 1
        provider.event_delete(remote_id)
    if item.keep_row:
        SyncedEvent.objects.filter(pk=row.pk).update(
            removed=True, remote_id="", etag="", fingerprint="", last_error=""
        )
    else:
        row.delete()
    report.deleted += 1


def _progress_begin(connection: CalendarConnection, *, total: int, done: int) -> None:
    now = timezone.now()
    started = connection.sync_started_at
    resuming = started is not None and (
        connection.last_sync_at is None or connection.last_sync_at < started
    )
    CalendarConnection.objects.filter(pk=connection.pk).update(
        sync_started_at=started if resuming else now, sync_total=total, sync_done=done
    )
    publish(
        CalendarSyncChanged(
            user_id=connection.user_id,
            provider=connection.provider,
            syncing=True,
            done=done,
            total=total,
        )
    )


def _progress_end(connection: CalendarConnection, report: SyncReport, *, whole: bool) -> None:
    if report.retry_after is not None or report.stopped in ("needs_reconnect", "gone"):
        return  # still syncing (it goes on later), or already marked and told
    fields: dict[str, Any] = {}
    if report.stopped in ("auth", "quota"):
        fields["last_error"] = ERROR_REFUSED if report.stopped == "auth" else ERROR_QUOTA
        if whole:
            fields["sync_started_at"] = None
    elif report.failed:
        fields["last_error"] = f"{ERROR_FAILED}:{report.failed}"
    else:
        fields["last_error"] = ""
    if whole and report.stopped not in ("auth", "quota"):
        fields["last_sync_at"] = timezone.now()
    CalendarConnection.objects.filter(pk=connection.pk).update(**fields)
    if whole:
        fresh = CalendarConnection.objects.get(pk=connection.pk)
        publish(
            CalendarSyncChanged(
                user_id=connection.user_id,
                provider=connection.provider,
                syncing=False,
                done=fresh.sync_done,
                total=fresh.sync_total,
            )
        )


def _sync_queue(connection: CalendarConnection) -> None:
    """A whole sync of `connection`, queued after the current transaction commits."""
    connection_id = connection.pk

    def queue() -> None:
        from meetings.calendar_sync.actors import calendar_sync_connection

        calendar_sync_connection.send(connection_id)

    transaction.on_commit(queue)


def calendar_sync_request(*, user: User, provider: str) -> CalendarConnection:
    """ "Sync now": a whole sync of the person's own calendar, queued."""
    _active_person(user)
    _provider_check(provider)
    with transaction.atomic():
        connection = (
            CalendarConnection.objects.select_for_update()
            .filter(user=user, provider=provider)
            .first()
        )
        if connection is None:
            raise NotFound("calendar connection")
        if connection.status != CalendarConnection.Status.ACTIVE:
            raise ValidationError(
                _("Connect %(provider)s again first.") % {"provider": _provider_label(provider)},
                code="needs_reconnect",
            )
        connection.sync_started_at = timezone.now()
        connection.save(update_fields=["sync_started_at"])
        _sync_queue(connection)
    return connection


def calendar_connections_sync_all() -> int:
    """The periodic job's body: a whole sync of every active connection, one message each
    (fingerprints make an unchanged calendar cost no call)."""
    from meetings.calendar_sync.actors import calendar_sync_connection

    ids = calendar_connections_active_ids()
    for connection_id in ids:
        calendar_sync_connection.send(connection_id)
    calendar_removals_resend()
    return len(ids)


def calendar_removals_resend() -> int:
    """Queue again the removal of every connection still disconnecting (a person who
    disconnected or was deleted while the queue was down keeps no grant with us for long).
    The removal is idempotent and holds its connection: a second message waits or finds it
    gone."""
    from meetings.calendar_sync.actors import calendar_disconnect_run

    ids = list(
        CalendarConnection.objects.filter(status=CalendarConnection.Status.DISCONNECTING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for connection_id in ids:
        calendar_disconnect_run.send(connection_id)
    return len(ids)


# --- sessions changed -----------------------------------------------------------------------


class _Changed:
    """The sessions changed in one transaction, sent in one message after it commits."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.ids: set[int] = set()
        self.sent = False

    def send(self) -> None:
        self.sent = True
        ids = sorted(self.ids)
        if not ids:
            return
        from meetings.calendar_sync.actors import calendar_meetings_changed

        with schema_context(self.schema):
            # A school where nobody connected a calendar sends nothing.
            if not CalendarConnection.objects.filter(
                status=CalendarConnection.Status.ACTIVE
            ).exists():
                return
            calendar_meetings_changed.send(ids)

    def live(self) -> bool:
        # Not sent, and its hook not discarded by a rollback.
        return not self.sent and any(hook[1] == self.send for hook in db_connection.run_on_commit)


def calendar_meetings_changed_queue(*, meeting_ids: list[int]) -> None:
    """Called where every session change passes (`_calendar_event_upsert`): one message per
    transaction, after it commits, with every session it changed."""
    schema = tenant_connection().schema_name
    pending: _Changed | None
    if not db_connection.in_atomic_block:
        pending = _Changed(schema)
        pending.ids.update(meeting_ids)
        pending.send()
        return
    pending = getattr(db_connection, "_calendar_changed", None)
    if pending is None or pending.schema != schema or not pending.live():
        pending = _Changed(schema)
        db_connection._calendar_changed = pending  # type: ignore[attr-defined]
        transaction.on_commit(pending.send)
    pending.ids.update(meeting_ids)


def calendar_meetings_changed(*, meeting_ids: list[int]) -> int:
    """The actor's body: a narrow sync of these sessions for every connection they concern.
    Returns how many connections."""
    from meetings.calendar_sync.actors import calendar_sync_connection

    if not CalendarConnection.objects.exists():
        return 0
    ids = calendar_connections_concerned(meeting_ids=meeting_ids)
    for connection_id in ids:
        calendar_sync_connection.send(connection_id, meeting_ids)
    return len(ids)
