import dramatiq
from django.utils import timezone

from tenants.mail import services


@dramatiq.actor(tenancy="tenant", max_retries=0, queue_name="default")
def mail_send(mail_id: int) -> None:
    """Send one mail of the outbox. Idempotent: a mail sent, or being sent by another worker,
    is left alone. A transient failure schedules this message again at the back-off time (the
    row says when; the sweep covers a message lost on the way)."""
    delivery = services.mail_deliver(mail_id=mail_id)
    if delivery is not None and delivery.retry_at is not None:
        delay = max(int((delivery.retry_at - timezone.now()).total_seconds() * 1000), 0)
        mail_send.send_with_options(args=(mail_id,), delay=delay)


@dramatiq.actor(tenancy="tenant", max_retries=3, queue_name="default")
def mail_sweep() -> None:
    """Hand out again the mails whose message was lost (periodic, per school)."""
    for mail_id in services.mail_due_ids():
        mail_send.send(mail_id)
