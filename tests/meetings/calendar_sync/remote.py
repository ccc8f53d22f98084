"""A Google calendar held in memory, for the tests: what it holds, how many calls it took,
and the failures a test asks for. `google_install` answers at the HTTP edge (requests-mock)
with Google Calendar API v3's own shapes, so the sync goes through the real provider classes.

Shapes, from Google's reference (developers.google.com/calendar/api/v3/reference/events and
/calendars, the OAuth 2.0 token and revoke endpoints) and the errors seen in
googleapis/google-api-python-client issues #846 and #210: an insert with an id that exists is
409 "The requested identifier already exists." (reason "duplicate"); a deleted event stays
as status "cancelled" and its delete answers 410 "Resource has been deleted"; the rate limit
is 403 or 429 with reason "rateLimitExceeded", a quota for the day 403 "quotaExceeded"; a
revoked grant is 400 {"error":
"invalid_grant"} at the token endpoint."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests


@dataclass
class Remote:
    """One person's calendar at the provider."""

    email: str = "person@example.com"
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of API calls
    # failures asked for, consumed in order
    rate_limited: int = 0  # N API calls answer "rate limit exceeded"…
    rate_limit_from: int = 0  # …from this call on (1 = the first)
    # Above the client's longest wait (a quota for the hour): it gives up at once, no sleeping.
    retry_after: int = 120
    lose_next_insert_answer: bool = False  # made, but the answer never arrives
    quota_exceeded: bool = False  # Google: every API call answers 403 quotaExceeded
    grant_revoked: bool = False  # the token endpoint answers invalid_grant; API calls 401
    refused_titles: set[str] = field(default_factory=set)  # writes of these answer 400
    revoked_tokens: list[str] = field(default_factory=list)
    # Other accounts (Google): a token issued while `email` named another account writes to
    # that account's calendar (address → events); the first account's is `events`.
    calendars: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    token_account: dict[str, str] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.first_email = self.email

    def live(self, email: str | None = None) -> dict[str, dict[str, Any]]:
        """The events a person sees (Google keeps deleted ones as "cancelled"): the first
        account's, or `email`'s."""
        events = self.events if email in (None, self.first_email) else self.calendars[email]
        return {k: v for k, v in events.items() if v.get("status") != "cancelled"}

    def store_for(self, request) -> dict[str, dict[str, Any]]:
        """The calendar a request's bearer token writes to."""
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        email = self.token_account.get(token, self.first_email)
        if email == self.first_email:
            return self.events
        return self.calendars.setdefault(email, {})

    def api_calls(self) -> int:
        return len(self.calls)


def _error(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "errors": [{"domain": "global", "reason": reason, "message": message}],
            "code": code,
            "message": message,
        }
    }


def _resource(event_id: str, body: dict[str, Any], etag_n: int) -> dict[str, Any]:
    return {
        "kind": "calendar#event",
        "etag": f'"{3000000000000000 + etag_n}"',
        "id": event_id,
        "status": body.get("status", "confirmed"),
        "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
        "created": "2026-11-30T20:00:00.000Z",
        "updated": "2026-11-30T20:00:00.000Z",
        "summary": body.get("summary", ""),
        "description": body.get("description", ""),
        "location": body.get("location", ""),
        "start": body.get("start", {}),
        "end": body.get("end", {}),
        "source": body.get("source"),
        "iCalUID": f"{event_id}@google.com",
        "sequence": 0,
        "reminders": {"useDefault": True},
        "eventType": "default",
    }


EVENTS = re.compile(r"/calendar/v3/calendars/(?P<cal>[^/]+)/events(?:/(?P<id>[^/?]+))?")


def _text(handler):
    """A requests-mock text callback from a handler returning a JSON body, or None (no body)."""

    def respond(request, context):
        body = handler(request, context)
        if body is None:
            return ""
        context.headers.setdefault("Content-Type", "application/json; charset=UTF-8")
        return json.dumps(body)

    return respond


