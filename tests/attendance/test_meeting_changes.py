"""A meeting changed or deleted in Zoom's own app reaches liveroll through the webhook inbox
(`meeting.updated`, `meeting.deleted`: attendance.handlers → meetings.services.zoom_changes):
the session moves or is cancelled with its calendar event, invitations, guests' mails,
registrants and reminders; Zoom's echo of our own change does nothing; an older change arriving
late undoes no newer one; a school's event touches only its own sessions.

Bodies are shaped as Zoom documents them (zoom.github.io/rivet-javascript, Meetings.
MeetingUpdatedEvent / MeetingDeletedEvent; Jericho/ZoomNet Models/Webhooks/MeetingUpdatedEvent.cs,
MeetingDeletedEvent.cs): `payload.operator`, `operator_id`, `scope` / `operation`,
`time_stamp`, `object`, `old_object`."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.inbox import engine
from attendance.models import WebhookEvent
from meetings.invitations import actors as invitation_actors
from meetings.models import CalendarEvent, Meeting, MeetingSeries, Registrant
from meetings.recurrence import RecurrenceRule
from meetings.reminders import services as reminders
from meetings.reminders.models import ReminderDelivery
from meetings.services.calendar_events import _calendar_event_upsert
from meetings.services.scheduling import _rule_to_json
from tenants.audit.models import AuditEntry

from .conftest import store

pytestmark = pytest.mark.django_db

ZOOM_ID = "87654321012"
SERIES_ID = "87654321099"
# A Monday at 09:00 UTC at least a week ahead: sessions still to come.
BASE = (timezone.now() + timedelta(days=14)).replace(hour=9, minute=0, second=0, microsecond=0)
BASE -= timedelta(days=BASE.weekday())
T0 = int(timezone.now().timestamp() * 1000)  # Zoom's time of the first change


def zt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def occ_id(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def updated(obj: dict, *, at: int = T0, old: dict | None = None, scope: str | None = None):
    payload = {
        "account_id": "acct-1",
        "operator": "teacher.zoom@alpha.test",
        "operator_id": "zu-teacher",
        "object": obj,
        "old_object": old or {"id": obj["id"]},
        "time_stamp": at,
    }
    if scope:
        payload["scope"] = scope
    return {"event": "meeting.updated", "event_ts": at, "payload": payload}


def deleted(zoom_id: str, *, at: int = T0, occurrences=(), operation: str | None = None):
    obj = {
        "uuid": "4444AAAiAAAAAiAiAiiAii==",
        "id": int(zoom_id),
        "host_id": "zu-teacher",
        "topic": "Algebra",
        "type": 8 if occurrences else 2,
        "start_time": zt(BASE),
        "duration": 45,
        "timezone": "UTC",
    }
    if occurrences:
        obj["occurrences"] = [
            {"occurrence_id": occ_id(s), "start_time": zt(s)} for s in occurrences
        ]
    payload = {
        "account_id": "acct-1",
        "operator": "teacher.zoom@alpha.test",
        "operator_id": "zu-teacher",
        "object": obj,
    }
    if operation:
        payload["operation"] = operation
    return {"event": "meeting.deleted", "event_ts": at, "payload": payload}


def process(*bodies) -> list:
    return [engine.webhook_event_process(event_id=i) for i in store(bodies)]


def one_meeting(world, *, zoom_id=ZOOM_ID, start=BASE, **fields) -> Meeting:
    meeting = Meeting.objects.create(
        school_class=world.school_class,
        host=world.users["teacher"],
        title=fields.pop("title", "Algebra"),
        start_time=start,
        duration_minutes=45,
        zoom_meeting_id=zoom_id,
        zoom_account=Meeting.Account.USER,
        **fields,
    )
    _calendar_event_upsert(meeting)
    return meeting


def weekly_series(world, *, count=4, zoom_id=SERIES_ID) -> list[Meeting]:
    rule = RecurrenceRule(frequency="weekly", weekdays=(0,), count=count)
    starts = rule.occurrences(BASE, timezone="UTC")
    series = MeetingSeries.objects.create(
        school_class=world.school_class,
        host=world.users["teacher"],
        title="Algebra",
        timezone="UTC",
        recurrence=_rule_to_json(rule),
        zoom_meeting_id=zoom_id,
    )
    sessions = []
    for start in starts:
        sessions.append(
            one_meeting(
                world,
                zoom_id=zoom_id,
                start=start,
                series=series,
                kind=Meeting.Kind.RECURRING,
                zoom_occurrence_id=occ_id(start),
            )
        )
    return sessions


def sequence(meeting: Meeting) -> int:
    return CalendarEvent.objects.get(meeting=meeting).sequence


@pytest.fixture
def sent(monkeypatch, django_capture_on_commit_callbacks):
    """What would be mailed and queued after each commit: invitation deliveries."""
    messages: list[tuple] = []
    monkeypatch.setattr(
        invitation_actors.invitations_deliver, "send", lambda *args: messages.append(args)
    )
    return messages


def run(*bodies, capture):
    with capture(execute=True):
        return process(*bodies)


def test_a_meeting_moved_and_renamed_in_zoom_moves_the_session(
    alpha, sent, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        # given: a class on Zoom
        meeting = one_meeting(alpha)
        later = BASE + timedelta(hours=2)

        # when: its host moves and renames it in Zoom's app
        outcome = run(
            updated(
                {
                    "id": int(ZOOM_ID),
                    "topic": "Algebra II",
                    "start_time": zt(later),
                    "duration": 60,
                },
                old={"id": int(ZOOM_ID), "topic": "Algebra", "start_time": zt(BASE)},
            ),
            capture=django_capture_on_commit_callbacks,
        )

        # then: the session follows, its calendar event changes, its people are told
        meeting.refresh_from_db()
        assert outcome == ["processed"]
        assert (meeting.title, meeting.start_time, meeting.duration_minutes) == (
            "Algebra II",
            later,
            60,
        )
        assert sequence(meeting) == 1
        assert sent == [("meeting", meeting.pk, 1, "changed")]
        audit = AuditEntry.objects.get(action="meeting.changed_at_zoom")
        assert audit.actor_label == "zoom"
        assert audit.details["changed"] == {
            str(meeting.pk): ["duration_minutes", "start_time", "title"]
        }


def test_zooms_echo_of_our_own_change_changes_nothing(
    alpha, sent, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        # given: a class as liveroll just set it (and told Zoom)
        meeting = one_meeting(alpha)

        # when: Zoom sends meeting.updated with those same values, twice
        outcome = run(
            updated({"id": ZOOM_ID, "topic": "Algebra", "start_time": zt(BASE), "duration": 45}),
            updated({"id": ZOOM_ID, "topic": "Algebra", "duration": 45}, at=T0 + 5, scope="all"),
            capture=django_capture_on_commit_callbacks,
        )

        # then: both done; no new calendar sequence, no mail, no audit
        assert outcome[0] == "processed"
        assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}
        assert sequence(meeting) == 0
        assert sent == []
        assert not AuditEntry.objects.filter(action="meeting.changed_at_zoom").exists()


def test_an_older_change_arriving_late_does_not_undo_a_newer_one(
    alpha, sent, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        meeting = one_meeting(alpha)
        ten, eleven = BASE + timedelta(hours=1), BASE + timedelta(hours=2)

        # when: the change to 11:00 (made second) arrives before the one to 10:00
        run(
            updated({"id": ZOOM_ID, "start_time": zt(eleven)}, at=T0 + 60_000),
            updated({"id": ZOOM_ID, "start_time": zt(ten), "topic": "Renamed"}, at=T0),
            capture=django_capture_on_commit_callbacks,
        )

        # then: 11:00 stands; the older event's other field, never changed since, applies
        meeting.refresh_from_db()
        assert meeting.start_time == eleven
        assert meeting.title == "Renamed"


def test_a_change_made_here_after_a_zoom_change_is_not_undone_by_its_late_delivery(
    teacher_connected, requests_mock, sent, django_capture_on_commit_callbacks
):
    from meetings import services

    requests_mock.patch(f"https://zoom.test/v2/meetings/{ZOOM_ID}", status_code=204)
    with schema_context(teacher_connected.schema):
        meeting = one_meeting(teacher_connected)
        ours = BASE + timedelta(hours=3)
        services.meeting_update(
            actor=teacher_connected.users["teacher"], meeting=meeting, start_time=ours
        )

        # when: a change made at Zoom a minute before ours arrives now
        run(
            updated({"id": ZOOM_ID, "start_time": zt(BASE + timedelta(hours=1))}, at=T0 - 60_000),
            capture=django_capture_on_commit_callbacks,
        )

        meeting.refresh_from_db()
        assert meeting.start_time == ours


def test_a_meeting_deleted_in_zoom_cancels_its_session_and_registrations_here_only(
    alpha, sent, requests_mock, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        meeting = one_meeting(alpha)
        registrant = Registrant.objects.create(
            meeting=meeting,
            user=alpha.users["student"],
            status="registered",
            zoom_registrant_id="reg-1",
        )

        # when: the host deletes it in Zoom (requests_mock answers no call: none is made)
        outcome = run(deleted(ZOOM_ID), capture=django_capture_on_commit_callbacks)

        meeting.refresh_from_db()
        registrant.refresh_from_db()
        assert outcome == ["processed"]
        assert meeting.status == "cancelled"
        assert registrant.status == "cancelled"
        assert requests_mock.call_count == 0
        event = CalendarEvent.objects.get(meeting=meeting)
        assert (event.status, event.sequence) == ("CANCELLED", 1)
        assert sent == [("meeting", meeting.pk, 1, "cancelled")]
        assert AuditEntry.objects.get(action="meeting.cancelled_at_zoom").actor_label == "zoom"

        # and the same deletion again (Zoom retries) changes nothing more
        run(deleted(ZOOM_ID, at=T0 + 1), capture=django_capture_on_commit_callbacks)
        assert sequence(meeting) == 1


def test_a_deleted_occurrence_cancels_that_session_only_then_the_whole_meeting_the_rest(
    alpha, sent, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        sessions = weekly_series(alpha)

        # when: one occurrence is deleted in Zoom
        run(
            deleted(SERIES_ID, occurrences=[sessions[1].start_time], operation="single"),
            capture=django_capture_on_commit_callbacks,
        )
        statuses = [m.status for m in Meeting.objects.filter(zoom_meeting_id=SERIES_ID)]
        assert statuses == ["scheduled", "cancelled", "scheduled", "scheduled"]

        # and then the whole meeting
        run(
            deleted(SERIES_ID, at=T0 + 10, operation="all"),
            capture=django_capture_on_commit_callbacks,
        )
        statuses = [m.status for m in Meeting.objects.filter(zoom_meeting_id=SERIES_ID)]
        assert statuses == ["cancelled"] * 4


def test_one_occurrence_moved_in_zoom_moves_that_session_only(
    alpha, sent, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        sessions = weekly_series(alpha)
        third = sessions[2]
        moved = third.start_time + timedelta(days=1, hours=1)

        run(
            updated(
                {
                    "id": int(SERIES_ID),
                    "occurrences": [
                        {
                            "occurrence_id": third.zoom_occurrence_id,
                            "start_time": zt(moved),
                            "duration": 30,
                        }
                    ],
                },
                scope="single",
            ),
            capture=django_capture_on_commit_callbacks,
        )

        after = list(Meeting.objects.filter(zoom_meeting_id=SERIES_ID).order_by("pk"))
        assert [m.start_time for m in after] == [
            *[s.start_time for s in sessions[:2]],
            moved,
            sessions[3].start_time,
        ]
        assert after[2].duration_minutes == 30
        assert [sequence(m) for m in after] == [0, 0, 1, 0]
        assert [m.status for m in after] == ["scheduled"] * 4


def test_a_recurrence_changed_in_zoom_re_expands_the_series(
    alpha, sent, monkeypatch, django_capture_on_commit_callbacks
):
    from meetings import actors as meeting_actors

    queued: list = []
    monkeypatch.setattr(meeting_actors.registrants_sync_meetings, "send", queued.append)
    with schema_context(alpha.schema):
        sessions = weekly_series(alpha, count=4)
        starts = [m.start_time for m in sessions]
        # when: the series becomes Mondays and Wednesdays, three weeks (Zoom's new list: the
        # first Monday kept, the second moved to 10:00, a Wednesday added, the last two gone)
        wednesday = starts[0] + timedelta(days=2)
        second_moved = starts[1] + timedelta(hours=1)
        listed = [
            {"occurrence_id": occ_id(starts[0]), "start_time": zt(starts[0]), "duration": 45},
            {"occurrence_id": occ_id(wednesday), "start_time": zt(wednesday), "duration": 45},
            {"occurrence_id": occ_id(starts[1]), "start_time": zt(second_moved), "duration": 45},
        ]
        run(
            updated(
                {
                    "id": int(SERIES_ID),
                    "recurrence": {
                        "type": 2,
                        "repeat_interval": 1,
                        "weekly_days": "2,4",
                        "end_times": 3,
                    },
                    "occurrences": listed,
                },
                scope="all",
            ),
            capture=django_capture_on_commit_callbacks,
        )

        after = {
            m.zoom_occurrence_id: m
            for m in Meeting.objects.filter(zoom_meeting_id=SERIES_ID).order_by("start_time")
        }
        # then: kept, moved, new and cancelled, each as Zoom lists it
        assert after[occ_id(starts[0])].status == "scheduled"
        assert after[occ_id(starts[1])].start_time == second_moved
        new = after[occ_id(wednesday)]
        assert (new.status, new.start_time, new.series_id) == (
            "scheduled",
            wednesday,
            sessions[0].series_id,
        )
        assert CalendarEvent.objects.filter(meeting=new).exists()
        assert [after[occ_id(s)].status for s in starts[2:]] == ["cancelled", "cancelled"]
        assert queued == [[new.pk]]  # the new session's registrations, after commit
        series = MeetingSeries.objects.get(pk=sessions[0].series_id)
        assert series.recurrence["weekdays"] == [0, 2] and series.recurrence["count"] == 3


def test_a_longer_rule_without_a_list_adds_the_sessions_it_gives(
    alpha, sent, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        sessions = weekly_series(alpha, count=2)

        run(
            updated(
                {
                    "id": int(SERIES_ID),
                    "recurrence": {
                        "type": 2,
                        "repeat_interval": 1,
                        "weekly_days": "2",
                        "end_times": 3,
                    },
                },
                scope="all",
            ),
            capture=django_capture_on_commit_callbacks,
        )

        after = list(Meeting.objects.filter(zoom_meeting_id=SERIES_ID).order_by("start_time"))
        assert [m.start_time for m in after] == [
            sessions[0].start_time,
            sessions[1].start_time,
            sessions[1].start_time + timedelta(days=7),
        ]
        assert [m.status for m in after] == ["scheduled"] * 3
        assert [sequence(m) for m in after[:2]] == [0, 0]


def test_started_and_ended_sessions_are_not_changed(
    alpha, sent, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        sessions = weekly_series(alpha, count=2)
        Meeting.objects.filter(pk=sessions[0].pk).update(status="ended")

        run(
            updated({"id": SERIES_ID, "topic": "New name"}, scope="all"),
            deleted(SERIES_ID, at=T0 + 1, operation="all"),
            capture=django_capture_on_commit_callbacks,
        )

        first, second = Meeting.objects.filter(zoom_meeting_id=SERIES_ID).order_by("start_time")
        assert (first.status, first.title) == ("ended", "Algebra")
        assert (second.status, second.title) == ("cancelled", "New name")


def test_an_event_on_one_schools_host_never_touches_anothers_meeting_with_that_id(
    alpha, beta, sent, django_capture_on_commit_callbacks
):
    # given: both schools hold a session of Zoom meeting ZOOM_ID
    with schema_context(beta.schema):
        theirs = one_meeting(beta)
    with schema_context(alpha.schema):
        ours = one_meeting(alpha)
        # when: alpha's inbox gets a move and a deletion of that Zoom meeting
        run(
            updated({"id": ZOOM_ID, "start_time": zt(BASE + timedelta(hours=4))}),
            deleted(ZOOM_ID, at=T0 + 1),
            capture=django_capture_on_commit_callbacks,
        )
        ours.refresh_from_db()
        assert ours.status == "cancelled"
    # then: beta's session is as it was
    with schema_context(beta.schema):
        theirs.refresh_from_db()
        assert (theirs.status, theirs.start_time, sequence(theirs)) == ("scheduled", BASE, 0)


def test_reminders_follow_a_session_moved_or_cancelled_in_zoom(
    alpha, sent, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        # given: two sessions at BASE, reminded 30 minutes before by default
        moved = one_meeting(alpha)
        cancelled = one_meeting(alpha, zoom_id="87654321013")
        later = BASE + timedelta(hours=3)

        # when: Zoom moves one three hours later and deletes the other
        run(
            updated({"id": ZOOM_ID, "start_time": zt(later)}),
            deleted("87654321013"),
            capture=django_capture_on_commit_callbacks,
        )

        # then: nobody is reminded at the old time; the moved one is, at its new time
        reminders.reminders_sweep(now=BASE - timedelta(minutes=30))
        assert not ReminderDelivery.objects.exists()
        reminders.reminders_sweep(now=later - timedelta(minutes=30))
        assert list(ReminderDelivery.objects.values_list("meeting_id", "start_time")) == [
            (moved.pk, later)
        ]
        assert not ReminderDelivery.objects.filter(meeting=cancelled).exists()


def test_a_series_whose_rule_zoom_changed_is_one_calendar_event_of_the_new_rule(
    alpha, sent, django_capture_on_commit_callbacks
):
    from meetings.invitations.models import SeriesEvent
    from meetings.invitations.services import invitations_on_schedule, series_item

    with schema_context(alpha.schema):
        # given: a weekly series on Mondays whose invitation counts from its first Monday
        sessions = weekly_series(alpha, count=4)
        invitations_on_schedule(meetings=sessions)
        starts = [m.start_time for m in sessions]
        wednesday = starts[0] + timedelta(days=2)
        second_moved = starts[1] + timedelta(hours=1)

        # when: Zoom makes it Mondays and Wednesdays, three times, the second Monday moved
        run(
            updated(
                {
                    "id": int(SERIES_ID),
                    "recurrence": {
                        "type": 2,
                        "repeat_interval": 1,
                        "weekly_days": "2,4",
                        "end_times": 3,
                    },
                    "occurrences": [
                        {"occurrence_id": occ_id(s), "start_time": zt(t), "duration": 45}
                        for s, t in (
                            (starts[0], starts[0]),
                            (wednesday, wednesday),
                            (starts[1], second_moved),
                        )
                    ],
                },
                scope="all",
            ),
            capture=django_capture_on_commit_callbacks,
        )

        # then: the invitation's event is the new rule; the moved Monday an override; the two
        # Mondays the new rule no longer has are not EXDATEs of it (they are not its occurrences)
        series = MeetingSeries.objects.get(pk=sessions[0].series_id)
        item = series_item(
            series=series,
            event=SeriesEvent.objects.get(series=series),
            sessions=list(series.meetings.all()),
            page_url="https://school.example/app/",
        )
        assert item.rule is not None and item.rule.weekdays == (0, 2) and item.rule.count == 3
        assert item.start == starts[0]
        assert item.exdates == ()
        assert [(o.original, o.start) for o in item.overrides] == [(starts[1], second_moved)]


def test_a_series_moved_an_hour_in_zoom_moves_its_sessions_and_its_invitation(
    alpha, sent, django_capture_on_commit_callbacks
):
    from meetings.invitations.models import SeriesEvent
    from meetings.invitations.services import invitations_on_schedule, series_item

    with schema_context(alpha.schema):
        # given: a weekly series with its invitation and a student registered at Zoom
        sessions = weekly_series(alpha, count=4)
        invitations_on_schedule(meetings=sessions)
        registrant = Registrant.objects.create(
            meeting=sessions[0],
            user=alpha.users["student"],
            status="registered",
            zoom_registrant_id="reg-1",
        )
        later = [m.start_time + timedelta(hours=1) for m in sessions]

        # when: its host moves the whole series an hour later in Zoom's app (Zoom gives every
        # occurrence a new id: its new start in epoch milliseconds)
        run(
            updated(
                {"id": int(SERIES_ID), "start_time": zt(later[0])},
                old={"id": int(SERIES_ID), "start_time": zt(BASE)},
                scope="all",
            ),
            capture=django_capture_on_commit_callbacks,
        )

        # then: the same sessions moved, under Zoom's new ids; none cancelled, none made
        after = list(Meeting.objects.filter(zoom_meeting_id=SERIES_ID).order_by("start_time"))
        assert [m.pk for m in after] == [m.pk for m in sessions]
        assert [m.status for m in after] == ["scheduled"] * 4
        assert [m.start_time for m in after] == later
        assert [m.zoom_occurrence_id for m in after] == [occ_id(s) for s in later]
        assert [sequence(m) for m in after] == [1, 1, 1, 1]
        registrant.refresh_from_db()
        assert registrant.status == "registered"
        series = MeetingSeries.objects.get(pk=sessions[0].series_id)
        event = SeriesEvent.objects.get(series=series)
        assert sent == [("series", series.pk, event.sequence, "changed")]
        audit = AuditEntry.objects.get(action="meeting.changed_at_zoom")
        assert (audit.details["created"], audit.details["cancelled"]) == ([], [])
        # and the invitation is one event at the new time: no EXDATE of the old times, no
        # override per session
        item = series_item(
            series=series, event=event, sessions=after, page_url="https://school.example/app/"
        )
        assert item.start == later[0]
        assert item.exdates == ()
        assert item.overrides == ()
