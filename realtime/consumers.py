import json

from channels.generic.websocket import AsyncWebsocketConsumer

from realtime.groups import user_group
from realtime.tenancy import in_tenant


def _user_summary(user_id: int) -> dict:
    from tenants.accounts.models import User

    user = User.objects.only("id", "email", "name", "role").get(pk=user_id)
    return {"id": user.pk, "email": user.email, "name": user.name, "role": user.get_role_display()}


class NotificationsConsumer(AsyncWebsocketConsumer):
    """A signed-in user's own stream (`t.<schema>.user.<id>`): reminders, "class started",
    attendance updates. Anonymous connections are refused with 4401."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()  # so that the client sees the 4401, not a bare HTTP 403
            await self.close(code=4401)
            return
        tenant = self.scope["tenant"]
        self.groups_joined = [user_group(tenant.schema_name, user.pk)]
        # Join before the first message: an event sent meanwhile is then not missed.
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        me = await in_tenant(self.scope, _user_summary, user.pk)
        await self.send(json.dumps({"event": "hello", "data": {"tenant": tenant.slug, "me": me}}))

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def realtime_event(self, message):
        await self.send(json.dumps({"event": message["event"], "data": message["data"]}))
