"""Scheduling through the one writer, with the invitation actor's messages captured and run
in place (its work, `invitations_deliver_now`), and the mails delivered to the locmem outbox."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from icalendar import Calendar

from meetings import services
from meetings.invitations import actors
from meetings.invitations.services import invitations_deliver_now
from tests.support import mail_deliver_pending


@dataclass
class Outbox:
    """Invitation messages sent to the actor (kind, id, sequence, change), run on demand."""

    messages: list[tuple] = field(default_factory=list)

    def run(self, world) -> list:
        """Run every captured message in `world`'s schema and deliver the mails."""
        with schema_context(world.schema):
            pending, self.messages[:] = list(self.messages), []
            for kind, object_id, sequence, change in pending:
                invitations_deliver_now(
                    kind=kind, object_id=object_id, sequence=sequence, change=change
                )
            return mail_deliver_pending()


@pytest.fixture
def outbox(monkeypatch, django_capture_on_commit_callbacks):
    box = Outbox()
    monkeypatch.setattr(actors.invitations_deliver, "send", lambda *args: box.messages.append(args))
    return box


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a scheduling call and its on-commit callbacks (the actor is captured)."""

    def run(world, fn, **kwargs):
        with schema_context(world.schema), django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run


def soon(days: int = 2):
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0, second=0)


def schedule(world, commit, **fields):
    values = {"title": "Algebra", "start_time": soon()} | fields
    return commit(
        world,
        services.meeting_schedule,
        actor=world.users["teacher"],
        school_class=world.school_class,
        **values,
    )


def ics_of(message) -> Calendar:
    """The calendar attached to a sent mail."""
    [(name, content, mimetype)] = message.attachments
    assert name.endswith(".ics")
    return Calendar.from_ical(content)


def by_recipient(messages) -> dict:
    return {m.to[0]: m for m in messages}
