"""A stand-in for Google Calendar and Microsoft Outlook (Graph): each provider's OAuth (an
authorize page with an "Allow" button, code exchange, refresh; Microsoft rotating its refresh
tokens, Google's revocation), the calendar calls the platform makes (events create, get,
update, delete; free/busy; whose account it is), each provider's error bodies and rate-limit
answers, and a page `/calendars/` listing every stand-in calendar and its events.

Laid out like the providers under one origin:

    /google/o/oauth2/v2/auth   /google/token   /google/revoke   /google/v1/userinfo
    /google/calendar/v3/calendars/{calendarId}/events[/{eventId}]   /google/calendar/v3/freeBusy
    /microsoft/{tenant}/oauth2/v2.0/authorize|token
    /microsoft/v1.0/me   /microsoft/v1.0/me[/calendars/{id}]/events[/{id}]   …/calendarView

Control: `POST /_sandbox/calendars/busy {provider, email, start, end}` puts a busy block in
someone's calendar; `POST /_sandbox/calendars/expire {provider?}` expires access tokens;
`GET /_sandbox/calendars/state` is everything as JSON. The rate limit is the sandbox's
(`/_sandbox/config {"rate_limit_per_second": n, "account_id": "google"|"microsoft"}`), fail
injection the sandbox's (`/_sandbox/fail`) with a `path_prefix` under `/google` or `/microsoft`.

The demo apps (DEMO_APPS) are known from the start; the demo seed points the demo school's
calendar apps at them."""

from __future__ import annotations

import hashlib
import html
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zoom_sandbox.common import ZoomError, locked

if TYPE_CHECKING:
    from zoom_sandbox.api import Request, Response

GOOGLE = "google"
MICROSOFT = "microsoft"
PROVIDERS = (GOOGLE, MICROSOFT)
LABELS = {GOOGLE: "Google Calendar", MICROSOFT: "Microsoft Outlook"}
# The demo school's calendar apps (devtools' seed enters these).
DEMO_APPS = {
    GOOGLE: ("demo-google-client", "demo-google-secret"),
    MICROSOFT: ("demo-microsoft-client", "demo-microsoft-secret"),
}
TOKEN_LIFETIME = 3599
CODE_LIFETIME = 600
GOOGLE_SCOPE_EVENTS = "https://www.googleapis.com/auth/calendar.events"


# --- errors in each provider's shape ---------------------------------------------------------


def google_error(status: int, reason: str, message: str, domain: str = "global") -> ZoomError:
    """developers.google.com/calendar/api/guides/errors"""
    body = {
        "error": {
            "errors": [{"domain": domain, "reason": reason, "message": message}],
            "code": status,
            "message": message,
        }
    }
    return ZoomError(status, body)


def graph_error(status: int, code: str, message: str, headers: dict | None = None) -> ZoomError:
    """learn.microsoft.com/graph/errors"""
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": secrets.token_hex(16),
            },
        }
    }
    return ZoomError(status, body, headers)


def token_error(provider: str, status: int, error: str, description: str) -> ZoomError:
    body: dict[str, Any] = {"error": error, "error_description": description}
    if provider == MICROSOFT:
        code = {"invalid_grant": 70000, "invalid_client": 7000215}.get(error, 90000)
        body["error_description"] = f"AADSTS{code}: {description}"
        body["error_codes"] = [code]
    return ZoomError(status, body)


def _unauthorized(provider: str) -> ZoomError:
    if provider == GOOGLE:
        error = google_error(401, "authError", "Invalid Credentials")
        error.body["error"]["errors"][0].update(locationType="header", location="Authorization")
        return error
    return graph_error(
        401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid."
    )


# --- state -----------------------------------------------------------------------------------


@dataclass
class CalApp:
    provider: str
    client_id: str
    client_secret: str


@dataclass
class CalGrant:
    provider: str
    client_id: str
    email: str
    scope: str
    revoked: bool = False


@dataclass
class CalToken:
    token: str
    grant: CalGrant
    expires_at: float


