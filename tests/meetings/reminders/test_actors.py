"""The sweep as the scheduler runs it: one message per school, on a real broker and worker,
each run in its own school's schema; sent again (a second scheduler, a retry), it reminds no
one twice."""

from datetime import timedelta

import dramatiq
import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.models import Meeting
from meetings.reminders.actors import reminders_sweep
from meetings.reminders.models import ReminderDelivery
from tenants.mail.models import OutboundMail
from tenants.scheduler import default_jobs
from tests.support import committed

pytestmark = pytest.mark.django_db


def _queued(queue: str) -> list[dramatiq.Message]:
    broker = dramatiq.get_broker()
    return [
        dramatiq.Message.decode(r) for r in broker.client.hvals(f"{broker.namespace}:{queue}.msgs")
    ]


def test_the_job_sends_one_sweep_per_school(worlds):
    broker = dramatiq.get_broker()
    broker.flush_all()
    job = {j.name: j for j in default_jobs()}["reminders-sweep"]

    count = job.send()

    messages = _queued(reminders_sweep.queue_name)
    broker.flush_all()
    assert count == 2 and job.every_seconds == 60
    assert sorted(m.options["tenant_schema"] for m in messages) == ["alpha", "beta"]
    assert {m.actor_name for m in messages} == {"reminders_sweep"}


@pytest.fixture
def due_in_alpha(worlds):
    """A committed session of alpha's class due for its 30-minute reminder now (by the wall
    clock, which the actor reads), and nothing due in beta."""
    world = worlds["a"]

    def arrange():
        with schema_context(world.schema):
            return Meeting.objects.create(
                school_class=world.school_class,
                host=world.users["teacher"],
                title="Due now",
                start_time=timezone.now() + timedelta(minutes=29, seconds=30),
            ).pk

    meeting_id = committed(arrange)
    yield world, meeting_id

    def clean():
        with schema_context(world.schema):
            Meeting.objects.filter(pk=meeting_id).delete()
            OutboundMail.objects.filter(key__startswith=f"reminder:{meeting_id}:").delete()

    committed(clean)


def test_the_actor_reminds_in_its_school_once_however_often_it_runs(due_in_alpha):
    world, meeting_id = due_in_alpha
    broker = dramatiq.get_broker()
    broker.flush_all()
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        job = {j.name: j for j in default_jobs()}["reminders-sweep"]
        # when: the job fans out, then fans out again (a second scheduler, a retry)
        job.send()
        broker.join(reminders_sweep.queue_name, timeout=30_000)
        job.send()
        broker.join(reminders_sweep.queue_name, timeout=30_000)
    finally:
        worker.stop()
        broker.flush_all()

    def outcome():
        with schema_context(world.schema):
            return (
                list(
                    ReminderDelivery.objects.filter(meeting_id=meeting_id).values_list(
                        "user_id", flat=True
                    )
                ),
                OutboundMail.objects.filter(key__startswith=f"reminder:{meeting_id}:").count(),
            )

    # then: alpha's student, once, in the ledger and in the outbox
    assert committed(outcome) == ([world.users["student"].pk], 1)
