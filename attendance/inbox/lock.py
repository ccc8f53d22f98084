"""The transaction-long right to change one Zoom meeting's sessions in a schema, and the hand-over
of what is pending to a worker."""

from __future__ import annotations

import logging

from django.db import connection, transaction

from attendance.models import WebhookEvent
from tenants.connection import tenant_connection

logger = logging.getLogger(__name__)


def meeting_lock(zoom_meeting_id: str, *, wait: bool = True, draining: bool = False) -> bool:
    """The transaction-long right to change one Zoom meeting's sessions in this schema.

    A worker that finds the meeting held leaves its event to the holder. Draining workers
    look again once they let go; anyone else who held it (a retry, the reconciliation, a
    teacher's resolution) hands what is pending to a worker on commit."""
    key = f"{tenant_connection().schema_name}:zoom-meeting:{zoom_meeting_id}"
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(hashtextextended(%s, 0))", [key])
        if not wait:
            return bool(cursor.fetchone()[0])  # a PostgreSQL boolean
    if not draining:
        transaction.on_commit(lambda: hand_over(zoom_meeting_id))
    return True


def hand_over(zoom_meeting_id: str) -> None:
    from attendance.actors import webhook_process

    first = (
        WebhookEvent.objects.filter(
            status=WebhookEvent.Status.PENDING, zoom_meeting_id=zoom_meeting_id
        )
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if first is not None:
        webhook_process.send_with_options(
            args=(first,), tenant_schema=tenant_connection().schema_name
        )
