import logging

import dramatiq

from meetings import services
from meetings.services.registrants import RegistrationReport

logger = logging.getLogger(__name__)


@dramatiq.actor(tenancy="tenant", max_retries=5, min_backoff=30_000, time_limit=30 * 60_000)
def registrants_sync_meetings(meeting_ids: list[int] | None = None) -> None:
    """Register enrolled students for these meetings (all upcoming ones when None)."""

    def progress(zoom_meeting_id: str, part: RegistrationReport) -> None:
        logger.info(
            "registrants for Zoom meeting %s: %d new, %d already, %d failed",
            zoom_meeting_id,
            part.registered,
            part.already,
            len(part.failed),
        )

    report = services.registrants_sync(meeting_ids=meeting_ids, progress=progress)
    if report.failed:
        logger.warning("registration failures: %s", report.failed[:20])
    if report.deferred:
        # Rate-limited: come back in a minute for the rest.
        registrants_sync_meetings.send_with_options(args=(meeting_ids,), delay=60_000)


@dramatiq.actor(tenancy="tenant", max_retries=3)
def registrants_sweep() -> None:
    """Catch enrolments made or removed anywhere (admin, import): register whoever is
    missing, cancel the registrations of those who left."""
    pending = services.registrants_pending_meeting_ids()
    if pending:
        registrants_sync_meetings.send(pending)
    for school_class_id, student_id in services.registrants_orphaned():
        registrants_cancel_for_student.send(school_class_id, student_id)


@dramatiq.actor(tenancy="tenant", max_retries=8, min_backoff=30_000)
def registrants_cancel_for_student(school_class_id: int, student_id: int) -> None:
    """A student left a class: cancel their Zoom registrations for its upcoming meetings.
    Idempotent; does nothing if they are enrolled again."""
    cancelled = services.registrants_cancel_for_student(
        school_class_id=school_class_id, student_id=student_id
    )
    if cancelled:
        logger.info(
            "cancelled %d registrations of user %s (left class %s)",
            cancelled,
            student_id,
            school_class_id,
        )


@dramatiq.actor(tenancy="tenant", max_retries=3)
def zoom_tokens_refresh_due() -> None:
    refreshed = services.zoom_connections_refresh_due()
    if refreshed:
        logger.info("refreshed %d Zoom connections ahead of expiry", refreshed)


@dramatiq.actor(tenancy="tenant", max_retries=0, time_limit=30 * 60_000)
def zoom_links_purge() -> None:
    """Periodic, one message per school: stored Zoom URLs past retention (meetings.retention)."""
    from meetings.retention import meeting_links_purge

    meeting_links_purge()


@dramatiq.actor(tenancy="tenant", max_retries=8, min_backoff=30_000)
def registrants_cancel_for_person(user_id: int) -> None:
    """A person was deleted: cancel their Zoom registrations still to come. Idempotent."""
    cancelled = services.registrants_cancel_for_person(user_id=user_id)
    if cancelled:
        logger.info("cancelled %d registrations of deleted user %s", cancelled, user_id)


@dramatiq.actor(tenancy="tenant", max_retries=3, time_limit=15 * 60_000)
def zoom_meetings_reconcile() -> None:
    """Zoom is the source of truth: ask it about the meetings of sessions still to come and
    apply what a missed webhook left different (meetings.services.zoom_changes)."""
    from meetings.services.zoom_changes import zoom_meetings_reconcile as reconcile

    report = reconcile()
    result = report.result
    logger.info(
        "Zoom meetings reconciled: %d checked, %d gone, %d failed%s; sessions %d changed, "
        "%d new, %d cancelled",
        report.checked,
        report.gone,
        report.failed,
        " (rate-limited: the rest next run)" if report.deferred else "",
        len(result.changed),
        len(result.created),
        len(result.cancelled),
    )
