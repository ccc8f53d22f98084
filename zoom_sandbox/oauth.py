"""OAuth as on zoom.us: registered apps (clients), the authorization-code flow with rotating
refresh tokens, Server-to-Server (account credentials) tokens, revocation, and the bearer check
and scopes of every REST call."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from zoom_sandbox.common import ZoomError, api_error, invalid_token, locked, oauth_error, zoom_id
from zoom_sandbox.users import User

DEFAULT_SCOPES = (
    "meeting:read",
    "meeting:write",
    "user:read",
    "recording:read",
    "recording:write",
    "report:read",
)
DEMO_CLIENT_ID = "demo-client-id"
DEMO_CLIENT_SECRET = "demo-client-secret"

TOKEN_LIFETIME = 3599
CODE_LIFETIME = 600


@dataclass
class Client:
    client_id: str
    client_secret: str
    account_id: str
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    default_user_id: str = ""
    redirect_uris: tuple[str, ...] = ()  # empty: any redirect uri is accepted


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


class OAuthMixin:
    clients: dict[str, Client]
    codes: dict[str, AuthCode]
    tokens: dict[str, Token]
    refresh_tokens: dict[str, RefreshToken]

    def _reset_oauth(self) -> None:
        self.clients = {}
        self.codes = {}
        self.tokens = {}
        self.refresh_tokens = {}

    @locked
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

    @locked
    def expire_token(self, access_token: str) -> None:
        self.tokens[access_token].expires_at = self.clock() - 1

    @locked
    def expire_all_tokens(self) -> None:
        for token in self.tokens.values():
            token.expires_at = min(token.expires_at, self.clock() - 1)

    @locked
    def issue_token(
        self, *, client_id: str = DEMO_CLIENT_ID, user: str = "", scopes: Iterable[str] = ()
    ) -> dict:
        """A token as the code flow would give (tests that are not about OAuth use this)."""
        client = self.clients[client_id]
        target = self._user_ref(user, client.account_id) if user else None
        target = target or self.users[client.default_user_id]
        return self._issue(client, target, kind="user", scopes=tuple(scopes) or client.scopes)

    @locked
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
        code = zoom_id(32)
        self.codes[code] = AuthCode(
            code, client.client_id, user.id, redirect_uri, self.clock() + CODE_LIFETIME
        )
        query = {"code": code, **({"state": state} if state else {})}
        joiner = "&" if "?" in redirect_uri else "?"
        return f"{redirect_uri}{joiner}{urlencode(query)}"

    @locked
    def oauth_client(self, client_id: str, client_secret: str) -> Client:
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.client_secret, client_secret):
            raise oauth_error(401, "invalid_client", "Invalid client_id or client_secret")
        return client

    @locked
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

    @locked
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
        grant_id = grant_id or zoom_id()
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

    @locked
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