def google_install(mocker, remote: Remote, *, api: str, oauth: str) -> None:
    """Answer Google's token, revoke and Calendar API endpoints under `api` / `oauth` from
    `remote`."""
    etags = itertools.count(1)

    def token(request, context):
        if remote.grant_revoked:
            context.status_code = 400
            return {
                "error": "invalid_grant",
                "error_description": "Token has been expired or revoked.",
            }
        n = next(etags)
        remote.token_account[f"ya29.access-{n}"] = remote.email
        other = remote.email != remote.first_email
        return {
            "access_token": f"ya29.access-{n}",
            "expires_in": 3599,
            "refresh_token": f"1//refresh-{remote.email}" if other else "1//refresh-token",
            "scope": "https://www.googleapis.com/auth/calendar.events openid email",
            "token_type": "Bearer",
            "id_token": "x.y.z",
        }

    def revoke(request, context):
        # POST form `token=…` (developers.google.com/identity/protocols/oauth2/web-server,
        # "Token revocation"): 200 with an empty JSON object.
        form = parse_qs(request.text or "")
        query = parse_qs(urlsplit(request.url).query)
        remote.revoked_tokens.append((form.get("token") or query.get("token") or [""])[0])
        return {}

    def limited(request, context) -> dict[str, Any] | None:
        remote.calls.append((request.method, request.path))
        if remote.grant_revoked:
            context.status_code = 401
            return _error(401, "authError", "Invalid Credentials")
        if remote.quota_exceeded:
            # developers.google.com/calendar/api/guides/errors, "403: Calendar usage limits
            # exceeded" (domain usageLimits), no Retry-After
            context.status_code = 403
            error = _error(403, "quotaExceeded", "Calendar usage limits exceeded.")
            error["error"]["errors"][0]["domain"] = "usageLimits"
            return error
        if remote.rate_limited and len(remote.calls) >= remote.rate_limit_from:
            remote.rate_limited -= 1
            context.status_code = 429
            context.headers["Retry-After"] = str(remote.retry_after)
            return _error(429, "rateLimitExceeded", "Rate Limit Exceeded")
        return None

    def events(request, context):
        failed = limited(request, context)
        if failed is not None:
            return failed
        store = remote.store_for(request)
        match = EVENTS.search(unquote(urlsplit(request.url).path))
        assert match is not None
        event_id = match["id"]
        if request.method in ("POST", "PUT") and request.json().get("summary") in (
            remote.refused_titles
        ):
            context.status_code = 400
            return _error(400, "invalid", "Invalid start time.")
        if request.method == "POST":  # events.insert
            body = request.json()
            event_id = body.get("id") or f"auto{next(remote._ids)}"
            if event_id in store:
                context.status_code = 409
                return _error(409, "duplicate", "The requested identifier already exists.")
            store[event_id] = _resource(event_id, body, next(etags))
            if remote.lose_next_insert_answer:
                remote.lose_next_insert_answer = False
                raise requests.exceptions.ConnectionError("connection reset by peer")
            return store[event_id]
        found = store.get(event_id or "")
        if request.method == "GET":
            if found is None:
                context.status_code = 404
                return _error(404, "notFound", "Not Found")
            return found
        if request.method in ("PUT", "PATCH"):  # events.update / events.patch
            if found is None:
                context.status_code = 404
                return _error(404, "notFound", "Not Found")
            body = request.json()
            merged = body if request.method == "PUT" else {**found, **body}
            merged.setdefault("status", "confirmed")
            store[event_id] = _resource(event_id, merged, next(etags))
            return store[event_id]
        if request.method == "DELETE":
            if found is None:
                context.status_code = 404
                return _error(404, "notFound", "Not Found")
            if found["status"] == "cancelled":
                context.status_code = 410
                return _error(410, "deleted", "Resource has been deleted")
            found["status"] = "cancelled"
            context.status_code = 204
            return None
        context.status_code = 405
        return None

    def calendar(request, context):
        failed = limited(request, context)
        if failed is not None:
            return failed
        return {
            "kind": "calendar#calendarListEntry",
            "etag": '"1"',
            "id": remote.email,
            "summary": remote.email,
            "timeZone": "Asia/Dhaka",
            "primary": True,
            "accessRole": "owner",
        }

    def userinfo(request, context):
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        email = remote.token_account.get(token, remote.email)
        return {"sub": f"sub-{email}", "email": email, "email_verified": True}

    def freebusy(request, context):
        failed = limited(request, context)
        if failed is not None:
            return failed
        body = request.json()
        return {
            "kind": "calendar#freeBusy",
            "timeMin": body.get("timeMin"),
            "timeMax": body.get("timeMax"),
            "calendars": {"primary": {"busy": []}},
        }

    mocker.post(f"{oauth}/token", text=_text(token))
    mocker.post(re.compile(re.escape(f"{oauth}/revoke")), text=_text(revoke))
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        mocker.register_uri(
            method, re.compile(re.escape(api) + r"/calendars/[^/]+/events"), text=_text(events)
        )
    mocker.get(
        re.compile(re.escape(api) + r"/(users/me/calendarList|calendars)/[^/]+$"),
        text=_text(calendar),
    )
    mocker.get(
        re.compile(r".*/(oauth2/v3/userinfo|openidconnect.googleapis.com/v1/userinfo)"),
        text=_text(userinfo),
    )
    mocker.post(re.compile(re.escape(api) + r"/freeBusy"), text=_text(freebusy))


