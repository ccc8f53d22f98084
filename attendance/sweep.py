"""Moved to attendance.inbox.sweep. Kept importable here because tenants/scheduler.py (another
part of this change) still imports the actor from this path; drop it once that import says
attendance.inbox.sweep."""

from attendance.inbox.sweep import webhook_inbox_sweep, webhook_inbox_sweep_actor

__all__ = ["webhook_inbox_sweep", "webhook_inbox_sweep_actor"]
