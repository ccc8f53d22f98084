import dramatiq

from meetings.invitations import services


@dramatiq.actor(tenancy="tenant", max_retries=5, min_backoff=10_000)
def invitations_deliver(kind: str, object_id: int, sequence: int, change: str) -> None:
    """Mail one change of a class (session or series) to everyone invited. Idempotent."""
    services.invitations_deliver_now(
        kind=kind, object_id=object_id, sequence=sequence, change=change
    )
