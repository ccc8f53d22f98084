import json
import time

from channels.generic.websocket import AsyncWebsocketConsumer

from realtime.groups import live_classes_group, meeting_group, user_group
from realtime.tenancy import in_tenant

# Re-checking access costs a query; within this many seconds of the last check it is reused.
RECHECK_SECONDS = 2.0


class AccessGate:
    """Access checked when connecting, checked again before relaying events (at most every
    RECHECK_SECONDS): a user who lost it (made inactive, removed from the class) stops
    receiving. Used by these consumers and the GraphQL subscriptions alike."""

    def __init__(self, scope: dict, check, *args):
        self.scope, self.check, self.args = scope, check, args
        self.checked_at = time.monotonic()

    async def still_allowed(self) -> bool:
        if time.monotonic() - self.checked_at < RECHECK_SECONDS:
            return True
        allowed = await in_tenant(self.scope, self.check, *self.args)
        self.checked_at = time.monotonic()
        return allowed


def is_active_user(user_id: int) -> bool:
    from tenants.accounts.models import User

    return User.objects.filter(pk=user_id, is_active=True).exists()


def _user_summary(user_id: int) -> dict:
    from tenants.accounts.models import User

    user = User.objects.only("id", "email", "name", "role").get(pk=user_id)
    return {"id": user.pk, "email": user.email, "name": user.name, "role": user.get_role_display()}


class _GroupConsumer(AsyncWebsocketConsumer):
    """Joins its groups before it reads the snapshot, so that no change falls between the
    two; then relays every published event as JSON `{event, data}`."""

    async def refuse(self, code: int) -> None:
        await self.accept()  # so that the client sees the code, not a bare HTTP 403
        await self.close(code=code)

    async def join(self, groups: list[str]) -> None:
        self.groups_joined = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def send_event(self, event: str, data) -> None:
        await self.send(json.dumps({"event": event, "data": data}))

    gate: AccessGate | None = None

    async def realtime_event(self, message):
        if self.gate is not None and not await self.gate.still_allowed():
            await self.disconnect(4403)
            await self.close(code=4403)
            return
        await self.send_event(message["event"], message["data"])


class NotificationsConsumer(_GroupConsumer):
    """A signed-in user's own stream (`t.<schema>.user.<id>`): reminders, "class started",
    attendance updates. Anonymous connections are refused with 4401."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(4401)
            return
        tenant = self.scope["tenant"]
        await self.join([user_group(tenant.schema_name, user.pk)])
        self.gate = AccessGate(self.scope, is_active_user, user.pk)
        await self.accept()
        me = await in_tenant(self.scope, _user_summary, user.pk)
        await self.send_event("hello", {"tenant": tenant.slug, "me": me})


def room_snapshot_for(user_id: int, meeting_id: int) -> dict | None:
    """Sync, in the tenant's schema: the room's snapshot, or None when this user may not
    watch it (the host, the class's teachers and admins may). Used by the websocket views
    and the GraphQL subscriptions alike."""
    from attendance.selectors import participants_snapshot

    meeting = _watchable(user_id, meeting_id)
    return participants_snapshot(meeting=meeting) if meeting is not None else None


def may_watch_room(user_id: int, meeting_id: int) -> bool:
    return _watchable(user_id, meeting_id) is not None


def _watchable(user_id: int, meeting_id: int):
    from meetings.policy import access_meeting_or_none
    from tenants.accounts.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    return access_meeting_or_none(user, meeting_id, to="manage")


class MeetingLiveConsumer(_GroupConsumer):
    """Who is in one class right now, for its host, its teachers and admins: a snapshot, then
    one message per change. 4401 anonymous, 4404 no such meeting for this user."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(4401)
            return
        meeting_id = int(self.scope["url_route"]["kwargs"]["meeting_id"])
        schema = self.scope["tenant"].schema_name
        await self.join([meeting_group(schema, meeting_id)])
        snapshot = await in_tenant(self.scope, room_snapshot_for, user.pk, meeting_id)
        if snapshot is None:
            await self.disconnect(4404)
            await self.refuse(4404)
            return
        self.gate = AccessGate(self.scope, may_watch_room, user.pk, meeting_id)
        await self.accept()
        await self.send_event("snapshot", snapshot)


def live_snapshot_for(user_id: int) -> list | None:
    """Sync: the running classes, or None unless the user is an active admin."""
    from attendance.selectors import live_meetings_snapshot

    return live_meetings_snapshot() if is_active_admin(user_id) else None


def is_active_admin(user_id: int) -> bool:
    from tenants.accounts.models import Role, User

    return User.objects.filter(pk=user_id, is_active=True, role=Role.ADMIN).exists()


class LiveClassesConsumer(_GroupConsumer):
    """The school's running classes and their head counts, for admins (seed 004's "Live
    Classes" tab)."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(4401)
            return
        await self.join([live_classes_group(self.scope["tenant"].schema_name)])
        snapshot = await in_tenant(self.scope, live_snapshot_for, user.pk)
        if snapshot is None:
            await self.disconnect(4403)
            await self.refuse(4403)
            return
        self.gate = AccessGate(self.scope, is_active_admin, user.pk)
        await self.accept()
        await self.send_event("snapshot", {"meetings": snapshot})
