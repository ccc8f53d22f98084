import dramatiq

from tenants.people_import import services


@dramatiq.actor(tenancy="tenant", max_retries=0, queue_name="default", time_limit=30 * 60_000)
def people_import_run_job(import_id: int) -> None:
    """Run one queued import of the school this message was sent for (once: a job already
    taken is skipped)."""
    services.people_import_run(import_id=import_id)
