"""Request routing of the Zoom sandbox, independent of the HTTP server: `handle()` takes a method,
the raw request path, headers and body, and returns a `Response`. OAuth lives at the root (as on
zoom.us), the REST API under /v2 (as on api.zoom.us), the control API under /_sandbox."""

from __future__ import annotations

import base64
import binascii
import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from zoom_sandbox import room
from zoom_sandbox.common import ZoomError, api_error
from zoom_sandbox.oauth import DEFAULT_SCOPES, DEMO_CLIENT_ID, Token
from zoom_sandbox.state import SandboxState
from zoom_sandbox.users import DEMO_ACCOUNT_ID

JSON_TYPE = "application/json;charset=UTF-8"
PAGE_HEADERS = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


@dataclass
class Request:
    method: str
    path: str  # decoded, without the query string
    segments: list[str]  # each decoded until stable
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> dict:
        if not self.body.strip():
            return {}
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise api_error(400, 300, "Request Body should be a valid JSON object.") from exc
        if not isinstance(data, dict):
            raise api_error(400, 300, "Request Body should be a valid JSON object.")
        return data

    def form(self) -> dict[str, str]:
        values = dict(self.query)
        values.update(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))
        return values

    def header(self, name: str) -> str:
        return self.headers.get(name) or ""


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data, headers: dict | None = None) -> Response:
        body = b"" if data is None else json.dumps(data).encode()
        base = {"Content-Type": JSON_TYPE} if data is not None else {}
        return cls(status, body, {**base, **(headers or {})})

    @classmethod
    def page(cls, status: int, title: str, text: str) -> Response:
        body = (
            f"<!doctype html><title>{html.escape(title)}</title>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
        ).encode()
        return cls(status, body, {"Content-Type": "text/html; charset=utf-8"})


def decode_until_stable(text: str) -> str:
    for _ in range(5):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return text


