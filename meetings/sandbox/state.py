"""In-memory state of the Zoom sandbox: OAuth clients, users, tokens, meetings, registrants, played
meeting instances and recordings, plus the knobs tests turn (failures, rate limits, expired
tokens, awkward uuids). Every public method takes the lock, so the HTTP server's threads and a
test or class player in another thread can share one state.

Errors are raised as `ZoomError(status, body)` carrying Zoom's own JSON bodies."""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets
import threading
import time
from collections import namedtuple
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from meetings.sandbox import occurrences as occ

DEFAULT_SCOPES = ("meeting:read", "meeting:write", "user:read", "recording:read", "report:read")
DEMO_CLIENT_ID = "demo-client-id"
DEMO_CLIENT_SECRET = "demo-client-secret"
DEMO_ACCOUNT_ID = "demo-account"
# Stable Zoom user ids of the demo school's people (Zoom ids are 22 base64url characters).
DEMO_USERS = (
    # (id, email, first name, last name, role)
    ("Dm0AdMnQ1lRvZx8sYk3w2A", "admin@demo.test", "Demo", "Admin", "Owner"),
    ("Tc1TaRaQ8hKp2mWn5yVb7A", "teacher1@demo.test", "Tara", "Teacher", "Member"),
    ("Tc2ThEoZ4jLs6nXq9rCd3B", "teacher2@demo.test", "Theo", "Teacher", "Member"),
)
DEMO_TEACHER_ID = DEMO_USERS[1][0]

TOKEN_LIFETIME = 3599
CODE_LIFETIME = 600
DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 300
DEFAULT_DAILY_CREATE_LIMIT = 100
RATE_LIMIT_MESSAGE = (
    "You have reached the maximum per-second rate limit for this API. Try again later."
)

Call = namedtuple("Call", "method path status")


class ZoomError(Exception):
    """An HTTP error answer in Zoom's shape."""

    def __init__(self, status: int, body: dict | str | None, headers: dict | None = None):
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def api_error(status: int, code: int, message: str, **extra) -> ZoomError:
    return ZoomError(status, {"code": code, "message": message, **extra})


def oauth_error(status: int, error: str, reason: str) -> ZoomError:
    return ZoomError(status, {"reason": reason, "error": error})


def invalid_token() -> ZoomError:
    return api_error(401, 124, "Invalid access token.")


def meeting_not_found(meeting_ref) -> ZoomError:
    return api_error(404, 3001, f"Meeting does not exist: {meeting_ref}.")


def validation_failed(field_name: str, message: str = "Invalid field.") -> ZoomError:
    return api_error(
        400, 300, "Validation Failed.", errors=[{"field": field_name, "message": message}]
    )


def zoom_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def _stable_number(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _zoom_id(length: int = 22) -> str:
    return secrets.token_urlsafe(length)[:length]


def _locked(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)

    return wrapper


# --- records ---------------------------------------------------------------------------------


@dataclass
class Client:
    client_id: str
    client_secret: str
    account_id: str
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    default_user_id: str = ""
    redirect_uris: tuple[str, ...] = ()  # empty: any redirect uri is accepted


@dataclass
class User:
    id: str
    email: str
    first_name: str
    last_name: str
    account_id: str
    type: int = 2  # 1 basic, 2 licensed
    role_name: str = "Member"
    timezone: str = "UTC"

    def to_zoom(self) -> dict:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "display_name": f"{self.first_name} {self.last_name}".strip(),
            "email": self.email,
            "type": self.type,
            "role_name": self.role_name,
            "pmi": 1_000_000_000 + _stable_number(self.id) % 8_999_999_999,
            "use_pmi": False,
            "timezone": self.timezone,
            "verified": 1,
            "dept": "",
            "language": "en-US",
            "status": "active",
            "role_id": "0" if self.role_name == "Owner" else "2",
            "account_id": self.account_id,
            "account_number": _stable_number(self.account_id) % 10**9,
            "cluster": "us06",
            "user_created_at": "2024-01-01T00:00:00Z",
            "created_at": "2024-01-01T00:00:00Z",
        }


@dataclass
class AuthCode:
    code: str
    client_id: str
    user_id: str
    redirect_uri: str
    expires_at: float
    used: bool = False


@dataclass
class Token:
    access_token: str
    client_id: str
    account_id: str
    user_id: str  # for Server-to-Server tokens: the account owner
    scopes: tuple[str, ...]
    expires_at: float
    grant_id: str
    kind: str  # "user" (authorization code / refresh) or "account" (Server-to-Server)
    refresh_token: str = ""
    revoked: bool = False


@dataclass
class RefreshToken:
    token: str
    client_id: str
    user_id: str
    account_id: str
    scopes: tuple[str, ...]
    grant_id: str
    used: bool = False
    revoked: bool = False


@dataclass
class Occurrence:
    occurrence_id: str
    start_time: datetime
    duration: int
    status: str = "available"  # "deleted" ones are hidden, as Zoom does

    def to_zoom(self) -> dict:
        return {
            "occurrence_id": self.occurrence_id,
            "start_time": zoom_time(self.start_time),
            "duration": self.duration,
            "status": self.status,
        }


@dataclass
class Meeting:
    id: int
    uuid: str
    account_id: str
    host_id: str
    host_email: str
    topic: str
    type: int
    start_time: datetime | None
    duration: int
    timezone: str
    agenda: str
    created_at: datetime
    password: str
    settings: dict
    start_token: str
    registration_token: str
    recurrence: dict | None = None
    occurrences: list[Occurrence] = field(default_factory=list)
    status: str = "waiting"
    instances: list[str] = field(default_factory=list)  # uuids of played instances, in order

    @property
    def registration_enabled(self) -> bool:
        return self.settings.get("approval_type") in (0, 1)

    def live_occurrences(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.status != "deleted"]

    def occurrence(self, occurrence_id: str) -> Occurrence | None:
        for item in self.live_occurrences():
            if item.occurrence_id == str(occurrence_id):
                return item
        return None


