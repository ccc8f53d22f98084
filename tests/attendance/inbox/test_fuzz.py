"""Fuzzing the Zoom webhook path: signed bodies generated from Zoom's real shapes (fields
removed, types swapped, huge strings, unicode, nesting) and arbitrary JSON. The intake never
answers 5xx (a 503 only when the database is down, which it is not here), and processing a
stored event never raises out of the worker for a malformed event (that would retry it again
and again): it ends ignored, processed or failed once, and the good events beside it are
processed. `make test` runs a few derandomized examples; `make fuzz` many, at random."""

import copy
import json

import pytest
from django.db import transaction
from django_tenants.utils import schema_context
from hypothesis import given

from attendance.inbox import engine
from attendance.inbox.intake import _event_ts, _zoom_meeting_id, dedupe_key
from attendance.inbox.scrub import body_scrub
from attendance.models import WebhookEvent

from ...support import fuzz_settings
from ..conftest import UUID, ZOOM_ID, ended, joined, left, started
from ..webhook_bodies import bodies, samples
from . import test_intake
from .test_intake import HOSTS, SECRETS

pytestmark = pytest.mark.django_db

# The intake's fixtures: alpha and beta with their webhook secrets, an in-process ASGI client.
asgi, zoom = test_intake.asgi, test_intake.zoom


def _ours(body: dict) -> dict:
    """A Zoom sample as if it were about the live class's meeting."""
    body = copy.deepcopy(body)
    obj = body.get("payload", {}).get("object")
    if isinstance(obj, dict):
        obj.update(id=ZOOM_ID, uuid=UUID)
    return body


BASES = [
    *samples(),
    joined("Ann A", 1, registrant_id="reg-ann"),
    left("Ann A", 50, registrant_id="reg-ann"),
    joined("Bob B", 2, email="bob@alpha.test"),
    started(),
    ended(),
    # Zoom's meeting.updated / meeting.deleted (attendance.handlers cites their shapes)
    {
        "event": "meeting.updated",
        "event_ts": 1700000000000,
        "payload": {
            "account_id": "acct",
            "operator": "host@alpha.test",
            "operator_id": "host-zoom-id",
            "scope": "all",
            "object": {
                "id": ZOOM_ID,
                "topic": "Maths II",
                "start_time": "2026-11-23T10:00:00Z",
                "duration": 50,
                "timezone": "Europe/London",
                "recurrence": {"type": 2, "repeat_interval": 1, "weekly_days": "2", "end_times": 3},
                "occurrences": [
                    {
                        "occurrence_id": "1795428000000",
                        "start_time": "2026-11-23T10:00:00Z",
                        "duration": 50,
                        "status": "available",
                    },
                ],
            },
            "old_object": {"id": ZOOM_ID, "topic": "Maths"},
            "time_stamp": 1700000000000,
        },
    },
    {
        "event": "meeting.deleted",
        "event_ts": 1700000000001,
        "payload": {
            "account_id": "acct",
            "operator": "host@alpha.test",
            "operator_id": "host-zoom-id",
            "operation": "single",
            "object": {
                "uuid": UUID,
                "id": ZOOM_ID,
                "host_id": "host-zoom-id",
                "topic": "Maths",
                "type": 8,
                "occurrences": [
                    {"occurrence_id": "1795428000000", "start_time": "2026-11-23T10:00:00Z"}
                ],
            },
        },
    },
]
OUR_BASES = [_ours(body) for body in BASES]


def test_the_intake_never_answers_a_signed_body_with_a_server_error(zoom):
    @fuzz_settings(examples=150)
    @given(body=bodies(BASES, storable=False))
    def post(body):
        raw = json.dumps(body).encode()
        reply = zoom.post(raw, host=HOSTS["alpha"], secret=SECRETS["alpha"])
        assert reply.status in (200, 400, 413), (reply.status, reply.body, raw[:2000])
        assert reply.json(), reply.body

    post()


class _Rollback(Exception):
    pass


def _storable(body) -> bool:
    """What the intake stores (anything else it answers 400)."""
    return isinstance(body, dict) and isinstance(body.get("event"), str)


def _store(body) -> int:
    """Put a body in the inbox as the intake would (scrubbed, keyed as it keys)."""
    key = dedupe_key(body, json.dumps(body).encode())
    body_scrub(body)
    payload = body.get("payload")
    obj = payload.get("object") if isinstance(payload, dict) else None
    return WebhookEvent.objects.create(
        event=body["event"][:80],
        event_ts=_event_ts(body.get("event_ts")),
        dedupe_key=key,
        zoom_meeting_id=_zoom_meeting_id(body),
        zoom_uuid=str(obj.get("uuid") or "")[:100] if isinstance(obj, dict) else "",
        body=body,
    ).pk


def test_processing_a_malformed_event_never_raises_and_spares_its_neighbours(live_class):
    world, _, _ = live_class
    good_body = joined("Cy C", 3, email="cy@alpha.test", uuid="pu-cy")

    @fuzz_settings(examples=150)
    @given(body=bodies(OUR_BASES).filter(_storable))
    def process(body):
        try:
            with schema_context(world.schema), transaction.atomic():
                good = _store(good_body)
                bad = _store(body)
                # when: the worker takes the malformed event (and its meeting's batch)
                outcome = engine.webhook_event_process(event_id=bad)
                engine.webhook_event_process(event_id=good)
                statuses = dict(
                    WebhookEvent.objects.filter(pk__in=[good, bad]).values_list("pk", "status")
                )
                attempts = WebhookEvent.objects.get(pk=bad).attempts
                raise _Rollback(outcome, statuses, attempts)
        except _Rollback as done:
            outcome, statuses, attempts = done.args
        # then: done with once, and the good event beside it processed
        assert statuses[bad] in ("processed", "ignored"), (statuses, body)
        assert outcome in ("processed", "ignored", None) and attempts <= 1
        assert statuses[good] == "processed", (statuses, body)

    process()
