"""Mail end to end through real SMTP: the outbox's actor, Django's SMTP backend, the Zoom
sandbox's mail catcher, read back from /mail/api/messages. Once in this process (the actor's
code), once through a real dramatiq worker process."""

import json
import time
import urllib.request
import uuid

import dramatiq
import pytest
from django.conf import settings
from django_tenants.utils import schema_context
from dramatiq.brokers.redis import RedisBroker

from tenants.mail import actors
from tenants.mail.models import OutboundMail
from tenants.mail.services import mail_queue
from tenants.tasking import OPTION
from tests.support import committed, worker_start, worker_stop
from zoom_sandbox.server import SandboxServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def catcher():
    server = SandboxServer(smtp_port=0).start()
    yield server
    server.stop()


def caught(server, *, wait_for=1, timeout=30.0):
    """The catcher's JSON list once it holds `wait_for` messages (a worker process sends on its
    own time)."""
    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(f"{server.url}/mail/api/messages", timeout=5) as response:
            found = json.loads(response.read())
        if len(found) >= wait_for or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _queue(key, user):
    mail_queue(
        key=key,
        to=user.email,
        template="admin_email_confirm",
        context={"confirm_url": "http://alpha.localhost:8000/confirm/t", "expires_at": None},
        user=user,
    )
    return OutboundMail.objects.get(key=key).pk


def test_the_actor_sends_through_smtp_to_the_catcher(alpha, catcher, settings):
    # given: Django's SMTP backend pointed at the sandbox's catcher
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = catcher.smtp.host, catcher.smtp.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    with schema_context(alpha.schema):
        mail_id = _queue("e2e-in-process", alpha.users["admin"])

        # when: the actor runs, as the worker runs it
        actors.mail_send.fn(mail_id)
        row = OutboundMail.objects.get(pk=mail_id)

    # then
    [message] = caught(catcher)
    assert row.status == "sent"
    assert message["to"] == "admin@alpha.test"
    assert message["subject"] == "Confirm your email address for Alpha School"
    assert "http://alpha.localhost:8000/confirm/t" in message["text"]
    assert "Alpha School" in message["html"] and "<a href=" in message["html"]
    assert message["from"].startswith("Alpha School <")


def test_a_worker_process_sends_a_queued_mail_to_the_catcher(worlds, catcher):
    world = worlds["a"]

    def arrange():
        with schema_context(world.schema):
            return _queue(f"e2e-worker-{uuid.uuid4().hex[:8]}", world.users["teacher"])

    mail_id = committed(arrange)
    namespace = f"liveroll-test-mail-{uuid.uuid4().hex[:8]}"
    worker = worker_start(
        {
            "DRAMATIQ_NAMESPACE": namespace,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": catcher.smtp.host,
            "EMAIL_PORT": str(catcher.smtp.port),
        },
        queues=["default"],
    )
    broker = RedisBroker(url=settings.REDIS_URL, namespace=namespace)
    try:
        # the message mail_queue hands over after commit, stamped with the school's schema
        broker.enqueue(
            dramatiq.Message(
                queue_name="default",
                actor_name="mail_send",
                args=(mail_id,),
                kwargs={},
                options={OPTION: world.schema},
            )
        )
        found = caught(catcher, timeout=60)
    finally:
        worker_stop(worker)
        broker.flush_all()
        broker.close()

        def clean():
            with schema_context(world.schema):
                return OutboundMail.objects.filter(pk=mail_id).values_list("status", flat=True)[0]

        status = committed(clean)
        committed(lambda: _delete(world.schema, mail_id))

    [message] = found
    assert message["to"] == "teacher@alpha.test" and "Alpha School" in message["text"]
    assert status == "sent"


def _delete(schema, mail_id):
    with schema_context(schema):
        OutboundMail.objects.filter(pk=mail_id).delete()