@dataclass
class Registrant:
    id: str
    meeting_id: int
    email: str
    first_name: str
    last_name: str
    token: str
    status: str
    create_time: datetime
    pin_code: int
    occurrence_ids: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class Instance:
    """One played meeting instance: what Zoom's past-meeting and report endpoints describe."""

    uuid: str
    meeting_id: int
    occurrence_id: str
    account_id: str
    host_id: str
    topic: str
    type: int
    timezone: str
    start_time: datetime
    end_time: datetime | None = None
    participants: list[dict] = field(default_factory=list)
    recording: dict | None = None


@dataclass
class Failure:
    method: str
    path_prefix: str
    status: int
    body: dict | str | None
    headers: dict
    remaining: int


# --- the state -------------------------------------------------------------------------------


class SandboxState:
    def __init__(self, *, clock: Callable[[], float] = time.time, base_url: str = ""):
        self.lock = threading.RLock()
        self.clock = clock
        self.base_url = base_url.rstrip("/")
        self.reset()

    # --- set-up and knobs ----------------------------------------------------------------

    @_locked
    def reset(self, *, demo: bool = True) -> None:
        """Forget everything; with `demo`, register the demo client and the demo school's users."""
        self.clients: dict[str, Client] = {}
        self.users: dict[str, User] = {}
        self.codes: dict[str, AuthCode] = {}
        self.tokens: dict[str, Token] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.meetings: dict[int, Meeting] = {}
        self.registrants: dict[int, list[Registrant]] = {}
        self.instances: dict[str, Instance] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.rate_limits: dict[str | None, int] = {}  # account id (None: every account) -> rps
        self._rate_buckets: dict[tuple[str, int], int] = {}
        self.meeting_create_daily_limit = DEFAULT_DAILY_CREATE_LIMIT
        self._creates: dict[tuple[str, str], int] = {}
        self.uuid_style: str | None = None  # None, "leading_slash" or "double_slash"
        self.strict_uuid_encoding = False  # True: a once-encoded "/" breaks the path, as on Zoom
        self._page_tokens: dict[str, tuple[str, int]] = {}
        if demo:
            for user_id, email, first, last, role in DEMO_USERS:
                self.add_user(
                    email=email,
                    first_name=first,
                    last_name=last,
                    account_id=DEMO_ACCOUNT_ID,
                    user_id=user_id,
                    role_name=role,
                )
            self.add_client(
                client_id=DEMO_CLIENT_ID,
                client_secret=DEMO_CLIENT_SECRET,
                account_id=DEMO_ACCOUNT_ID,
                default_user=DEMO_TEACHER_ID,
            )

    @_locked
    def add_user(
        self,
        *,
        email: str,
        first_name: str = "",
        last_name: str = "",
        account_id: str = DEMO_ACCOUNT_ID,
        user_id: str = "",
        role_name: str = "Member",
        type: int = 2,
    ) -> User:
        existing = self._user_by_email(email)
        if existing is not None:
            return existing
        user = User(
            id=user_id or _zoom_id(),
            email=email.lower(),
            first_name=first_name or email.split("@")[0].capitalize(),
            last_name=last_name,
            account_id=account_id,
            type=type,
            role_name=role_name,
        )
        self.users[user.id] = user
        return user

    @_locked
    def add_client(
        self,
        *,
        client_id: str,
        client_secret: str,
        account_id: str,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        default_user: str = "",
        redirect_uris: Iterable[str] = (),
    ) -> Client:
        """Register an app. `default_user` (id or email) is who /oauth/authorize signs in as
        when no `sandbox_user` is asked for; by default the account's first non-owner user."""
        if isinstance(scopes, str):
            scopes = scopes.split()
        default = self._user_ref(default_user, account_id) if default_user else None
        if default is None:
            members = [u for u in self.users.values() if u.account_id == account_id]
            default = next((u for u in members if u.role_name != "Owner"), None) or (
                members[0] if members else None
            )
        if default is None:
            default = self.add_user(email=f"teacher@{account_id}.test", account_id=account_id)
        client = Client(
            client_id=client_id,
            client_secret=client_secret,
            account_id=account_id,
            scopes=tuple(scopes),
            default_user_id=default.id,
            redirect_uris=tuple(redirect_uris),
        )
        self.clients[client_id] = client
        return client

    @_locked
    def fail_next(
        self,
        method: str,
        path_prefix: str,
        status: int,
        body: dict | str | None = None,
        times: int = 1,
        headers: dict | None = None,
    ) -> None:
        """The next `times` requests whose method matches (or "*") and whose path starts with
        `path_prefix` get `status` and `body` (default: Zoom-like JSON) before anything else."""
        if body is None:
            body = {"code": status, "message": f"Sandbox injected failure ({status})."}
        headers = dict(headers or {})
        if status == 429:
            headers.setdefault("Retry-After", "1")
        self.failures.append(
            Failure(method.upper(), path_prefix, int(status), body, headers, int(times))
        )

    @_locked
    def set_rate_limit(self, per_second: int | None, *, account_id: str | None = None) -> None:
        """Allow `per_second` API requests per second per account (None: unlimited again)."""
        if per_second is None:
            self.rate_limits.pop(account_id, None)
        else:
            self.rate_limits[account_id] = int(per_second)

    @_locked
    def expire_token(self, access_token: str) -> None:
        self.tokens[access_token].expires_at = self.clock() - 1

    @_locked
    def expire_all_tokens(self) -> None:
        for token in self.tokens.values():
            token.expires_at = min(token.expires_at, self.clock() - 1)

    @_locked
    def issue_token(
        self, *, client_id: str = DEMO_CLIENT_ID, user: str = "", scopes: Iterable[str] = ()
    ) -> dict:
        """A token as the code flow would give (tests that are not about OAuth use this)."""
        client = self.clients[client_id]
        target = self._user_ref(user, client.account_id) if user else None
        target = target or self.users[client.default_user_id]
        return self._issue(client, target, kind="user", scopes=tuple(scopes) or client.scopes)

    # --- OAuth ---------------------------------------------------------------------------

    @_locked
    def oauth_authorize(
        self, *, client_id: str, redirect_uri: str, state: str = "", sandbox_user: str = ""
    ) -> str:
        """Auto-approve; return the URL to redirect the browser to."""
        client = self.clients.get(client_id)
        if client is None:
            raise ZoomError(400, "Invalid client_id: the app does not exist.")
        if not redirect_uri or (client.redirect_uris and redirect_uri not in client.redirect_uris):
            raise ZoomError(400, "Invalid redirect: the redirect URI is not allowed for this app.")
        if sandbox_user:
            user = self._user_ref(sandbox_user, client.account_id)
            if user is None and "@" in sandbox_user:
                user = self.add_user(email=sandbox_user, account_id=client.account_id)
            if user is None:
                raise ZoomError(400, f"No sandbox user {sandbox_user!r} in this account.")
        else:
            user = self.users[client.default_user_id]
        code = _zoom_id(32)
        self.codes[code] = AuthCode(
            code, client.client_id, user.id, redirect_uri, self.clock() + CODE_LIFETIME
        )
        query = {"code": code, **({"state": state} if state else {})}
        joiner = "&" if "?" in redirect_uri else "?"
        return f"{redirect_uri}{joiner}{urlencode(query)}"

    @_locked
    def oauth_client(self, client_id: str, client_secret: str) -> Client:
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.client_secret, client_secret):
            raise oauth_error(401, "invalid_client", "Invalid client_id or client_secret")
        return client

    @_locked
    def oauth_token(self, client: Client, form: dict[str, str]) -> dict:
        grant = form.get("grant_type", "")
        if grant == "authorization_code":
            code = self.codes.get(form.get("code", ""))
            if code is None or code.used or code.client_id != client.client_id:
                raise oauth_error(400, "invalid_grant", "Invalid authorization code")
            if code.expires_at <= self.clock():
                raise oauth_error(400, "invalid_grant", "Authorization code has expired")
            if form.get("redirect_uri", "") != code.redirect_uri:
                raise oauth_error(400, "invalid_request", "Redirect URI mismatch.")
            code.used = True
            return self._issue(client, self.users[code.user_id], kind="user")
        if grant == "refresh_token":
            old = self.refresh_tokens.get(form.get("refresh_token", ""))
            if old is None or old.used or old.revoked or old.client_id != client.client_id:
                raise oauth_error(400, "invalid_grant", "Invalid Token!")
            old.used = True  # rotation: the old refresh token is spent
            return self._issue(
                client,
                self.users[old.user_id],
                kind="user",
                scopes=old.scopes,
                grant_id=old.grant_id,
            )
        if grant == "account_credentials":
            if form.get("account_id", "") != client.account_id:
                raise oauth_error(400, "invalid_request", "Invalid account_id")
            return self._issue(client, self._account_owner(client), kind="account")
        raise oauth_error(400, "unsupported_grant_type", "Unsupported grant type")

    @_locked
    def oauth_revoke(self, client: Client, token: str) -> dict:
        grant_id = None
        if token in self.tokens and self.tokens[token].client_id == client.client_id:
            grant_id = self.tokens[token].grant_id
        elif (
            token in self.refresh_tokens
            and self.refresh_tokens[token].client_id == client.client_id
        ):
            grant_id = self.refresh_tokens[token].grant_id
        if grant_id is None:
            raise oauth_error(400, "invalid_request", "Invalid Token!")
        for item in (*self.tokens.values(), *self.refresh_tokens.values()):
            if item.grant_id == grant_id:
                item.revoked = True
        return {"status": "success"}

    def _issue(
        self,
        client: Client,
        user: User,
        *,
        kind: str,
        scopes: tuple[str, ...] = (),
        grant_id: str = "",
    ) -> dict:
        scopes = scopes or client.scopes
        grant_id = grant_id or _zoom_id()
        access = "sbx." + secrets.token_urlsafe(32)
        refresh = "sbxr." + secrets.token_urlsafe(32) if kind == "user" else ""
        self.tokens[access] = Token(
            access_token=access,
            client_id=client.client_id,
            account_id=client.account_id,
            user_id=user.id,
            scopes=scopes,
            expires_at=self.clock() + TOKEN_LIFETIME,
            grant_id=grant_id,
            kind=kind,
            refresh_token=refresh,
        )
        body = {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": TOKEN_LIFETIME,
            "scope": " ".join(scopes),
        }
        if refresh:
            self.refresh_tokens[refresh] = RefreshToken(
                refresh, client.client_id, user.id, client.account_id, scopes, grant_id
            )
            body["refresh_token"] = refresh
        else:
            body["api_url"] = self.base_url
        return body

    def _account_owner(self, client: Client) -> User:
        members = [u for u in self.users.values() if u.account_id == client.account_id]
        owner = next((u for u in members if u.role_name == "Owner"), None)
        return owner or self.users[client.default_user_id]

    # --- REST: authentication, scopes, limits ----------------------------------------------

    @_locked
    def bearer(self, authorization: str) -> Token:
        scheme, _, value = (authorization or "").partition(" ")
        token = self.tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if token is None or token.revoked or token.expires_at <= self.clock():
            raise invalid_token()
        return token

    @staticmethod
    def require_scope(token: Token, scope: str) -> None:
        for granted in token.scopes:
            if granted == scope or granted.startswith(scope + ":"):
                return
        raise api_error(400, 4711, f"Invalid access token, does not contain scopes:[{scope}].")

    @_locked
    def rate_limit_check(self, account_id: str) -> dict:
        """Count one API request for the account; raise 429 over the limit. Returns headers."""
        limit = self.rate_limits.get(account_id, self.rate_limits.get(None))
        if limit is None:
            return {}
        second = int(self.clock())
        self._rate_buckets = {k: v for k, v in self._rate_buckets.items() if k[1] >= second}
        key = (account_id, second)
        self._rate_buckets[key] = self._rate_buckets.get(key, 0) + 1
        headers = {
            "X-RateLimit-Category": "Light",
            "X-RateLimit-Type": "QPS",
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - self._rate_buckets[key])),
        }
        if self._rate_buckets[key] > limit:
            raise ZoomError(
                429, {"code": 429, "message": RATE_LIMIT_MESSAGE}, {**headers, "Retry-After": "1"}
            )
        return headers

    @_locked
    def take_failure(self, method: str, path: str) -> Failure | None:
        for failure in self.failures:
            if failure.method in ("*", method) and path.startswith(failure.path_prefix):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self.failures.remove(failure)
                return failure
        return None

    @_locked
    def record_call(self, method: str, path: str, status: int) -> None:
        self.calls.append(Call(method, path, status))

    # --- REST: users -----------------------------------------------------------------------

    def _user_by_email(self, email: str) -> User | None:
        email = email.lower()
        return next((u for u in self.users.values() if u.email == email), None)

    def _user_ref(self, ref: str, account_id: str) -> User | None:
        user = self.users.get(ref) or self._user_by_email(ref)
        return user if user is not None and user.account_id == account_id else None

    def _acting_user(self, token: Token, ref: str) -> User:
        """The user a `/users/{userId}/...` path names, as this token may see it."""
        if ref == "me":
            return self.users[token.user_id]
        user = self._user_ref(ref, token.account_id)
        if user is None:
            raise api_error(404, 1001, f"User does not exist: {ref}.")
        if token.kind == "user" and user.id != token.user_id:
            # a user-level app acts for the user who authorised it, nobody else
            raise api_error(400, 200, "No permission.")
        return user

    @_locked
    def user_get(self, token: Token, ref: str) -> dict:
        return self._acting_user(token, ref).to_zoom()

    # --- REST: meetings --------------------------------------------------------------------

    def new_uuid(self) -> str:
        raw = base64.b64encode(secrets.token_bytes(16)).decode()
        if self.uuid_style == "leading_slash":
            raw = "/" + raw[1:]
        elif self.uuid_style == "double_slash":
            raw = raw[:6] + "//" + raw[8:]
        return raw

    def _new_meeting_id(self) -> int:
        while True:
            meeting_id = 81_000_000_000 + secrets.randbelow(18_999_999_999)
            if meeting_id not in self.meetings:
                return meeting_id

    def _meeting(self, token: Token, ref) -> Meeting:
        try:
            meeting = self.meetings.get(int(str(ref)))
        except ValueError:
            meeting = next((m for m in self.meetings.values() if m.uuid == ref), None)
        if meeting is None or meeting.account_id != token.account_id:
            raise meeting_not_found(ref)
        return meeting

    def _count_create(self, user: User) -> None:
        now = datetime.fromtimestamp(self.clock(), UTC)
        key = (user.id, now.date().isoformat())
        if self._creates.get(key, 0) >= self.meeting_create_daily_limit:
            midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
            raise ZoomError(
                429,
                {
                    "code": 429,
                    "message": (
                        "You have exceeded the daily rate limit "
                        f"({self.meeting_create_daily_limit}) of Meeting Create/Update API "
                        "requests permitted for this particular user. "
                        "You may resume these requests at GMT 00:00:00."
                    ),
                },
                {"Retry-After": str(int((midnight - now).total_seconds()) + 1)},
            )
        self._creates[key] = self._creates.get(key, 0) + 1

    @_locked
    def meeting_create(self, token: Token, user_ref: str, body: dict) -> dict:
        user = self._acting_user(token, user_ref)
        kind = body.get("type", 2)
        if kind not in (1, 2, 3, 8):
            raise validation_failed("type")
        timezone = body.get("timezone") or user.timezone
        now = datetime.fromtimestamp(self.clock(), UTC).replace(microsecond=0)
        try:
            occ.zone(timezone)
            start = (
                occ.parse_start(body["start_time"], timezone)
                if body.get("start_time") and kind in (2, 8)
                else now
            )
        except occ.RecurrenceInvalid as exc:
            raise validation_failed(exc.field, str(exc)) from exc
        duration = body.get("duration", 60)
        if not isinstance(duration, int) or duration < 0:
            raise validation_failed("duration")
        settings = {
            "host_video": False,
            "participant_video": False,
            "join_before_host": False,
            "mute_upon_entry": False,
            "approval_type": 2,
            "registration_type": 1,
            "audio": "both",
            "auto_recording": "none",
            "waiting_room": False,
            "meeting_authentication": False,
            "use_pmi": False,
            "close_registration": False,
            "registrants_email_notification": True,
            "email_notification": True,
            **(body.get("settings") or {}),
        }
        self._count_create(user)
        meeting = Meeting(
            id=self._new_meeting_id(),
            uuid=self.new_uuid(),
            account_id=user.account_id,
            host_id=user.id,
            host_email=user.email,
            topic=str(body.get("topic") or "Zoom Meeting")[:200],
            type=kind,
            start_time=start,
            duration=duration,
            timezone=timezone,
            agenda=str(body.get("agenda") or ""),
            created_at=now,
            password=str(body.get("password") or secrets.token_hex(3)),
            settings=settings,
            start_token=secrets.token_urlsafe(24),
            registration_token=secrets.token_urlsafe(24),
        )
        if kind == 8:
            self._set_recurrence(meeting, body.get("recurrence"))
        self.meetings[meeting.id] = meeting
        self.registrants[meeting.id] = []
        return self.meeting_json(meeting)

    def _set_recurrence(self, meeting: Meeting, recurrence) -> None:
        if not isinstance(recurrence, dict):
            raise validation_failed("recurrence", "Recurrence is required for type 8.")
        try:
            starts = occ.expand(recurrence, meeting.start_time, meeting.timezone)
        except occ.RecurrenceInvalid as exc:
            raise validation_failed(exc.field, str(exc)) from exc
        deleted = {o.occurrence_id for o in meeting.occurrences if o.status == "deleted"}
        meeting.recurrence = dict(recurrence)
        meeting.occurrences = [
            Occurrence(
                occ.occurrence_id(start),
                start,
                meeting.duration,
                "deleted" if occ.occurrence_id(start) in deleted else "available",
            )
            for start in starts
        ]

    def meeting_json(self, meeting: Meeting, *, occurrence_id: str = "") -> dict:
        base = self.base_url
        start, duration = meeting.start_time, meeting.duration
        live = meeting.live_occurrences()
        if occurrence_id:
            chosen = meeting.occurrence(occurrence_id)
            if chosen is None:
                raise api_error(404, 3001, f"Meeting does not exist: {meeting.id}.")
            start, duration = chosen.start_time, chosen.duration
        elif meeting.type == 8 and live:
            start = live[0].start_time
        body = {
            "uuid": meeting.uuid,
            "id": meeting.id,
            "host_id": meeting.host_id,
            "host_email": meeting.host_email,
            "assistant_id": "",
            "topic": meeting.topic,
            "type": meeting.type,
            "status": meeting.status,
            "start_time": zoom_time(start),
            "duration": duration,
            "timezone": meeting.timezone,
            "agenda": meeting.agenda,
            "created_at": zoom_time(meeting.created_at),
            "start_url": f"{base}/s/{meeting.id}?zak={meeting.start_token}",
            "join_url": f"{base}/j/{meeting.id}",
            "password": meeting.password,
            "h323_password": meeting.password,
            "pstn_password": meeting.password,
            "encrypted_password": meeting.start_token[:32],
            "pre_schedule": False,
            "settings": dict(meeting.settings),
            "creation_source": "open_api",
        }
        if meeting.type == 1:
            body.pop("start_time")
        if meeting.type == 8:
            body["occurrences"] = [o.to_zoom() for o in live]
            body["recurrence"] = dict(meeting.recurrence or {})
        if meeting.registration_enabled:
            body["registration_url"] = f"{base}/meeting/register/{meeting.registration_token}"
        return body

    @_locked
    def meeting_get(self, token: Token, ref, *, occurrence_id: str = "") -> dict:
        return self.meeting_json(self._meeting(token, ref), occurrence_id=occurrence_id)

    @_locked
    def meeting_list(
        self, token: Token, user_ref: str, *, kind: str, page_size, page_token: str
    ) -> dict:
        user = self._acting_user(token, user_ref)
        now = datetime.fromtimestamp(self.clock(), UTC)
        meetings = [m for m in self.meetings.values() if m.host_id == user.id]
        if kind == "live":
            meetings = [m for m in meetings if m.status == "started"]
        elif kind in ("upcoming", "upcoming_meetings"):
            meetings = [
                m
                for m in meetings
                if any(o.start_time >= now for o in m.live_occurrences())
                or (m.type != 8 and m.start_time and m.start_time >= now)
            ]
        meetings.sort(key=lambda m: (m.created_at, m.id))
        rows = []
        for meeting in meetings:
            full = self.meeting_json(meeting)
            rows.append(
                {
                    key: full[key]
                    for key in (
                        "uuid",
                        "id",
                        "host_id",
                        "topic",
                        "type",
                        "start_time",
                        "duration",
                        "timezone",
                        "agenda",
                        "created_at",
                        "join_url",
                    )
                    if key in full
                }
            )
        page, meta = self._page(rows, f"meetings:{user.id}:{kind}", page_size, page_token)
        return {**meta, "meetings": page}

    @_locked
    def meeting_patch(self, token: Token, ref, body: dict, *, occurrence_id: str = "") -> None:
        meeting = self._meeting(token, ref)
        if occurrence_id:
            chosen = meeting.occurrence(occurrence_id)
            if chosen is None:
                raise validation_failed("occurrence_id", f"Invalid occurrence_id: {occurrence_id}")
            try:
                if body.get("start_time"):
                    chosen.start_time = occ.parse_start(body["start_time"], meeting.timezone)
            except occ.RecurrenceInvalid as exc:
                raise validation_failed(exc.field, str(exc)) from exc
            if "duration" in body:
                chosen.duration = int(body["duration"])
            return
        try:
            if body.get("timezone"):
                occ.zone(body["timezone"])
                meeting.timezone = body["timezone"]
            if body.get("start_time"):
                meeting.start_time = occ.parse_start(body["start_time"], meeting.timezone)
        except occ.RecurrenceInvalid as exc:
            raise validation_failed(exc.field, str(exc)) from exc
        for key in ("topic", "agenda"):
            if key in body:
                setattr(meeting, key, str(body[key]))
        if "duration" in body:
            meeting.duration = int(body["duration"])
        if "settings" in body:
            meeting.settings.update(body["settings"] or {})
        if "type" in body:
            if body["type"] not in (1, 2, 3, 8):
                raise validation_failed("type")
            meeting.type = body["type"]
        if meeting.type == 8 and (
            "recurrence" in body or "start_time" in body or "duration" in body
        ):
            self._set_recurrence(meeting, body.get("recurrence", meeting.recurrence))
        elif meeting.type != 8:
            meeting.recurrence, meeting.occurrences = None, []

    @_locked
    def meeting_end(self, token: Token, ref, action: str) -> None:
        """PUT /meetings/{id}/status: only "end" is supported; it records the request."""
        meeting = self._meeting(token, ref)
        if action != "end":
            raise validation_failed("action", f"Invalid action: {action}")
        meeting.status = "ended_by_api"

    @_locked
    def meeting_delete(self, token: Token, ref, *, occurrence_id: str = "") -> None:
        meeting = self._meeting(token, ref)
        if occurrence_id:
            chosen = meeting.occurrence(occurrence_id)
            if chosen is None:
                raise meeting_not_found(meeting.id)
            chosen.status = "deleted"
            return
        del self.meetings[meeting.id]

    # --- REST: registrants -----------------------------------------------------------------

    @_locked
    def registrant_add(self, token: Token, ref, body: dict, *, occurrence_ids: str = "") -> dict:
        meeting = self._meeting(token, ref)
        if not meeting.registration_enabled:
            raise api_error(
                400, 3038, f"Registration has not been enabled for this meeting: {meeting.id}."
            )
        email = str(body.get("email") or "").strip().lower()
        if "@" not in email:
            raise validation_failed("email")
        if not body.get("first_name"):
            raise validation_failed("first_name")
        wanted = [o for o in occurrence_ids.split(",") if o] if occurrence_ids else []
        for occurrence in wanted:
            if meeting.type == 8 and meeting.occurrence(occurrence) is None:
                raise api_error(400, 3000, f"Invalid occurrence_ids: {occurrence}.")
        if meeting.type == 8 and not wanted:
            wanted = [o.occurrence_id for o in meeting.live_occurrences()]
        registrants = self.registrants.setdefault(meeting.id, [])
        registrant = next((r for r in registrants if r.email == email), None)
        if registrant is None:
            registrant = Registrant(
                id=_zoom_id(),
                meeting_id=meeting.id,
                email=email,
                first_name=str(body["first_name"]),
                last_name=str(body.get("last_name") or ""),
                token=secrets.token_urlsafe(24),
                status="approved" if meeting.settings.get("approval_type") == 0 else "pending",
                create_time=datetime.fromtimestamp(self.clock(), UTC).replace(microsecond=0),
                pin_code=100000 + secrets.randbelow(900000),
            )
            registrants.append(registrant)
        for occurrence in wanted:
            if occurrence not in registrant.occurrence_ids:
                registrant.occurrence_ids.append(occurrence)
        result = {
            "id": meeting.id,
            "registrant_id": registrant.id,
            "join_url": self.registrant_join_url(registrant),
            "topic": meeting.topic,
            "start_time": self.meeting_json(meeting).get("start_time"),
            "participant_pin_code": registrant.pin_code,
        }
        if meeting.type == 8:
            result["occurrences"] = [
                o.to_zoom()
                for o in meeting.live_occurrences()
                if o.occurrence_id in registrant.occurrence_ids
            ]
        return result

    def registrant_join_url(self, registrant: Registrant) -> str:
        return f"{self.base_url}/w/{registrant.meeting_id}?tk={registrant.token}"

    @_locked
    def registrant_list(
        self,
        token: Token,
        ref,
        *,
        status: str = "approved",
        occurrence_id: str = "",
        page_size=None,
        page_token: str = "",
    ) -> dict:
        meeting = self._meeting(token, ref)
        rows = [
            {
                "id": r.id,
                "email": r.email,
                "first_name": r.first_name,
                "last_name": r.last_name,
                "status": r.status,
                "create_time": zoom_time(r.create_time),
                "join_url": self.registrant_join_url(r),
                "participant_pin_code": r.pin_code,
                "custom_questions": [],
            }
            for r in self.registrants.get(meeting.id, [])
            if r.status == (status or "approved")
            and (not occurrence_id or occurrence_id in r.occurrence_ids)
        ]
        key = f"registrants:{meeting.id}:{status}:{occurrence_id}"
        page, meta = self._page(rows, key, page_size, page_token)
        return {**meta, "page_number": 1, "registrants": page}

    # --- REST: past meetings, reports, recordings ------------------------------------------

    def _instance(self, token: Token, ref: str) -> Instance:
        instance = self.instances.get(ref)
        if instance is None and ref.isdigit() and int(ref) in self.meetings:
            uuids = self.meetings[int(ref)].instances
            instance = self.instances.get(uuids[-1]) if uuids else None
        if instance is None or instance.account_id != token.account_id:
            raise meeting_not_found(ref)
        return instance

    @_locked
    def past_meeting_get(self, token: Token, ref: str) -> dict:
        instance = self._instance(token, ref)
        host = self.users.get(instance.host_id)
        end = instance.end_time
        people = {row.get("user_email") or row.get("name") for row in instance.participants}
        return {
            "uuid": instance.uuid,
            "id": instance.meeting_id,
            "host_id": instance.host_id,
            "type": instance.type,
            "topic": instance.topic,
            "user_name": f"{host.first_name} {host.last_name}".strip() if host else "",
            "user_email": host.email if host else "",
            "start_time": zoom_time(instance.start_time),
            "end_time": zoom_time(end),
            "duration": round((end - instance.start_time).total_seconds() / 60) if end else 0,
            "total_minutes": sum(int(row.get("duration") or 0) for row in instance.participants)
            // 60,
            "participants_count": len(people),
            "source": "Zoom",
        }

    @_locked
    def past_meeting_instances(self, token: Token, meeting_id: str) -> dict:
        instances = [
            i
            for i in self.instances.values()
            if str(i.meeting_id) == str(meeting_id)
            and i.account_id == token.account_id
            and i.end_time is not None
        ]
        return {
            "meetings": [
                {"uuid": i.uuid, "start_time": zoom_time(i.start_time)}
                for i in sorted(instances, key=lambda i: i.start_time)
            ]
        }

    @_locked
    def past_participants(self, token: Token, ref: str, *, page_size, page_token: str) -> dict:
        instance = self._instance(token, ref)
        keys = (
            "id",
            "name",
            "user_id",
            "registrant_id",
            "user_email",
            "join_time",
            "leave_time",
            "duration",
            "failover",
            "status",
            "internal_user",
        )
        rows = [{k: row[k] for k in keys if k in row} for row in instance.participants]
        page, meta = self._page(rows, f"past:{instance.uuid}", page_size, page_token)
        return {**meta, "participants": page}

    @_locked
    def report_participants(self, token: Token, ref: str, *, page_size, page_token: str) -> dict:
        instance = self._instance(token, ref)
        keys = (
            "customer_key",
            "duration",
            "failover",
            "id",
            "join_time",
            "leave_time",
            "name",
            "registrant_id",
            "status",
            "user_email",
            "user_id",
            "bo_mtg_id",
            "participant_user_id",
        )
        rows = [
            {k: {"customer_key": "", "bo_mtg_id": ""}.get(k, row.get(k)) for k in keys}
            for row in instance.participants
        ]
        for row, source in zip(rows, instance.participants, strict=True):
            if "registrant_id" not in source:
                row.pop("registrant_id")
        page, meta = self._page(rows, f"report:{instance.uuid}", page_size, page_token)
        return {**meta, "participants": page}

    @_locked
    def recording_get(self, token: Token, ref: str) -> dict:
        instance = self._instance(token, ref)
        if instance.recording is None:
            raise api_error(404, 3301, "This recording does not exist.")
        return instance.recording

    @_locked
    def recording_file(self, token: Token, file_id: str) -> tuple[str, bytes]:
        if file_id not in self.files:
            raise api_error(404, 3301, "This recording does not exist.")
        return self.files[file_id]

    # --- paging ----------------------------------------------------------------------------

    def _page(self, rows: list, key: str, page_size, page_token: str) -> tuple[list, dict]:
        try:
            size = int(page_size) if page_size not in (None, "") else DEFAULT_PAGE_SIZE
        except ValueError as exc:
            raise validation_failed("page_size") from exc
        size = max(1, min(size, MAX_PAGE_SIZE))
        offset = 0
        if page_token:
            saved = self._page_tokens.get(page_token)
            if saved is None or saved[0] != key:
                raise api_error(400, 300, "The next page token is invalid or expired.")
            offset = saved[1]
        page = rows[offset : offset + size]
        next_token = ""
        if offset + size < len(rows):
            next_token = _zoom_id(32)
            self._page_tokens[next_token] = (key, offset + size)
        return page, {
            "page_count": max(1, -(-len(rows) // size)),
            "page_size": size,
            "total_records": len(rows),
            "next_page_token": next_token,
        }

    # --- the class player's side -----------------------------------------------------------

    @_locked
    def play_begin(self, meeting_id, *, occurrence_id: str = "") -> dict:
        """Start an instance of the meeting; return what the player needs to script it."""
        try:
            meeting = self.meetings.get(int(str(meeting_id)))
        except ValueError:
            meeting = None
        if meeting is None:
            raise meeting_not_found(meeting_id)
        if occurrence_id and meeting.occurrence(occurrence_id) is None:
            raise api_error(400, 3000, f"Invalid occurrence_id: {occurrence_id}.")
        if meeting.type == 8 and not occurrence_id:
            now = datetime.fromtimestamp(self.clock(), UTC)
            live = meeting.live_occurrences()
            upcoming = [o for o in live if o.start_time + timedelta(minutes=o.duration) >= now]
            chosen = (upcoming or live or [None])[0]
            occurrence_id = chosen.occurrence_id if chosen else ""
        uuid = meeting.uuid if not meeting.instances else self.new_uuid()
        host = self.users[meeting.host_id]
        start = datetime.fromtimestamp(self.clock(), UTC).replace(microsecond=0)
        self.instances[uuid] = Instance(
            uuid=uuid,
            meeting_id=meeting.id,
            occurrence_id=occurrence_id,
            account_id=meeting.account_id,
            host_id=meeting.host_id,
            topic=meeting.topic,
            type=meeting.type,
            timezone=meeting.timezone,
            start_time=start,
        )
        meeting.instances.append(uuid)
        meeting.status = "started"
        registrants = [
            {
                "registrant_id": r.id,
                "email": r.email,
                "first_name": r.first_name,
                "last_name": r.last_name,
            }
            for r in self.registrants.get(meeting.id, [])
            if r.status == "approved" and (not occurrence_id or occurrence_id in r.occurrence_ids)
        ]
        return {
            "uuid": uuid,
            "occurrence_id": occurrence_id,
            "account_id": meeting.account_id,
            "meeting": self.meeting_json(meeting, occurrence_id=occurrence_id),
            "host": host.to_zoom(),
            "registrants": registrants,
        }

    @_locked
    def play_end(
        self,
        uuid: str,
        *,
        start_time,
        end_time,
        participants: list[dict],
        record: bool = False,
        transcript: list[tuple[float, float, str, str]] = (),
    ) -> dict:
        """Store the played attendance (one row per join segment, in Zoom's report shape) and,
        when asked, a recording with an MP4 and a WebVTT transcript."""
        instance = self.instances.get(uuid)
        if instance is None:
            raise meeting_not_found(uuid)
        instance.start_time = _parse_time(start_time)
        instance.end_time = _parse_time(end_time)
        instance.participants = [dict(row) for row in participants]
        meeting = self.meetings.get(instance.meeting_id)
        if meeting is not None:
            meeting.status = "waiting"
        download_token = ""
        if record:
            download_token = secrets.token_urlsafe(32)
            instance.recording = self._make_recording(instance, meeting, transcript)
        return {"recording": instance.recording, "download_token": download_token}

    def _make_recording(self, instance: Instance, meeting: Meeting | None, transcript) -> dict:
        base = self.base_url
        start, end = instance.start_time, instance.end_time
        lines = ["WEBVTT", ""]
        for index, (begin, finish, speaker, text) in enumerate(transcript, start=1):
            lines += [str(index), f"{_vtt(begin)} --> {_vtt(finish)}", f"{speaker}: {text}", ""]
        vtt = "\n".join(lines).encode()
        mp4 = b"\x00\x00\x00\x18ftypmp42sandbox-recording"
        files = []
        for kind, ext, rtype, content_type, content in (
            ("MP4", "MP4", "shared_screen_with_speaker_view", "video/mp4", mp4),
            ("TRANSCRIPT", "VTT", "audio_transcript", "text/vtt", vtt),
        ):
            file_id = secrets.token_hex(16)
            self.files[file_id] = (content_type, content)
            files.append(
                {
                    "id": f"{file_id[:8]}-{file_id[8:12]}-{file_id[12:16]}-{file_id[16:20]}",
                    "meeting_id": instance.uuid,
                    "recording_start": zoom_time(start),
                    "recording_end": zoom_time(end),
                    "file_type": kind,
                    "file_extension": ext,
                    "file_size": len(content),
                    "play_url": f"{base}/rec/play/{file_id}",
                    "download_url": f"{base}/rec/download/{file_id}",
                    "status": "completed",
                    "recording_type": rtype,
                }
            )
        host = self.users.get(instance.host_id)
        return {
            "uuid": instance.uuid,
            "id": instance.meeting_id,
            "account_id": instance.account_id,
            "host_id": instance.host_id,
            "host_email": host.email if host else "",
            "topic": instance.topic,
            "type": instance.type,
            "start_time": zoom_time(start),
            "timezone": instance.timezone,
            "duration": max(1, round((end - start).total_seconds() / 60)),
            "total_size": sum(f["file_size"] for f in files),
            "recording_count": len(files),
            "share_url": f"{base}/rec/share/{secrets.token_urlsafe(16)}",
            "password": meeting.password if meeting else "",
            "recording_play_passcode": secrets.token_urlsafe(24),
            "recording_files": files,
        }

    # --- inspection ------------------------------------------------------------------------

    @_locked
    def snapshot(self) -> dict:
        now = self.clock()
        return {
            "base_url": self.base_url,
            "clients": sorted(self.clients),
            "users": [u.to_zoom() for u in self.users.values()],
            "meetings": [self.meeting_json(m) for m in self.meetings.values()],
            "registrants": {
                str(mid): [
                    {
                        "id": r.id,
                        "email": r.email,
                        "first_name": r.first_name,
                        "last_name": r.last_name,
                        "status": r.status,
                        "join_url": self.registrant_join_url(r),
                        "occurrence_ids": list(r.occurrence_ids),
                    }
                    for r in rows
                ]
                for mid, rows in self.registrants.items()
            },
            "instances": [
                {
                    "uuid": i.uuid,
                    "meeting_id": i.meeting_id,
                    "occurrence_id": i.occurrence_id,
                    "start_time": zoom_time(i.start_time),
                    "end_time": zoom_time(i.end_time),
                    "participants": len(i.participants),
                    "recorded": i.recording is not None,
                }
                for i in self.instances.values()
            ],
            "tokens": sum(1 for t in self.tokens.values() if not t.revoked and t.expires_at > now),
            "calls": [list(call) for call in self.calls],
            "failures": len(self.failures),
            "rate_limits": {str(k): v for k, v in self.rate_limits.items()},
        }

    @_locked
    def meeting_by_join_token(self, meeting_id: str, tk: str = "") -> tuple[Meeting, str] | None:
        """For the join pages: the meeting and, with a registrant token, who is joining."""
        try:
            meeting = self.meetings.get(int(meeting_id))
        except ValueError:
            return None
        if meeting is None:
            return None
        who = ""
        if tk:
            registrant = next(
                (r for r in self.registrants.get(meeting.id, []) if r.token == tk), None
            )
            if registrant is None:
                return None
            who = registrant.name
        return meeting, who


def _vtt(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