@dataclass
class CalEvent:
    id: str
    data: dict  # the provider's event resource as we keep it (times as sent)
    start: datetime  # UTC
    end: datetime
    created: float
    updated: float
    etag: str = ""
    cancelled: bool = False
    busy_block: bool = False  # added by /_sandbox/calendars/busy


@dataclass
class Calendar:
    provider: str
    email: str
    events: dict[str, CalEvent] = field(default_factory=dict)
    transactions: dict[str, str] = field(default_factory=dict)  # Graph transactionId -> id


class CalendarsMixin:
    lock: Any
    clock: Any
    rate_limits: dict[str | None, int]
    cal_apps: dict[tuple[str, str], CalApp]
    cal_codes: dict[str, tuple[CalGrant, str, float]]  # code -> grant, redirect_uri, expiry
    cal_tokens: dict[str, CalToken]
    cal_refresh: dict[str, CalGrant]
    calendars: dict[tuple[str, str], Calendar]

    def _reset_calendars(self) -> None:
        self.cal_apps = {
            (provider, client_id): CalApp(provider, client_id, secret)
            for provider, (client_id, secret) in DEMO_APPS.items()
        }
        self.cal_codes = {}
        self.cal_tokens = {}
        self.cal_refresh = {}
        self.calendars = {}
        self._cal_rate: dict[tuple[str, int], int] = {}

    # --- OAuth ---

    @locked
    def cal_app_add(self, provider: str, client_id: str, client_secret: str) -> None:
        self.cal_apps[(provider, client_id)] = CalApp(provider, client_id, client_secret)

    @locked
    def cal_authorize(
        self, provider: str, *, client_id: str, redirect_uri: str, scope: str, email: str
    ) -> str:
        """The code for `email`'s approval (the page's "Allow")."""
        if (provider, client_id) not in self.cal_apps:
            raise ZoomError(400, "The app (client_id) is not known to this stand-in.")
        if not redirect_uri.startswith(("http://", "https://")):
            raise ZoomError(400, "The redirect_uri is missing or not a web address.")
        if "@" not in email:
            raise ZoomError(400, "Enter an email address.")
        code = secrets.token_urlsafe(24)
        grant = CalGrant(provider, client_id, email.strip().lower(), scope)
        self.cal_codes[code] = (grant, redirect_uri, self.clock() + CODE_LIFETIME)
        self._calendar(provider, grant.email)
        return code

    @locked
    def cal_token(self, provider: str, form: dict[str, str]) -> dict:
        app = self.cal_apps.get((provider, form.get("client_id", "")))
        if app is None or not secrets.compare_digest(
            app.client_secret, form.get("client_secret", "")
        ):
            raise token_error(provider, 401, "invalid_client", "Unauthorized")
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            found = self.cal_codes.pop(form.get("code", ""), None)
            if found is None or found[0].client_id != app.client_id or found[2] <= self.clock():
                raise token_error(provider, 400, "invalid_grant", "Bad Request")
            grant, redirect_uri, _ = found
            if form.get("redirect_uri", "") != redirect_uri:
                raise token_error(provider, 400, "redirect_uri_mismatch", "Bad Request")
            return self._cal_issue(grant, refresh=True)
        if grant_type == "refresh_token":
            old = form.get("refresh_token", "")
            grant = self.cal_refresh.get(old)
            if grant is None or grant.revoked or grant.client_id != app.client_id:
                raise token_error(
                    provider, 400, "invalid_grant", "Token has been expired or revoked."
                )
            if provider == MICROSOFT:
                # Rotation: the old refresh token is spent once a new one is issued.
                del self.cal_refresh[old]
            return self._cal_issue(grant, refresh=provider == MICROSOFT)
        raise token_error(provider, 400, "unsupported_grant_type", "Invalid grant_type")

    def _cal_issue(self, grant: CalGrant, *, refresh: bool) -> dict:
        access = f"{grant.provider[0]}at.{secrets.token_urlsafe(24)}"
        self.cal_tokens[access] = CalToken(access, grant, self.clock() + TOKEN_LIFETIME)
        body: dict[str, Any] = {
            "access_token": access,
            "expires_in": TOKEN_LIFETIME,
            "scope": grant.scope,
            "token_type": "Bearer",
        }
        if grant.provider == MICROSOFT:
            body["ext_expires_in"] = TOKEN_LIFETIME
        if refresh:
            token = f"{grant.provider[0]}rt.{secrets.token_urlsafe(24)}"
            self.cal_refresh[token] = grant
            body["refresh_token"] = token
        return body

    @locked
    def cal_revoke(self, token: str) -> None:
        """Google's revoke: an access or refresh token ends its whole grant."""
        grant = self.cal_refresh.get(token)
        if grant is None and token in self.cal_tokens:
            grant = self.cal_tokens[token].grant
        if grant is None or grant.revoked or grant.provider != GOOGLE:
            raise token_error(GOOGLE, 400, "invalid_token", "Token expired or revoked")
        grant.revoked = True

    @locked
    def cal_bearer(self, provider: str, authorization: str) -> CalGrant:
        scheme, _, value = (authorization or "").partition(" ")
        token = self.cal_tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if (
            token is None
            or token.grant.provider != provider
            or token.grant.revoked
            or token.expires_at <= self.clock()
        ):
            raise _unauthorized(provider)
        return token.grant

    @locked
    def cal_expire(self, provider: str = "") -> None:
        for token in self.cal_tokens.values():
            if not provider or token.grant.provider == provider:
                token.expires_at = min(token.expires_at, self.clock() - 1)

    @locked
    def cal_rate_check(self, provider: str) -> None:
        """The sandbox's rate limit for `provider` (or for everything), answered like it."""
        limit = self.rate_limits.get(provider, self.rate_limits.get(None))
        if limit is None:
            return
        second = int(self.clock())
        self._cal_rate = {k: v for k, v in self._cal_rate.items() if k[1] >= second}
        key = (provider, second)
        self._cal_rate[key] = self._cal_rate.get(key, 0) + 1
        if self._cal_rate[key] <= limit:
            return
        if provider == GOOGLE:
            raise google_error(403, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits")
        raise graph_error(
            429,
            "ApplicationThrottled",
            "Application is over its MailboxConcurrency limit.",
            {"Retry-After": "1"},
        )

    # --- calendars ---

    def _calendar(self, provider: str, email: str) -> Calendar:
        key = (provider, email.lower())
        if key not in self.calendars:
            self.calendars[key] = Calendar(provider, email.lower())
        return self.calendars[key]

    @locked
    def cal_busy_add(self, provider: str, email: str, start: str, end: str) -> dict:
        if provider not in PROVIDERS:
            raise ZoomError(400, {"message": f"provider must be one of {PROVIDERS}"})
        calendar = self._calendar(provider, email)
        begins, ends = _utc(start), _utc(end)
        if ends <= begins:
            raise ZoomError(400, {"message": "end must be after start"})
        event_id = secrets.token_hex(13)
        now = self.clock()
        calendar.events[event_id] = CalEvent(
            id=event_id,
            data={"summary": "Busy", "subject": "Busy", "location": ""},
            start=begins,
            end=ends,
            created=now,
            updated=now,
            etag=_etag(event_id, now),
            busy_block=True,
        )
        return {"id": event_id}

    @locked
    def cal_event_write(
        self, calendar: Calendar, event_id: str, data: dict, *, create: bool
    ) -> CalEvent:
        start, end = _event_times(calendar.provider, data)
        now = self.clock()
        existing = calendar.events.get(event_id)
        if create:
            event = CalEvent(event_id, data, start, end, now, now, _etag(event_id, now))
            calendar.events[event_id] = event
            return event
        assert existing is not None
        existing.data = data
        existing.start, existing.end = start, end
        existing.updated = now
        existing.etag = _etag(event_id, now)
        return existing

    @locked
    def cal_snapshot(self) -> list[dict]:
        return [
            {
                "provider": c.provider,
                "email": c.email,
                "events": [
                    {
                        "id": e.id,
                        "title": e.data.get("summary") or e.data.get("subject") or "",
                        "start": _z(e.start),
                        "end": _z(e.end),
                        "location": _location(c.provider, e.data),
                        "written": _as_written(e.data),
                        "cancelled": e.cancelled,
                        "busy_block": e.busy_block,
                    }
                    for e in sorted(c.events.values(), key=lambda e: e.start)
                ],
            }
            for c in sorted(self.calendars.values(), key=lambda c: (c.provider, c.email))
        ]


# --- formats ---------------------------------------------------------------------------------


def _utc(value: str) -> datetime:
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _z(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _etag(event_id: str, now: float) -> str:
    return '"' + str(int.from_bytes(hashlib.sha256(f"{event_id}{now}".encode()).digest()[:6])) + '"'


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ZoomError(400, {"message": f"Unknown time zone {name!r}"}) from exc


def _event_times(provider: str, data: dict) -> tuple[datetime, datetime]:
    try:
        if provider == GOOGLE:
            start, end = _utc(data["start"]["dateTime"]), _utc(data["end"]["dateTime"])
        else:
            start, end = _graph_time(data["start"]), _graph_time(data["end"])
    except (KeyError, TypeError, ValueError) as exc:
        if provider == GOOGLE:
            raise google_error(400, "required", "Missing time.") from exc
        raise graph_error(400, "ErrorInvalidRequest", "Start and end are required.") from exc
    if end < start:
        if provider == GOOGLE:
            raise google_error(400, "timeRangeEmpty", "The specified time range is empty.")
        raise graph_error(400, "ErrorInvalidRequest", "The end is before the start.")
    return start, end


def _graph_time(value: dict) -> datetime:
    text = str(value["dateTime"])
    if "." in text:
        whole, fraction = text.split(".", 1)
        text = f"{whole}.{fraction[:6]}"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_zone(value.get("timeZone") or "UTC"))
    return parsed.astimezone(UTC)


def _graph_out(value: datetime) -> dict:
    return {"dateTime": value.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}


def _location(provider: str, data: dict) -> str:
    if provider == GOOGLE:
        return str(data.get("location") or "")
    location = data.get("location") or {}
    return str(location.get("displayName") or "") if isinstance(location, dict) else ""


def _as_written(data: dict) -> str:
    """The start as the platform wrote it: the class's wall-clock time and zone."""
    start = data.get("start")
    if not isinstance(start, dict) or not start.get("dateTime"):
        return ""
    return f"{start['dateTime']} {start.get('timeZone') or ''}".strip()


def _merge(periods: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(periods):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# --- routing ---------------------------------------------------------------------------------


def route(state: Any, request: Request) -> Response:
    """Requests under /google, /microsoft, /calendars and /_sandbox/calendars."""
    from zoom_sandbox.api import Response

    seg = request.segments
    if seg[:1] == ["calendars"]:
        return _page(state)
    if seg[:2] == ["_sandbox", "calendars"]:
        return _control(state, request, "/".join(seg[2:]))
    if seg[:1] == [GOOGLE]:
        return _google(state, request, seg[1:])
    if seg[:1] == [MICROSOFT]:
        return _microsoft(state, request, seg[1:])
    return Response.json(404, {"error": "not found"})


def _control(state: Any, request: Request, action: str) -> Response:
    from zoom_sandbox.api import Response

    if request.method == "GET" and action == "state":
        return Response.json(200, {"calendars": state.cal_snapshot()})
    if request.method != "POST":
        return Response.json(404, {"message": "Not Found"})
    data = request.json()
    if action == "busy":
        added = state.cal_busy_add(
            str(data.get("provider", "")),
            str(data.get("email", "")),
            str(data.get("start", "")),
            str(data.get("end", "")),
        )
        return Response.json(201, added)
    if action == "expire":
        state.cal_expire(str(data.get("provider") or ""))
        return Response.json(200, {"status": "expired"})
    if action == "apps":
        state.cal_app_add(str(data["provider"]), str(data["client_id"]), str(data["client_secret"]))
        return Response.json(201, {"status": "added"})
    return Response.json(404, {"message": "Not Found"})


def _authorize_page(
    provider: str, request: Request, action: str, scope_param: str = "scope"
) -> Response:
    """The consent screen: whose calendar (login_hint prefilled), "Allow" or "Cancel"."""
    from zoom_sandbox.api import PAGE_HEADERS, Response

    q = request.query
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in q.items()
        if k != "login_hint"
    )
    scopes = html.escape(q.get(scope_param, ""))
    body = (
        "<!doctype html><meta charset=utf-8>"
        f"<title>Sign in: {LABELS[provider]} (stand-in)</title>"
        "<style>body{font:16px system-ui;max-width:34em;margin:3em auto}"
        "input[type=email]{font:inherit;width:100%;padding:.4em}"
        "button{font:inherit;padding:.5em 1.2em;margin:.8em .5em 0 0}</style>"
        f"<h1>{LABELS[provider]}</h1>"
        "<p>A local stand-in: no real account is used. Choose the address whose calendar "
        "the school may write your sessions to.</p>"
        f'<form method="post" action="{html.escape(action)}">{hidden}'
        '<label>Email address <input type="email" name="login_hint" required '
        f'data-test-id="calendar-email" value="{html.escape(q.get("login_hint", ""))}"></label>'
        f"<p><small>Asks for: {scopes}</small></p>"
        '<button name="decision" value="allow" data-test-id="calendar-allow">Allow</button>'
        '<button name="decision" value="deny" formnovalidate>Cancel</button></form>'
    )
    return Response(200, body.encode(), dict(PAGE_HEADERS))


def _authorize(state: Any, provider: str, request: Request, action: str) -> Response:
    from zoom_sandbox.api import Response

    if request.method == "GET":
        return _authorize_page(provider, request, action)
    form = request.form()
    redirect_uri = form.get("redirect_uri", "")
    joiner = "&" if "?" in redirect_uri else "?"
    back_state = {"state": form["state"]} if form.get("state") else {}
    if form.get("decision") != "allow":
        if not redirect_uri.startswith(("http://", "https://")):
            raise ZoomError(400, "The redirect_uri is missing or not a web address.")
        query = urlencode({"error": "access_denied", **back_state})
        return Response(302, b"", {"Location": f"{redirect_uri}{joiner}{query}"})
    scope = form.get("scope", "")
    if provider == GOOGLE and form.get("include_granted_scopes") == "true":
        scope = " ".join(dict.fromkeys(scope.split()))
    code = state.cal_authorize(
        provider,
        client_id=form.get("client_id", ""),
        redirect_uri=redirect_uri,
        scope=scope,
        email=form.get("login_hint", ""),
    )
    extra = {"scope": scope} if provider == GOOGLE else {}
    query = urlencode({**back_state, "code": code, **extra})
    return Response(302, b"", {"Location": f"{redirect_uri}{joiner}{query}"})


# --- Google ----------------------------------------------------------------------------------


def _google(state: Any, request: Request, seg: list[str]) -> Response:
    from zoom_sandbox.api import Response

    method = request.method
    if seg == ["o", "oauth2", "v2", "auth"] and method in ("GET", "POST"):
        return _authorize(state, GOOGLE, request, "/google/o/oauth2/v2/auth")
    if seg == ["token"] and method == "POST":
        return Response.json(200, state.cal_token(GOOGLE, request.form()))
    if seg == ["revoke"] and method == "POST":
        state.cal_revoke(request.form().get("token", ""))
        return Response.json(200, {})
    grant = state.cal_bearer(GOOGLE, request.header("Authorization"))
    if seg == ["v1", "userinfo"] and method == "GET":
        return Response.json(
            200,
            {
                "sub": str(int(hashlib.sha256(grant.email.encode()).hexdigest()[:15], 16)),
                "email": grant.email,
                "email_verified": True,
            },
        )
    if seg[:2] != ["calendar", "v3"]:
        raise google_error(404, "notFound", "Not Found")
    state.cal_rate_check(GOOGLE)
    rest = seg[2:]
    with state.lock:
        if rest == ["freeBusy"] and method == "POST":
            return Response.json(200, _google_freebusy(state, grant, request.json()))
        if len(rest) >= 3 and rest[0] == "calendars" and rest[2] == "events":
            if rest[1] not in ("primary", grant.email):
                raise google_error(404, "notFound", "Not Found")
            calendar = state._calendar(GOOGLE, grant.email)
            if len(rest) == 3 and method == "POST":
                return _google_insert(state, calendar, request.json())
            if len(rest) == 4:
                return _google_event(state, calendar, method, rest[3], request)
    raise google_error(404, "notFound", "Not Found")


def _google_resource(calendar: Calendar, event: CalEvent) -> dict:
    """An Events resource (developers.google.com/calendar/api/v3/reference/events)."""
    data = {k: v for k, v in event.data.items() if k != "id"}
    return {
        "kind": "calendar#event",
        "etag": event.etag,
        "id": event.id,
        **data,
        "status": "cancelled" if event.cancelled else data.get("status", "confirmed"),
        "htmlLink": f"https://www.google.com/calendar/event?eid={event.id}",
        "created": datetime.fromtimestamp(event.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "updated": datetime.fromtimestamp(event.updated, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "creator": {"email": calendar.email, "self": True},
        "organizer": {"email": calendar.email, "self": True},
        "iCalUID": f"{event.id}@google.com",
        "sequence": 0,
        "eventType": "default",
    }


def _google_insert(state: Any, calendar: Calendar, data: dict) -> Response:
    from zoom_sandbox.api import Response

    event_id = str(data.get("id") or secrets.token_hex(13))
    if not (5 <= len(event_id) <= 1024) or any(
        c not in "0123456789abcdefghijklmnopqrstuv" for c in event_id
    ):
        raise google_error(400, "invalid", "Invalid resource id value.")
    if event_id in calendar.events:  # cancelled ones too: Google keeps the id
        raise google_error(409, "duplicate", "The requested identifier already exists.")
    event = state.cal_event_write(calendar, event_id, data, create=True)
    event.cancelled = data.get("status") == "cancelled"
    return Response.json(200, _google_resource(calendar, event))


def _google_event(
    state: Any, calendar: Calendar, method: str, event_id: str, request: Request
) -> Response:
    from zoom_sandbox.api import Response

    event = calendar.events.get(event_id)
    if event is None:
        raise google_error(404, "notFound", "Not Found")
    if method == "GET":
        return Response.json(200, _google_resource(calendar, event))
    if method == "DELETE":
        if event.cancelled:
            raise google_error(410, "deleted", "Resource has been deleted")
        event.cancelled = True
        return Response(204)
    if method in ("PUT", "PATCH"):
        data = request.json()
        if method == "PATCH":
            data = {**event.data, **data}
        state.cal_event_write(calendar, event_id, data, create=False)
        # An update with status "confirmed" brings a deleted event back (as on Google).
        event.cancelled = data.get("status", "cancelled" if event.cancelled else "") == "cancelled"
        return Response.json(200, _google_resource(calendar, event))
    raise google_error(405, "methodNotAllowed", "Method Not Allowed")


def _google_freebusy(state: Any, grant: CalGrant, data: dict) -> dict:
    """freebusy/query: busy periods of each asked calendar, merged."""
    try:
        time_min, time_max = _utc(data["timeMin"]), _utc(data["timeMax"])
    except (KeyError, ValueError) as exc:
        raise google_error(400, "required", "Missing timeMin or timeMax.") from exc
    if time_max <= time_min:
        raise google_error(400, "timeRangeEmpty", "The specified time range is empty.")
    answer: dict[str, Any] = {}
    for item in data.get("items") or []:
        calendar_id = str(item.get("id", ""))
        if calendar_id not in ("primary", grant.email):
            answer[calendar_id] = {
                "errors": [{"domain": "global", "reason": "notFound"}],
                "busy": [],
            }
            continue
        calendar = state._calendar(GOOGLE, grant.email)
        periods = [
            (max(e.start, time_min), min(e.end, time_max))
            for e in calendar.events.values()
            if not e.cancelled
            and e.data.get("transparency") != "transparent"
            and e.start < time_max
            and e.end > time_min
        ]
        answer[calendar_id] = {"busy": [{"start": _z(s), "end": _z(e)} for s, e in _merge(periods)]}
    return {
        "kind": "calendar#freeBusy",
        "timeMin": _z(time_min),
        "timeMax": _z(time_max),
        "calendars": answer,
    }


# --- Microsoft -------------------------------------------------------------------------------


def _microsoft(state: Any, request: Request, seg: list[str]) -> Response:
    from zoom_sandbox.api import Response

    method = request.method
    if len(seg) == 4 and seg[1:3] == ["oauth2", "v2.0"]:
        if seg[3] == "authorize" and method in ("GET", "POST"):
            return _authorize(
                state, MICROSOFT, request, f"/microsoft/{seg[0]}/oauth2/v2.0/authorize"
            )
        if seg[3] == "token" and method == "POST":
            return Response.json(200, state.cal_token(MICROSOFT, request.form()))
    if seg[:1] != ["v1.0"]:
        raise graph_error(404, "UnknownError", "Not Found")
    grant = state.cal_bearer(MICROSOFT, request.header("Authorization"))
    state.cal_rate_check(MICROSOFT)
    rest = seg[1:]
    if rest == ["me"] and method == "GET":
        return Response.json(
            200,
            {
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
                "id": hashlib.sha256(grant.email.encode()).hexdigest()[:32],
                "displayName": grant.email.split("@")[0],
                "mail": grant.email,
                "userPrincipalName": grant.email,
            },
        )
    # /me/calendars/{id}/… is the same single calendar here as /me/…
    if rest[:2] == ["me", "calendars"] and len(rest) >= 4:
        rest = ["me", *rest[3:]]
    with state.lock:
        calendar = state._calendar(MICROSOFT, grant.email)
        if rest == ["me", "events"] and method == "POST":
            return _graph_create(state, calendar, request.json())
        if rest == ["me", "calendarView"] and method == "GET":
            return Response.json(200, _graph_view(state, calendar, request))
        if len(rest) == 3 and rest[:2] == ["me", "events"]:
            return _graph_event(state, calendar, method, rest[2], request)
    raise graph_error(404, "UnknownError", "Not Found")


def _graph_resource(calendar: Calendar, event: CalEvent) -> dict:
    """An event (learn.microsoft.com/graph/api/resources/event), times in UTC."""
    data = {k: v for k, v in event.data.items() if k not in ("start", "end")}
    return {
        "@odata.etag": f"W/{event.etag}",
        "id": event.id,
        "subject": "",
        "showAs": "busy",
        "isCancelled": False,
        "isOrganizer": True,
        "type": "singleInstance",
        **data,
        "start": _graph_out(event.start),
        "end": _graph_out(event.end),
        "originalStartTimeZone": event.data.get("start", {}).get("timeZone", "UTC"),
        "organizer": {"emailAddress": {"address": calendar.email}},
    }


def _graph_create(state: Any, calendar: Calendar, data: dict) -> Response:
    from zoom_sandbox.api import Response

    transaction_id = str(data.get("transactionId") or "")
    if transaction_id and transaction_id in calendar.transactions:
        existing = calendar.events.get(calendar.transactions[transaction_id])
        if existing is not None and not existing.cancelled:
            # Graph ignores a create repeated with the same transactionId.
            return Response.json(201, _graph_resource(calendar, existing))
    # Graph's ids: long base64 with "=" padding.
    event_id = "AAMk" + secrets.token_urlsafe(30) + "="
    event = state.cal_event_write(calendar, event_id, data, create=True)
    if transaction_id:
        calendar.transactions[transaction_id] = event_id
    return Response.json(201, _graph_resource(calendar, event))


def _graph_event(
    state: Any, calendar: Calendar, method: str, event_id: str, request: Request
) -> Response:
    from zoom_sandbox.api import Response

    event = calendar.events.get(event_id)
    if event is None or event.cancelled:
        raise graph_error(
            404, "ErrorItemNotFound", "The specified object was not found in the store."
        )
    if method == "GET":
        return Response.json(200, _graph_resource(calendar, event))
    if method == "PATCH":
        state.cal_event_write(calendar, event_id, {**event.data, **request.json()}, create=False)
        return Response.json(200, _graph_resource(calendar, event))
    if method == "DELETE":
        # Outlook moves it to Deleted Items: gone from the calendar and from its id.
        del calendar.events[event_id]
        return Response(204)
    raise graph_error(405, "ErrorInvalidRequest", "Method not allowed.")


def _graph_view(state: Any, calendar: Calendar, request: Request) -> dict:
    """user-list-calendarview: events overlapping the window, paged with $top / $skip."""
    q = request.query
    try:
        start, end = _utc(q["startDateTime"]), _utc(q["endDateTime"])
    except (KeyError, ValueError) as exc:
        raise graph_error(
            400,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime.",
        ) from exc
    top = max(1, min(int(q.get("$top") or 10), 1000))
    skip = int(q.get("$skip") or 0)
    events = sorted(
        (
            e
            for e in calendar.events.values()
            if not e.cancelled and e.start < end and e.end > start
        ),
        key=lambda e: (e.start, e.id),
    )
    selected = [s.strip() for s in q.get("$select", "").split(",") if s.strip()]
    page = []
    for event in events[skip : skip + top]:
        resource = _graph_resource(calendar, event)
        if selected:
            resource = {
                k: v for k, v in resource.items() if k in selected or k in ("id", "@odata.etag")
            }
        page.append(resource)
    answer: dict[str, Any] = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('me')/calendarView",
        "value": page,
    }
    if skip + top < len(events):
        query = {**q, "$skip": str(skip + top)}
        answer["@odata.nextLink"] = (
            f"{state.base_url}/microsoft/v1.0/me/calendarView?{urlencode(query)}"
        )
    return answer


# --- the page --------------------------------------------------------------------------------


def _page(state: Any) -> Response:
    from zoom_sandbox.api import PAGE_HEADERS, Response

    rows = []
    for calendar in state.cal_snapshot():
        events = [e for e in calendar["events"] if not e["cancelled"]]
        items = (
            "".join(
                f'<tr data-test-id="calendar-event"><td>{html.escape(e["title"])}</td>'
                f"<td>{html.escape(e['start'])}</td><td>{html.escape(e['end'])}</td>"
                f"<td>{html.escape(e['written'])}</td><td>{_link(e['location'])}</td></tr>"
                for e in events
            )
            or '<tr><td colspan="5">No events yet.</td></tr>'
        )
        rows.append(
            f'<section data-test-id="calendar" data-provider="{calendar["provider"]}" '
            f'data-email="{html.escape(calendar["email"])}">'
            f"<h2>{LABELS[calendar['provider']]}: {html.escape(calendar['email'])}</h2>"
            "<table><tr><th>Title</th><th>Start (UTC)</th><th>End (UTC)</th>"
            f"<th>Written as</th><th>Location</th></tr>{items}</table></section>"
        )
    body = (
        "<!doctype html><meta charset=utf-8><title>Stand-in calendars</title>"
        '<meta http-equiv="refresh" content="10">'
        "<style>body{font:15px system-ui;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;white-space:nowrap}</style>"
        "<h1>Stand-in calendars</h1>"
        "<p>Every Google Calendar and Microsoft Outlook calendar connected to the stand-in, "
        "with the events the platform wrote there. Refreshes every 10 seconds.</p>"
        + ("".join(rows) or "<p>No calendar is connected yet.</p>")
    )
    return Response(200, body.encode(), dict(PAGE_HEADERS))


def _link(value: str) -> str:
    if value.startswith(("http://", "https://")):
        escaped = html.escape(value)
        return f'<a href="{escaped}">{escaped}</a>'
    return html.escape(value)