# --- Microsoft Graph ---------------------------------------------------------------------------
#
# Shapes from learn.microsoft.com/graph/api/user-post-events (201 with the event; a repeated
# `transactionId` gives back the event it made), /event-update (PATCH, 200), /event-delete
# (204), /user-get (GET /me: mail, userPrincipalName), the errors page ({"error": {"code",
# "message", "innerError"}}: ErrorItemNotFound for an event gone, 429 TooManyRequests with
# Retry-After), and the identity platform's token endpoint (invalid_grant with AADSTS codes).

GRAPH_EVENT = re.compile(r"/v1\.0/me/(?:calendars/[^/]+/)?events(?:/(?P<id>[^/?]+))?")


def _graph_error(code: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": "2026-11-30T20:00:00",
                "request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2",
                "client-request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2",
            },
        }
    }


def _graph_resource(event_id: str, body: dict[str, Any], n: int) -> dict[str, Any]:
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('me')/events/$entity",
        "@odata.etag": f'W/"DwAAABYAAAB{n}"',
        "id": event_id,
        "changeKey": f"DwAAABYAAAB{n}",
        "transactionId": body.get("transactionId"),
        "subject": body.get("subject", ""),
        "body": body.get("body", {"contentType": "text", "content": ""}),
        "start": body.get("start", {}),
        "end": body.get("end", {}),
        "location": {**body.get("location", {}), "locationType": "default"},
        "showAs": body.get("showAs", "busy"),
        "isCancelled": False,
        "webLink": f"https://outlook.live.com/owa/?itemid={event_id}",
    }