def parse(
    state: SandboxState, method: str, raw_path: str, headers: Mapping[str, str], body: bytes
) -> Request:
    parts = urlsplit(raw_path)
    path = parts.path
    if state.strict_uuid_encoding:
        # Zoom's gateway decodes the path once before routing, so a uuid whose "/" was encoded
        # only once splits the path and the call misses; encoded twice, it survives.
        path = unquote(path)
    segments = [decode_until_stable(s) for s in path.split("/")[1:]]
    query = {k: v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    return Request(method.upper(), "/" + "/".join(segments), segments, query, headers, body or b"")


def handle(
    state: SandboxState, method: str, raw_path: str, headers: Mapping[str, str], body: bytes
) -> Response:
    request = parse(state, method, raw_path, headers, body)
    control = request.segments[:1] == ["_sandbox"]
    try:
        failure = None if control else state.take_failure(request.method, request.path)
        if failure is not None:
            body_value = failure.body
            if isinstance(body_value, str):
                response = Response(
                    failure.status, body_value.encode(), {"Content-Type": "text/plain"}
                )
                response.headers.update(failure.headers)
            else:
                response = Response.json(failure.status, body_value, failure.headers)
        else:
            response = route(state, request)
    except ZoomError as exc:
        if isinstance(exc.body, str):
            response = Response.page(exc.status, "Zoom sandbox", exc.body)
        else:
            response = Response.json(exc.status, exc.body)
        response.headers.update(exc.headers)
    if not control:
        state.record_call(request.method, request.path, response.status)
    return response


def route(state: SandboxState, request: Request) -> Response:
    seg = request.segments
    if seg[:1] in (["google"], ["microsoft"], ["calendars"]) or seg[:2] == [
        "_sandbox",
        "calendars",
    ]:
        from zoom_sandbox import calendars  # the calendar stand-in (imports this module)

        return calendars.route(state, request)
    if seg[:1] == ["oauth"]:
        return oauth(state, request)
    if seg[:1] == ["v2"]:
        return rest(state, request)
    if seg[:1] == ["_sandbox"]:
        return control(state, request)
    if seg[:2] == ["rec", "download"] and len(seg) == 3 and request.method == "GET":
        return recording_download(state, request, seg[2])
    if seg[:2] == ["rec", "play"] and len(seg) == 3 and request.method == "GET":
        return recording_play(state, request, seg[2])
    if request.method in ("GET", "POST") and len(seg) == 2 and seg[0] in ("j", "w", "s"):
        return join_page(state, request, seg[0], seg[1])
    if request.method == "GET" and request.path in ("/", ""):
        return Response.page(200, "Zoom sandbox", "A local stand-in for Zoom's OAuth and REST API.")
    return Response.json(404, {"code": 404, "message": "Not Found"})


# --- OAuth -----------------------------------------------------------------------------------


def _basic(state: SandboxState, request: Request):
    scheme, _, value = request.header("Authorization").partition(" ")
    try:
        client_id, _, secret = base64.b64decode(value.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        client_id, secret = "", ""
    if scheme.lower() != "basic":
        client_id, secret = "", ""
    return state.oauth_client(client_id, secret)


def oauth(state: SandboxState, request: Request) -> Response:
    action = request.segments[1] if len(request.segments) == 2 else ""
    if action == "authorize" and request.method == "GET":
        q = request.query
        if q.get("response_type", "code") != "code":
            raise ZoomError(400, "Unsupported response_type.")
        location = state.oauth_authorize(
            client_id=q.get("client_id", ""),
            redirect_uri=q.get("redirect_uri", ""),
            state=q.get("state", ""),
            sandbox_user=q.get("sandbox_user", ""),
        )
        return Response(302, b"", {"Location": location})
    if action == "token" and request.method == "POST":
        client = _basic(state, request)
        return Response.json(200, state.oauth_token(client, request.form()))
    if action == "revoke" and request.method == "POST":
        client = _basic(state, request)
        return Response.json(200, state.oauth_revoke(client, request.form().get("token", "")))
    return Response.json(404, {"code": 404, "message": "Not Found"})


# --- REST ------------------------------------------------------------------------------------

# (method, path pattern with "*" for a variable segment) -> (scope, handler)
Handler = Callable[[SandboxState, Token, Request, list[str]], Response]
ROUTES: dict[tuple[str, tuple[str, ...]], tuple[str, Handler]] = {}


def endpoint(method: str, pattern: str, scope: str):
    def register(function: Handler) -> Handler:
        ROUTES[(method, tuple(pattern.strip("/").split("/")))] = (scope, function)
        return function

    return register


def _match(request: Request) -> tuple[str, Handler, list[str]] | None:
    seg = tuple(request.segments[1:])
    path_known = False
    for (method, pattern), (scope, function) in ROUTES.items():
        if len(pattern) != len(seg):
            continue
        if all(p == "*" or p == s for p, s in zip(pattern, seg, strict=True)):
            if any(s == "" for p, s in zip(pattern, seg, strict=True) if p == "*"):
                continue
            path_known = True
            if method == request.method:
                args = [s for p, s in zip(pattern, seg, strict=True) if p == "*"]
                return scope, function, args
    if path_known:
        raise api_error(405, 405, "Method Not Allowed")
    return None


def rest(state: SandboxState, request: Request) -> Response:
    token = state.bearer(request.header("Authorization"))
    matched = _match(request)
    if matched is None:
        return Response.json(404, {"code": 404, "message": "Not Found"})
    scope, function, args = matched
    limit_headers = state.rate_limit_check(token.account_id)
    state.require_scope(token, scope)
    response = function(state, token, request, args)
    response.headers.update(limit_headers)
    return response


@endpoint("GET", "users/*", "user:read")
def _user_get(state, token, request, args):
    return Response.json(200, state.user_get(token, args[0]))


@endpoint("POST", "users/*/meetings", "meeting:write")
def _meeting_create(state, token, request, args):
    return Response.json(201, state.meeting_create(token, args[0], request.json()))


@endpoint("GET", "users/*/meetings", "meeting:read")
def _meeting_list(state, token, request, args):
    q = request.query
    return Response.json(
        200,
        state.meeting_list(
            token,
            args[0],
            kind=q.get("type", "scheduled"),
            page_size=q.get("page_size"),
            page_token=q.get("next_page_token", ""),
        ),
    )


@endpoint("GET", "meetings/*", "meeting:read")
def _meeting_get(state, token, request, args):
    occurrence = request.query.get("occurrence_id", "")
    return Response.json(200, state.meeting_get(token, args[0], occurrence_id=occurrence))


@endpoint("PATCH", "meetings/*", "meeting:write")
def _meeting_patch(state, token, request, args):
    occurrence = request.query.get("occurrence_id", "")
    state.meeting_patch(token, args[0], request.json(), occurrence_id=occurrence)
    return Response(204)


@endpoint("DELETE", "meetings/*", "meeting:write")
def _meeting_delete(state, token, request, args):
    state.meeting_delete(token, args[0], occurrence_id=request.query.get("occurrence_id", ""))
    return Response(204)


@endpoint("PUT", "meetings/*/status", "meeting:write")
def _meeting_status(state, token, request, args):
    state.meeting_end(token, args[0], (request.json() or {}).get("action", ""))
    return Response(204)


@endpoint("POST", "meetings/*/registrants", "meeting:write")
def _registrant_add(state, token, request, args):
    occurrences = request.query.get("occurrence_ids", "")
    return Response.json(
        201, state.registrant_add(token, args[0], request.json(), occurrence_ids=occurrences)
    )


@endpoint("PUT", "meetings/*/registrants/status", "meeting:write")
def _registrant_status(state, token, request, args):
    occurrence = request.query.get("occurrence_id", "")
    state.registrant_status(token, args[0], request.json() or {}, occurrence_id=occurrence)
    return Response(204)


@endpoint("GET", "meetings/*/registrants", "meeting:read")
def _registrant_list(state, token, request, args):
    q = request.query
    return Response.json(
        200,
        state.registrant_list(
            token,
            args[0],
            status=q.get("status", "approved"),
            occurrence_id=q.get("occurrence_id", ""),
            page_size=q.get("page_size"),
            page_token=q.get("next_page_token", ""),
        ),
    )


@endpoint("GET", "past_meetings/*", "meeting:read")
def _past_meeting(state, token, request, args):
    return Response.json(200, state.past_meeting_get(token, args[0]))


@endpoint("GET", "past_meetings/*/instances", "meeting:read")
def _past_instances(state, token, request, args):
    return Response.json(200, state.past_meeting_instances(token, args[0]))


def _participants_page(list_them):
    """A paged list of an instance's participants: `page_size` and `next_page_token` as Zoom."""

    def handler(state, token, request, args):
        q = request.query
        return Response.json(
            200,
            list_them(
                state,
                token,
                args[0],
                page_size=q.get("page_size"),
                page_token=q.get("next_page_token", ""),
            ),
        )

    return handler


endpoint("GET", "past_meetings/*/participants", "meeting:read")(
    _participants_page(lambda state, *a, **kw: state.past_participants(*a, **kw))
)
endpoint("GET", "report/meetings/*/participants", "report:read")(
    _participants_page(lambda state, *a, **kw: state.report_participants(*a, **kw))
)


@endpoint("GET", "meetings/*/recordings", "recording:read")
def _recordings(state, token, request, args):
    q = request.query
    answer = state.recording_get(
        token, args[0], include_fields=q.get("include_fields", ""), ttl=q.get("ttl")
    )
    return Response.json(200, answer)


@endpoint("DELETE", "meetings/*/recordings", "recording:write")
def _recordings_delete(state, token, request, args):
    state.recording_delete(token, args[0], action=request.query.get("action", "trash"))
    return Response(204)


@endpoint("DELETE", "meetings/*/recordings/*", "recording:write")
def _recording_file_delete(state, token, request, args):
    action = request.query.get("action", "trash")
    state.recording_delete(token, args[0], file_id=args[1], action=action)
    return Response(204)


def recording_download(state: SandboxState, request: Request, file_id: str) -> Response:
    """A file: with a Bearer token (the recording scope), or `?access_token=` the sandbox
    issued (zoom_sandbox.recordings); others get 401."""
    authorization = request.header("Authorization")
    query_token = request.query.get("access_token", "")
    if authorization or not query_token:
        token = state.bearer(authorization)
        state.require_scope(token, "recording:read")
        content_type, content = state.recording_file(token, file_id)
    else:
        content_type, content = state.recording_file_by_query_token(query_token, file_id)
    return Response(200, content, {"Content-Type": content_type})


def recording_play(state: SandboxState, request: Request, file_id: str) -> Response:
    """Zoom's play page of a file: with the recording's passcode (`?pwd=`) it plays; without,
    Zoom would ask for it (here: 403)."""
    found = state.recording_play(file_id, request.query.get("pwd", ""))
    if found is None:
        return Response.page(403, "Zoom sandbox", "This recording is protected by a passcode.")
    instance, entry = found
    body = room.page(
        instance.topic,
        f'<p data-test-id="playing" data-file="{html.escape(entry["id"])}">'
        f"Playing the {html.escape(entry['file_type'])} recording of "
        f"{html.escape(instance.topic)}.</p>",
    )
    return Response(200, body, dict(PAGE_HEADERS))


def join_page(state: SandboxState, request: Request, kind: str, meeting_id: str) -> Response:
    """The room behind a start link (/s/, the host) or a registrant's join link (/w/): a
    page to start, join, leave or end, each sending Zoom's webhook (zoom_sandbox.room)."""
    found = state.meeting_by_join_token(meeting_id, request.query.get("tk", ""))
    if found is None:
        return Response.page(404, "Zoom sandbox", "This meeting link is not valid.")
    meeting, who = found
    if kind == "s":
        if request.query.get("zak") != meeting.start_token:
            return Response.page(403, "Zoom sandbox", "This start link is not valid.")
        return _host_room(state, request, meeting)
    registrant = state.registrant_by_token(meeting.id, request.query.get("tk", ""))
    if registrant is None:  # the meeting's own link: registration is required
        return Response.page(200, meeting.topic, "This meeting requires registration.")
    if registrant.status != "approved":
        return Response.page(403, meeting.topic, "Your registration was cancelled.")
    return _registrant_room(state, request, meeting, registrant)


def _room(title: str, body_html: str, *, refresh: int | None = None) -> Response:
    return Response(200, room.page(title, body_html, refresh=refresh), dict(PAGE_HEADERS))


def _host_room(state: SandboxState, request: Request, meeting) -> Response:
    rooms = state.rooms
    action = request.form().get("action") if request.method == "POST" else None
    if action == "start":
        rooms.start(meeting.id)
    elif action == "end":
        rooms.end(meeting.id)
    if meeting.id not in rooms.live:
        return _room(meeting.topic, room.button("Start meeting", "start"))
    names = rooms.who_is_in(meeting.id)
    body = "<p>You are hosting this meeting.</p>" + room.people_list(names)
    return _room(meeting.topic, body + room.button("End meeting for all", "end"), refresh=10)


def _registrant_room(state: SandboxState, request: Request, meeting, registrant) -> Response:
    rooms = state.rooms
    action = request.form().get("action") if request.method == "POST" else None
    if action == "leave":
        rooms.leave(meeting.id, registrant.token)
        return _room(meeting.topic, "<p>You left the meeting.</p>" + room.button("Rejoin", "join"))
    if action == "join":
        rooms.join(meeting.id, registrant)
    if meeting.id not in rooms.live:
        text = (
            f"<p>Joining as {html.escape(registrant.name)}.</p>"
            "<p>Please wait: the host has not started this meeting yet.</p>"
        )
        return _room(meeting.topic, text, refresh=5)
    if not rooms.is_in(meeting.id, registrant.token):
        text = f"<p>Joining as {html.escape(registrant.name)}.</p>"
        return _room(meeting.topic, text + room.button("Join from your browser", "join"))
    names = rooms.who_is_in(meeting.id)
    text = f"<p>You are in the meeting as {html.escape(registrant.name)}.</p>"
    body = text + room.people_list(names) + room.button("Leave", "leave", quiet=True)
    return _room(meeting.topic, body, refresh=10)


# --- control API -----------------------------------------------------------------------------


def control(state: SandboxState, request: Request) -> Response:
    action = "/".join(request.segments[1:])
    if request.method == "GET" and action == "state":
        return Response.json(200, state.snapshot())
    if request.method != "POST":
        return Response.json(404, {"code": 404, "message": "Not Found"})
    data = request.json()
    if action == "webhooks":
        url = str(data.get("url") or "")
        if not url.startswith(("http://", "https://")):
            return Response.json(400, {"code": 300, "message": "url must be http(s)."})
        target = room.WebhookTarget(url, str(data.get("secret") or ""), str(data.get("host") or ""))
        state.rooms.target_set(str(data.get("account_id") or DEMO_ACCOUNT_ID), target)
        return Response.json(200, {"status": "set"})
    if action == "reset":
        state.reset(demo=data.get("demo", True))
        return Response.json(200, {"status": "reset"})
    if action == "fail":
        state.fail_next(
            data.get("method", "*"),
            data.get("path_prefix", "/"),
            int(data.get("status", 500)),
            data.get("body"),
            int(data.get("times", 1)),
            data.get("headers"),
        )
        return Response.json(200, {"status": "armed"})
    if action == "config":
        with state.lock:
            if "rate_limit_per_second" in data:
                state.set_rate_limit(
                    data["rate_limit_per_second"], account_id=data.get("account_id")
                )
            if "meeting_create_daily_limit" in data:
                state.meeting_create_daily_limit = int(data["meeting_create_daily_limit"])
            if "uuid_style" in data:
                state.uuid_style = data["uuid_style"] or None
            if "strict_uuid_encoding" in data:
                state.strict_uuid_encoding = bool(data["strict_uuid_encoding"])
        return Response.json(200, {"status": "configured"})
    if action == "expire":
        if data.get("access_token"):
            state.expire_token(data["access_token"])
        else:
            state.expire_all_tokens()
        return Response.json(200, {"status": "expired"})
    if action == "clients":
        for user in data.get("users", []):
            state.add_user(account_id=data["account_id"], **user)
        client = state.add_client(
            client_id=data["client_id"],
            client_secret=data["client_secret"],
            account_id=data["account_id"],
            scopes=data.get("scopes") or DEFAULT_SCOPES,
            default_user=data.get("default_user", ""),
        )
        return Response.json(201, {"client_id": client.client_id})
    if action == "token":
        issued = state.issue_token(
            client_id=data.get("client_id", DEMO_CLIENT_ID), user=data.get("user", "")
        )
        return Response.json(200, issued)
    if action == "play/begin":
        begun = state.play_begin(data["meeting_id"], occurrence_id=data.get("occurrence_id", ""))
        return Response.json(200, begun)
    if action == "play/end":
        ended = state.play_end(
            data["uuid"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            participants=data.get("participants", []),
            record=bool(data.get("record")),
            transcript=[tuple(line) for line in data.get("transcript", [])],
            transcript_vtt=str(data.get("transcript_vtt") or ""),
        )
        return Response.json(200, ended)
    return Response.json(404, {"code": 404, "message": "Not Found"})
