"""Access that is checked again while a subscription runs."""

import time
from collections.abc import Callable
from typing import Any

from realtime.tenancy import in_tenant

# Re-checking access costs a query; within this many seconds of the last check it is reused.
RECHECK_SECONDS = 2.0


class AccessGate:
    """Access checked when subscribing, checked again before relaying events (at most every
    RECHECK_SECONDS): a user who lost it (made inactive, removed from the class) stops
    receiving. `check(*args)` is a sync function run in the scope's tenant schema."""

    def __init__(self, scope: dict[str, Any], check: Callable[..., bool], *args: Any) -> None:
        self.scope, self.check, self.args = scope, check, args
        self.checked_at = time.monotonic()

    async def still_allowed(self) -> bool:
        if time.monotonic() - self.checked_at < RECHECK_SECONDS:
            return True
        allowed = await in_tenant(self.scope, self.check, *self.args)
        self.checked_at = time.monotonic()
        return allowed
