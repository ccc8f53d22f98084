"""Zoom users: the demo school's people, users added by tests, and `/users/{userId}` as the
token asking may see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from zoom_sandbox.common import api_error, locked, stable_number, zoom_id

if TYPE_CHECKING:  # oauth imports this module: tokens act for users
    from zoom_sandbox.oauth import Token

DEMO_ACCOUNT_ID = "demo-account"
# Stable Zoom user ids of the demo school's people (Zoom ids are 22 base64url characters).
DEMO_USERS = (
    # (id, email, first name, last name, role)
    ("Dm0AdMnQ1lRvZx8sYk3w2A", "admin@demo.test", "Demo", "Admin", "Owner"),
    ("Tc1TaRaQ8hKp2mWn5yVb7A", "teacher1@demo.test", "Tara", "Teacher", "Member"),
    ("Tc2ThEoZ4jLs6nXq9rCd3B", "teacher2@demo.test", "Theo", "Teacher", "Member"),
)
DEMO_TEACHER_ID = DEMO_USERS[1][0]


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
            "pmi": 1_000_000_000 + stable_number(self.id) % 8_999_999_999,
            "use_pmi": False,
            "timezone": self.timezone,
            "verified": 1,
            "dept": "",
            "language": "en-US",
            "status": "active",
            "role_id": "0" if self.role_name == "Owner" else "2",
            "account_id": self.account_id,
            "account_number": stable_number(self.account_id) % 10**9,
            "cluster": "us06",
            "user_created_at": "2024-01-01T00:00:00Z",
            "created_at": "2024-01-01T00:00:00Z",
        }


class UsersMixin:
    users: dict[str, User]

    def _reset_users(self) -> None:
        self.users = {}

    @locked
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
            id=user_id or zoom_id(),
            email=email.lower(),
            first_name=first_name or email.split("@")[0].capitalize(),
            last_name=last_name,
            account_id=account_id,
            type=type,
            role_name=role_name,
        )
        self.users[user.id] = user
        return user

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

    @locked
    def user_get(self, token: Token, ref: str) -> dict:
        return self._acting_user(token, ref).to_zoom()