def microsoft_install(mocker, remote: Remote, *, api: str, login: str) -> None:
    """Answer Microsoft's token endpoint and Graph's /me and events under `api` from
    `remote` (its events keyed by Graph's id)."""
    counter = itertools.count(1)
    by_transaction: dict[str, str] = {}

    def token(request, context):
        if remote.grant_revoked:
            context.status_code = 400
            return {
                "error": "invalid_grant",
                "error_description": "AADSTS70008: The provided authorization code or refresh "
                "token has expired due to inactivity.",
                "error_codes": [70008],
            }
        n = next(counter)
        return {
            "token_type": "Bearer",
            "scope": "https://graph.microsoft.com/Calendars.ReadWrite "
            "https://graph.microsoft.com/User.Read",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": f"eyJ0eXAi.access-{n}",
            "refresh_token": f"0.AAAA.refresh-{n}",
        }

    def limited(request, context):
        remote.calls.append((request.method, urlsplit(request.url).path))
        if remote.grant_revoked:
            context.status_code = 401
            return _graph_error("InvalidAuthenticationToken", "Access token has expired.")
        if remote.rate_limited and len(remote.calls) >= remote.rate_limit_from:
            remote.rate_limited -= 1
            context.status_code = 429
            context.headers["Retry-After"] = str(remote.retry_after)
            return _graph_error("TooManyRequests", "Too many requests.")
        return None

    def events(request, context):
        failed = limited(request, context)
        if failed is not None:
            return failed
        match = GRAPH_EVENT.search(unquote(urlsplit(request.url).path))
        assert match is not None
        event_id = match["id"]
        if request.method == "POST":
            body = request.json()
            made = by_transaction.get(body.get("transactionId") or "")
            if made is not None and made in remote.events:
                context.status_code = 201
                return remote.events[made]
            event_id = f"AAMkADYAAAImZdx{next(counter):06d}AAA="
            remote.events[event_id] = _graph_resource(event_id, body, next(counter))
            if body.get("transactionId"):
                by_transaction[body["transactionId"]] = event_id
            if remote.lose_next_insert_answer:
                remote.lose_next_insert_answer = False
                raise requests.exceptions.ConnectionError("connection reset by peer")
            context.status_code = 201
            return remote.events[event_id]
        if request.method == "GET" and event_id is None:
            return events_list(request)
        found = remote.events.get(event_id or "")
        if found is None:
            context.status_code = 404
            return _graph_error(
                "ErrorItemNotFound", "The specified object was not found in the store."
            )
        if request.method == "PATCH":
            merged = {**found, **request.json()}
            remote.events[event_id] = _graph_resource(event_id, merged, next(counter))
            return remote.events[event_id]
        if request.method == "DELETE":
            del remote.events[event_id]
            context.status_code = 204
            return None
        return found

    def events_list(request):
        # GET /me/events?$select=id,transactionId&$orderby=createdDateTime desc&$top=N
        # (learn.microsoft.com/graph/api/user-list-events): a page of {"@odata.etag", "id",
        # and the fields selected; transactionId only when one was set}, newest first, and
        # "@odata.nextLink" (the same query with $skip) while more remain. A $filter on
        # transactionId is refused there (ErrorInvalidProperty), so it is here.
        query = parse_qs(urlsplit(request.url).query)
        if "transactionid" in (query.get("$filter") or [""])[0].lower():
            raise AssertionError("Graph refuses $filter on transactionId")
        assert query.get("$orderby") == ["createdDateTime desc"]
        top = int((query.get("$top") or ["10"])[0])
        skip = int((query.get("$skip") or ["0"])[0])
        newest = list(reversed(remote.events.values()))
        page = newest[skip : skip + top]
        body: dict[str, Any] = {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('me')/events"
            "(id,transactionId)",
            "value": [
                {
                    "@odata.etag": event["@odata.etag"],
                    "id": event["id"],
                    **({"transactionId": event["transactionId"]} if event["transactionId"] else {}),
                }
                for event in page
            ],
        }
        if skip + top < len(newest):
            body["@odata.nextLink"] = (
                f"{api}/me/events?%24select=id%2CtransactionId"
                f"&%24orderby=createdDateTime+desc&%24top={top}&%24skip={skip + top}"
            )
        return body

    def me(request, context):
        failed = limited(request, context)
        if failed is not None:
            return failed
        return {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(mail,"
            "userPrincipalName)/$entity",
            "mail": remote.email,
            "userPrincipalName": remote.email,
        }

    mocker.post(re.compile(re.escape(login) + r"/[^/]+/oauth2/v2\.0/token"), text=_text(token))
    for method in ("GET", "POST", "PATCH", "DELETE"):
        mocker.register_uri(
            method,
            re.compile(re.escape(api) + r"/me/(calendars/[^/]+/)?events"),
            text=_text(events),
        )
    mocker.get(re.compile(re.escape(api) + r"/me(\?.*)?$"), text=_text(me))
