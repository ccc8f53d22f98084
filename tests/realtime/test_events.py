"""Declared realtime events, and publishing after commit: one trip per transaction, nothing
from a rollback."""

from unittest import mock

import pytest
from django.db import transaction

from attendance.events import LiveCount, Participant, ParticipantChange, ParticipantsChanged
from meetings.events import MeetingEnded, MeetingSummary
from realtime import events
from realtime.events import EventError, declared_events, decode_message, publish

from ..support import committed

pytestmark = pytest.mark.django_db


def _sent(deliver: mock.Mock) -> list[list[tuple[str, str]]]:
    """(group, event name) of each trip to the channel layer."""
    return [[(g, m["event"]) for g, m in call.args[0]] for call in deliver.call_args_list]


def test_one_trip_after_commit_for_all_of_a_transactions_events():
    def run():
        with mock.patch.object(events, "_deliver") as deliver:
            with transaction.atomic():
                publish(LiveCount(meeting_id=1, count=1), schema_name="alpha")
                with transaction.atomic():  # a savepoint that is kept
                    publish(LiveCount(meeting_id=2, count=2), schema_name="alpha")
                publish(MeetingEnded(meeting=_summary(3)), schema_name="alpha")
                assert deliver.call_count == 0  # nothing before the commit
            return _sent(deliver)

    assert committed(run) == [
        [
            ("t.alpha.live", "live.count"),
            ("t.alpha.live", "live.count"),
            ("t.alpha.meeting.3", "meeting.ended"),
            ("t.alpha.live", "meeting.ended"),
        ]
    ]


def test_outside_a_transaction_each_event_goes_at_once():
    def run():
        with mock.patch.object(events, "_deliver") as deliver:
            publish(LiveCount(meeting_id=1, count=1), schema_name="alpha")
            first = _sent(deliver)
            publish(LiveCount(meeting_id=2, count=0), schema_name="alpha")
            return first, _sent(deliver)

    first, both = committed(run)
    assert first == [[("t.alpha.live", "live.count")]]
    assert len(both) == 2


def test_a_rolled_back_transaction_or_savepoint_sends_nothing_of_its_own():
    def run():
        with mock.patch.object(events, "_deliver") as deliver:
            with pytest.raises(RuntimeError), transaction.atomic():
                publish(LiveCount(meeting_id=1, count=1), schema_name="alpha")
                raise RuntimeError("rolled back")
            after_rollback = _sent(deliver)
            with transaction.atomic():
                publish(LiveCount(meeting_id=2, count=2), schema_name="alpha")
                with pytest.raises(RuntimeError), transaction.atomic():
                    publish(LiveCount(meeting_id=3, count=3), schema_name="alpha")
                    raise RuntimeError("savepoint rolled back")
                publish(LiveCount(meeting_id=4, count=4), schema_name="alpha")
            return after_rollback, [
                [m["data"]["meeting_id"] for _, m in call.args[0]]
                for call in deliver.call_args_list
            ]

    after_rollback, trips = committed(run)
    assert after_rollback == []
    assert trips == [[2, 4]]  # one trip, without the savepoint's


def test_a_savepoint_rolled_back_after_the_last_publish_still_sends_the_rest():
    def run():
        with mock.patch.object(events, "_deliver") as deliver:
            with transaction.atomic():
                publish(LiveCount(meeting_id=1, count=1), schema_name="alpha")
                with pytest.raises(RuntimeError), transaction.atomic():
                    publish(LiveCount(meeting_id=2, count=2), schema_name="alpha")
                    raise RuntimeError("savepoint rolled back")
            return [[m["data"]["meeting_id"] for _, m in c.args[0]] for c in deliver.call_args_list]

    assert committed(run) == [[1]]


def _summary(meeting_id: int) -> MeetingSummary:
    return MeetingSummary(
        id=meeting_id, title="Maths", status="ended", started_at=None, ended_at=None
    )


def test_events_round_trip_and_messages_are_checked_against_their_declaration():
    changed = ParticipantsChanged(
        meeting_id=7,
        changes=[
            ParticipantChange(
                change="joined",
                participant=Participant(
                    key="k", name="Ann", role="guest", joined_at="2025-01-01T09:00:00", left_at=None
                ),
            )
        ],
        count=1,
        status="started",
    )
    message = {"group": "t.alpha.meeting.7", "event": changed.name, "data": changed.data()}
    assert changed.data()["changes"][0]["participant"]["name"] == "Ann"  # plain JSON
    assert decode_message(message) == changed

    bad = [
        {"event": "no.such.event", "data": {}},
        {"event": "live.count", "data": {"meeting_id": 1}},  # missing
        {"event": "live.count", "data": {"meeting_id": 1, "count": 1, "extra": 0}},  # unknown
        {"event": "live.count", "data": {"meeting_id": "1", "count": 1}},  # mistyped
        {"event": "live.count", "data": {"meeting_id": True, "count": 1}},  # a bool is no int
        {"group": "t.alpha.user.1", "event": "live.count", "data": {"meeting_id": 1, "count": 1}},
        {
            **message,
            "data": {**message["data"], "changes": [{"change": "came", "participant": {}}]},
        },
    ]
    for wrong in bad:
        with pytest.raises(EventError):
            decode_message(wrong)


def test_every_declared_event_names_its_groups():
    names = set(declared_events())
    assert {
        "participants.changed",
        "live.count",
        "attendance.updated",
        "attendance.scored",
        "recording.completed",
        "recording.deleted",
        "meeting.started",
        "meeting.ended",
        "zoom.needs_reconnect",
    } <= names
