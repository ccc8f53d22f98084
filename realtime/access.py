"""Access that is checked again while a subscription runs: for all local
listeners of a group together (`RoomGate`, realtime.hub)."""

import asyncio
import logging
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from channels.db import database_sync_to_async

from realtime.tenancy import run_in_schema

logger = logging.getLogger(__name__)

# Re-checking access costs a query; within this many seconds of the last check it is reused.
RECHECK_SECONDS = 2.0


class RoomGate:
    """Access of all local listeners of a group, checked together: a subscriber's admission
    joins the others arriving in the same moment (one query for all), and while events flow the
    members are re-checked in one query at most every RECHECK_SECONDS. A failed check fails
    closed (nobody allowed)."""

    def __init__(
        self, schema_name: str, check_many: Callable[..., set[int]], args: tuple[Any, ...]
    ) -> None:
        self.schema_name, self.check_many, self.args = schema_name, check_many, args
        self.members: dict[Hashable, int] = {}  # listener -> its user
        self.allowed: set[int] = set()
        self.checked_at = time.monotonic()
        self.waiting: set[int] = set()  # for the next admission check
        self.next_admission: asyncio.Future[set[int]] | None = None
        self.admitting: asyncio.Task[None] | None = None
        self.recheck: asyncio.Future[set[int]] | None = None
        self.admitted: set[int] = set()
        self.queries = 0

    def forget(self, listener: Hashable) -> None:
        self.members.pop(listener, None)

    async def _query(self, user_ids: Iterable[int]) -> set[int]:
        ids = sorted(set(user_ids))
        if not ids:
            return set()
        self.queries += 1
        try:
            allowed: set[int] = await database_sync_to_async(run_in_schema)(
                self.schema_name, self.check_many, ids, *self.args
            )
        except Exception:
            logger.exception("checking access to a realtime group failed: nobody is allowed")
            return set()
        return allowed & set(ids)

    async def admit(self, user_id: int) -> bool:
        """Whether `user_id` may subscribe, checked now with whoever else is waiting: one check
        runs at a time, and those arriving meanwhile are checked together after it."""
        if self.next_admission is None:
            self.next_admission = asyncio.get_running_loop().create_future()
            if self.admitting is None:
                self.admitting = asyncio.ensure_future(self._admissions())
        future = self.next_admission
        self.waiting.add(user_id)
        allowed = await asyncio.shield(future)
        if user_id in allowed:
            self.allowed.add(user_id)
            self.admitted.add(user_id)  # a re-check already under way did not ask about them
            return True
        return False

    async def _admissions(self) -> None:
        future: asyncio.Future[set[int]] | None = None
        try:
            while self.next_admission is not None:
                await asyncio.sleep(0)  # let the rest of a reconnect burst join this check
                future, ids = self.next_admission, self.waiting
                self.next_admission, self.waiting = None, set()
                future.set_result(await self._query(ids))
        except BaseException:
            if future is not None and not future.done():
                future.cancel()
            raise
        finally:
            self.admitting = None

    async def still_allowed(self, user_id: int) -> bool:
        """Whether `user_id` may still receive the group's events (re-checked for all members
        together when the last check is older than RECHECK_SECONDS)."""
        if time.monotonic() - self.checked_at >= RECHECK_SECONDS:
            if self.recheck is None:
                self.recheck = asyncio.ensure_future(self._recheck())
            await asyncio.shield(self.recheck)
        return user_id in self.allowed

    async def _recheck(self) -> set[int]:
        self.admitted = set()
        try:
            self.allowed = await self._query(self.members.values()) | self.admitted
            self.checked_at = time.monotonic()
            return self.allowed
        finally:
            self.recheck = None
