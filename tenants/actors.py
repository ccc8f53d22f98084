import dramatiq
from django.contrib.sessions.models import Session
from django.utils import timezone

from tenants import services


@dramatiq.actor(tenancy="platform", max_retries=3, queue_name="default")
def spare_pool_refill() -> None:
    """Make spare schemas again after a sign-up took one."""
    services.spare_pool_fill()


@dramatiq.actor(tenancy="tenant", max_retries=3)
def sessions_purge() -> None:
    """Delete expired sessions of the tenant this message was sent for."""
    Session.objects.filter(expire_date__lt=timezone.now()).delete()
