"""The lifecycle's periodic jobs, one message per school (tenants.lifecycle.apps)."""

import dramatiq

from tenants.lifecycle import services


@dramatiq.actor(tenancy="tenant", max_retries=0, time_limit=1_800_000)
def audit_entries_purge() -> None:
    services.audit_entries_purge()


@dramatiq.actor(tenancy="tenant", max_retries=0)
def exports_expire() -> None:
    services.exports_expire()
