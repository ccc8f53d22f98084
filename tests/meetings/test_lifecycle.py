"""A session's status and times change only through meetings' lifecycle services, and
`meeting.ended` has one type and one producer, whoever ends the class."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings import services
from meetings.events import MeetingEnded, MeetingSummary
from meetings.models import Meeting
from realtime import events as realtime_events

pytestmark = pytest.mark.django_db


def _running(world) -> Meeting:
    return Meeting.objects.create(
        school_class=world.school_class,
        host=world.users["teacher"],
        title="Running",
        start_time=timezone.now() - timedelta(minutes=5),
        status=Meeting.Status.STARTED,
        actual_start=timezone.now() - timedelta(minutes=4),
    )


def _ended_messages(deliver) -> list[tuple[str, dict]]:
    return [
        (group, m["data"])
        for call in deliver.call_args_list
        for group, m in call.args[0]
        if m["event"] == "meeting.ended"
    ]


def test_the_teacher_ending_a_class_and_zoom_ending_it_send_the_same_event(
    alpha, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        by_teacher, by_zoom = _running(alpha), _running(alpha)
        with (
            mock.patch.object(realtime_events, "_deliver") as deliver,
            django_capture_on_commit_callbacks(execute=True),
        ):
            services.meeting_end(actor=alpha.users["teacher"], meeting=by_teacher)
            services.meeting_mark_ended(meeting=by_zoom, at=timezone.now())
        for meeting in (by_teacher, by_zoom):
            meeting.refresh_from_db()
            assert meeting.status == Meeting.Status.ENDED and meeting.actual_end
        expected = [
            (f"t.alpha.{group}", MeetingEnded(meeting=MeetingSummary.of(m)).data())
            for m in (by_teacher, by_zoom)
            for group in (f"meeting.{m.pk}", "live")
        ]
    assert _ended_messages(deliver) == expected
    assert {data["count"] for _, data in expected} == {0}  # nobody is in an ended class


@pytest.mark.parametrize("uuid", ["u" * 101, [[{"a": "x" * 100}]], {"a": 1}])
def test_an_event_whose_uuid_is_not_a_zoom_uuid_is_about_no_session(alpha, uuid):
    # given: a signed event for a real Zoom meeting whose uuid is too long or not text (found
    # by the webhook fuzzer: it reached the zoom_uuid column and failed, again on every retry)
    with schema_context(alpha.schema):
        meeting = _running(alpha)
        Meeting.objects.filter(pk=meeting.pk).update(zoom_meeting_id="81234567890")
        # when
        found = services.meeting_session_for_zoom_object(
            obj={"id": "81234567890", "uuid": uuid}, at=timezone.now()
        )
        meeting.refresh_from_db()
    # then
    assert found is None and meeting.zoom_uuid == ""
