"""Invitations, updates and cancellations: mailed through the outbox from an actor, with an
iCalendar attachment, to the class's students (and parents where the school enables it)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from django_tenants.utils import schema_context

from meetings import services
from meetings.invitations.models import InvitationPolicy, SeriesEvent
from meetings.invitations.services import invitations_deliver_now
from meetings.joining.links import join_token_read
from meetings.models import Meeting
from meetings.recurrence import RecurrenceRule
from tenants.models import Organisation
from tenants.services import tenant_url
from tests.support import mail_deliver_pending

from .conftest import by_recipient, ics_of, schedule, soon

pytestmark = pytest.mark.django_db

ZOOM_SECRET_URL = "https://zoom.us/w/98765?tk=SECRET-REGISTRANT-TOKEN"


def test_an_invitation_shows_the_schools_zone_to_someone_who_chose_none(alpha, commit, outbox):
    # given: the student chose no zone; the school's default is Dhaka time
    Organisation.objects.filter(pk=alpha.org.pk).update(timezone="Asia/Dhaka")
    start = soon().replace(hour=9, minute=0)
    # when
    schedule(alpha, commit, start_time=start)
    [mail] = outbox.run(alpha)
    # then
    local = start.astimezone(ZoneInfo("Asia/Dhaka"))
    assert f"{local:%H:%M}" in mail.body and "Asia/Dhaka" in mail.body


def _expose_zoom_links(world, meeting_ids):
    """Give the sessions Zoom links, as the worker would, so a leak would show."""
    with schema_context(world.schema):
        for meeting in Meeting.objects.filter(pk__in=meeting_ids):
            meeting.join_url = ZOOM_SECRET_URL
            meeting.start_url = ZOOM_SECRET_URL
            meeting.save()


def _everything(message) -> str:
    html = "".join(content for content, _ in message.alternatives)
    attachments = "".join(str(content) for _, content, _ in message.attachments)
    return message.subject + message.body + html + attachments


def test_a_scheduled_class_mails_each_student_an_invitation_with_their_link(alpha, commit, outbox):
    # given: the student reads mail in Dhaka's time
    with schema_context(alpha.schema):
        student = alpha.users["student"]
        student.timezone = "Asia/Dhaka"
        student.save(update_fields=["timezone"])
    start = soon().replace(hour=9, minute=0)
    # when
    meeting = schedule(alpha, commit, start_time=start, description="Bring a calculator")
    _expose_zoom_links(alpha, [meeting.pk])
    sent = outbox.run(alpha)

    # then: one mail, to the student only (teachers start the class; parents are off by default)
    assert [m.to for m in sent] == [["student@alpha.test"]]
    [mail] = sent
    assert mail.subject.startswith("Invitation: Algebra")
    local = start.astimezone(ZoneInfo("Asia/Dhaka"))
    assert f"{local:%H:%M}" in mail.body and "Asia/Dhaka" in mail.body
    # the attachment is a REQUEST for the session's calendar event, with the platform link
    [(_, _, mimetype)] = mail.attachments
    assert mimetype == "text/calendar; method=REQUEST"
    calendar = ics_of(mail)
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    with schema_context(alpha.schema):
        meeting.refresh_from_db()
        assert event["UID"] == meeting.calendar_event.uid
    assert event["SEQUENCE"] == 0
    assert str(event["ATTENDEE"]) == "mailto:student@alpha.test"
    join_url = str(event["LOCATION"])
    assert join_url.startswith(tenant_url(alpha.org.slug, "/join/"))
    with schema_context(alpha.schema):
        token = join_token_read(join_url.split("/join/")[1].rstrip("/"))
    assert (token.meeting_id, token.subject_id) == (meeting.pk, student.pk)
    assert join_url in mail.body
    # reply links for the three answers, and never a Zoom link anywhere
    assert mail.body.count("/rsvp/") == 3
    assert "zoom.us" not in _everything(mail) and "SECRET" not in _everything(mail)


def test_delivery_is_idempotent_and_happens_in_the_actor(alpha, commit, outbox):
    meeting = schedule(alpha, commit)
    # scheduling only queued a message for the actor: nothing is mailed in the request
    assert outbox.messages == [("meeting", meeting.pk, 0, "scheduled")]
    with schema_context(alpha.schema):
        assert mail_deliver_pending() == []
        # when: the actor runs twice (a retry, a second worker)
        first = invitations_deliver_now(
            kind="meeting", object_id=meeting.pk, sequence=0, change="scheduled"
        )
        again = invitations_deliver_now(
            kind="meeting", object_id=meeting.pk, sequence=0, change="scheduled"
        )
        sent = mail_deliver_pending()
    # then
    assert (first, again) == (1, 0)
    assert len(sent) == 1


def test_parents_get_a_copy_only_where_the_school_enables_it(alpha, commit, outbox):
    schedule(alpha, commit)
    assert set(by_recipient(outbox.run(alpha))) == {"student@alpha.test"}

    with schema_context(alpha.schema):
        InvitationPolicy.objects.create(parents_invited=True)
    schedule(alpha, commit, title="Geometry")
    sent = by_recipient(outbox.run(alpha))

    assert set(sent) == {"student@alpha.test", "parent@alpha.test"}
    copy = sent["parent@alpha.test"]
    assert "Your child is invited" in copy.body
    # for their information: no join link, no reply links, no reply asked in the calendar
    assert "/join/" not in _everything(copy) and "/rsvp/" not in copy.body
    [event] = ics_of(copy).walk("VEVENT")
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"


def test_a_change_sends_an_update_and_an_overtaken_message_sends_nothing(alpha, commit, outbox):
    meeting = schedule(alpha, commit)
    outbox.run(alpha)
    # when: the time changes twice before the actor runs
    with schema_context(alpha.schema):
        meeting = Meeting.objects.get(pk=meeting.pk)
    for hours in (1, 2):
        commit(
            alpha,
            services.meeting_update,
            actor=alpha.users["teacher"],
            meeting=meeting,
            start_time=meeting.start_time + timedelta(hours=hours),
        )
    assert [m[2:] for m in outbox.messages] == [(1, "changed"), (2, "changed")]
    sent = outbox.run(alpha)

    # then: one update, the latest, with the higher SEQUENCE and the new time
    [mail] = sent
    assert mail.subject.startswith("Changed: Algebra")
    [event] = ics_of(mail).walk("VEVENT")
    assert event["SEQUENCE"] == 2
    assert event.decoded("DTSTART") == meeting.start_time


def test_a_change_of_audience_alone_mails_nobody(alpha, commit, outbox):
    meeting = schedule(alpha, commit)
    outbox.run(alpha)
    with schema_context(alpha.schema):
        meeting = Meeting.objects.get(pk=meeting.pk)
    commit(
        alpha,
        services.meeting_update,
        actor=alpha.users["admin"],
        meeting=meeting,
        target_audience="all",
    )
    assert outbox.messages == []


def test_a_cancellation_sends_cancel(alpha, commit, outbox):
    meeting = schedule(alpha, commit)
    outbox.run(alpha)
    with schema_context(alpha.schema):
        meeting = Meeting.objects.get(pk=meeting.pk)
    commit(alpha, services.meeting_cancel, actor=alpha.users["teacher"], meeting=meeting)
    [mail] = outbox.run(alpha)

    assert mail.subject.startswith("Cancelled: Algebra")
    [(name, _, mimetype)] = mail.attachments
    assert (name, mimetype) == ("cancel.ics", "text/calendar; method=CANCEL")
    calendar = ics_of(mail)
    [event] = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert "/join/" not in _everything(mail) and "/rsvp/" not in mail.body


def _next_dst_change(zone: ZoneInfo, after: datetime) -> datetime:
    day = after
    while (
        day.astimezone(zone).utcoffset() == (day + timedelta(days=1)).astimezone(zone).utcoffset()
    ):
        day += timedelta(days=1)
    return day


def test_a_series_is_one_event_whose_rrule_gives_the_stored_sessions(alpha, commit, outbox):
    # given: a daily class at 09:00 London across the next daylight-saving change
    zone = ZoneInfo("Europe/London")
    change = _next_dst_change(zone, soon(3))
    first = (change - timedelta(days=3)).astimezone(zone).replace(hour=9, minute=0, second=0)
    rule = RecurrenceRule(frequency="daily", count=7)
    # when
    meeting = schedule(
        alpha, commit, start_time=first, timezone_name="Europe/London", recurrence=rule
    )
    assert outbox.messages == [("series", meeting.series_id, 0, "scheduled")]
    [mail] = outbox.run(alpha)

    # then: the RRULE, expanded by dateutil, gives exactly the sessions stored
    with schema_context(alpha.schema):
        stored = list(
            Meeting.objects.filter(series_id=meeting.series_id)
            .order_by("start_time")
            .values_list("start_time", flat=True)
        )
        sessions = list(Meeting.objects.filter(series_id=meeting.series_id).order_by("pk"))
    calendar = ics_of(mail)
    [master] = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e]
    assert "RRULE" in master and master["DTSTART"].params["TZID"] == "Europe/London"
    expanded = rrulestr(master["RRULE"].to_ical().decode(), dtstart=master.decoded("DTSTART"))
    assert [d.astimezone(UTC) for d in expanded] == stored
    assert {d.astimezone(zone).hour for d in stored} == {9}
    assert len({d.astimezone(UTC).hour for d in stored}) == 2  # the change is inside it
    # each session carries the student's own link to it (an override per occurrence)
    overrides = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" in e]
    assert len(overrides) == 7
    with schema_context(alpha.schema):
        linked = {
            join_token_read(str(e["LOCATION"]).split("/join/")[1].rstrip("/")).meeting_id
            for e in overrides
        }
    assert linked == {s.pk for s in sessions}
    assert "Repeats every day" in mail.body


def test_a_series_whose_first_day_has_no_such_time_is_read_at_its_sessions_times(
    alpha, commit, outbox
):
    # given: a weekly class at 02:30 New York, from the Friday before the spring change, so
    # that its first Sunday has no 02:30 (it is 03:30 summer time that day, the later ones
    # at 02:30)
    zone = ZoneInfo("America/New_York")
    sunday = soon(3).astimezone(zone).date()
    while (
        datetime.combine(sunday, time(12), zone).utcoffset()
        <= datetime.combine(sunday - timedelta(days=1), time(12), zone).utcoffset()
    ):
        sunday += timedelta(days=1)
    first = datetime.combine(sunday - timedelta(days=2), time(2, 30), zone)
    rule = RecurrenceRule(frequency="weekly", weekdays=(6,), count=3)

    # when
    meeting = schedule(alpha, commit, start_time=first, timezone_name=zone.key, recurrence=rule)
    [mail] = outbox.run(alpha)

    # then: DTSTART is 02:30 with its TZID, and a calendar expanding the RRULE (02:30 read
    # with the offset from before the gap, RFC 5545 3.3.5) gets every stored session
    with schema_context(alpha.schema):
        stored = list(
            Meeting.objects.filter(series_id=meeting.series_id)
            .order_by("start_time")
            .values_list("start_time", flat=True)
        )
    assert [f"{d.astimezone(zone):%a %H:%M}" for d in stored] == [
        "Sun 03:30",
        "Sun 02:30",
        "Sun 02:30",
    ]
    calendar = ics_of(mail)
    [master] = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e]
    assert master["DTSTART"].to_ical().decode() == f"{sunday:%Y%m%d}T023000"
    assert master["DTSTART"].params["TZID"] == "America/New_York"
    expanded = rrulestr(master["RRULE"].to_ical().decode(), dtstart=master.decoded("DTSTART"))
    assert [d.astimezone(UTC) for d in expanded] == stored
    # each override (the student's own link) names an occurrence as the RRULE writes it
    overrides = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" in e]
    assert sorted(e["RECURRENCE-ID"].to_ical().decode()[-6:] for e in overrides) == ["023000"] * 3
    assert sorted(e.decoded("DTSTART").astimezone(UTC) for e in overrides) == stored


def test_cancelling_sessions_of_a_series_updates_it_then_cancels_it(alpha, commit, outbox):
    rule = RecurrenceRule(frequency="weekly", weekdays=(soon().weekday(),), count=3)
    meeting = schedule(alpha, commit, recurrence=rule)
    outbox.run(alpha)
    with schema_context(alpha.schema):
        sessions = list(Meeting.objects.filter(series_id=meeting.series_id).order_by("start_time"))

    # when: the second session is cancelled
    commit(alpha, services.meeting_cancel, actor=alpha.users["teacher"], meeting=sessions[1])
    [update] = outbox.run(alpha)

    # then: a REQUEST with the next SEQUENCE and an EXDATE for it
    calendar = ics_of(update)
    [master] = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e]
    assert calendar["METHOD"] == "REQUEST" and master["SEQUENCE"] == 1
    assert [d.dt.astimezone(UTC) for d in master["EXDATE"].dts] == [sessions[1].start_time]
    assert update.subject.startswith("Changed: Algebra")
    assert "Cancelled:" in update.body

    # when: the rest of the series is cancelled
    commit(
        alpha,
        services.meeting_cancel,
        actor=alpha.users["teacher"],
        meeting=sessions[0],
        whole_series=True,
    )
    [cancel] = outbox.run(alpha)
    calendar = ics_of(cancel)
    assert calendar["METHOD"] == "CANCEL"
    with schema_context(alpha.schema):
        assert SeriesEvent.objects.get(series_id=meeting.series_id).sequence == 2
    assert {e["UID"] for e in calendar.walk("VEVENT")} == {str(master["UID"])}


def test_a_message_runs_only_in_its_own_school(alpha, beta, commit, outbox):
    meeting = schedule(alpha, commit)
    # when: the same ids are delivered in another school's schema
    with schema_context(beta.schema):
        queued = invitations_deliver_now(
            kind="meeting", object_id=meeting.pk, sequence=0, change="scheduled"
        )
        sent = mail_deliver_pending()
    # then: beta has no such meeting; nothing is mailed to anyone
    assert queued == 0 and sent == []


def test_unknown_kinds_are_refused(alpha):
    with schema_context(alpha.schema), pytest.raises(ValueError):
        invitations_deliver_now(kind="guest", object_id=1, sequence=0, change="scheduled")


def test_a_student_enrolled_later_gets_the_classs_invitations_and_nobody_else_again(
    alpha, commit, outbox, django_capture_on_commit_callbacks
):
    from tests.graphql.conftest import GQL

    single = schedule(alpha, commit)
    series = schedule(alpha, commit, recurrence=RecurrenceRule(frequency="daily", count=2))
    assert len(outbox.run(alpha)) == 2  # the student's two invitations
    with schema_context(alpha.schema):
        from tenants.accounts.models import Role
        from tenants.accounts.services import user_create

        newcomer = user_create(email="late@alpha.test", password="x" * 14, role=Role.STUDENT)
    # when: an admin enrols the newcomer
    enrol = "mutation($c: ID!, $s: [ID!]!) { enrolStudents(classId: $c, studentIds: $s) { ok } }"
    with django_capture_on_commit_callbacks(execute=True):
        GQL(alpha, "admin").ok(enrol, c=str(alpha.school_class.pk), s=[str(newcomer.pk)])
    sent = outbox.run(alpha)
    # then: the newcomer gets both invitations; the student already invited gets nothing
    assert sorted((m.to[0], m.subject.split(" –")[0]) for m in sent) == [
        ("late@alpha.test", "Invitation: Algebra"),
        ("late@alpha.test", "Invitation: Algebra"),
    ]
    with schema_context(alpha.schema):
        uids = {
            Meeting.objects.get(pk=single.pk).calendar_event.uid,
            SeriesEvent.objects.get(series_id=series.series_id).uid,
        }
    assert {str(ics_of(m).walk("VEVENT")[0]["UID"]) for m in sent} == uids


def test_a_moved_session_of_a_series_becomes_an_override_at_its_new_time(alpha, commit, outbox):
    meeting = schedule(alpha, commit, recurrence=RecurrenceRule(frequency="daily", count=3))
    outbox.run(alpha)
    with schema_context(alpha.schema):
        sessions = list(Meeting.objects.filter(series_id=meeting.series_id).order_by("start_time"))
    original = sessions[1].start_time
    # when: one session moves an hour later
    commit(
        alpha,
        services.meeting_update,
        actor=alpha.users["teacher"],
        meeting=sessions[1],
        start_time=original + timedelta(hours=1),
    )
    [mail] = outbox.run(alpha)
    # then: the series is re-sent with the next SEQUENCE; that session's override moved
    calendar = ics_of(mail)
    [master] = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e]
    assert master["SEQUENCE"] == 1 and mail.subject.startswith("Changed: Algebra")
    [moved] = [
        e
        for e in calendar.walk("VEVENT")
        if "RECURRENCE-ID" in e and e.decoded("RECURRENCE-ID") == original
    ]
    assert moved.decoded("DTSTART") == original + timedelta(hours=1)
    assert moved["SEQUENCE"] == 1


def test_monthly_on_the_last_friday_through_graphql_matches_the_invitation(alpha, outbox):
    from tests.graphql.conftest import GQL

    start = soon(1).replace(hour=15, minute=0)
    schedule_meeting = """mutation($i: ScheduleMeetingInput!) {
      scheduleMeeting(input: $i) { meeting { id } errors { field message } } }"""
    data = GQL(alpha, "teacher").ok(
        schedule_meeting,
        i={
            "classId": str(alpha.school_class.pk),
            "title": "Review",
            "startTime": start.isoformat(),
            "timezone": "America/New_York",
            "recurrence": {"frequency": "MONTHLY", "monthWeek": -1, "monthWeekday": 4, "count": 4},
        },
    )["scheduleMeeting"]
    assert data["errors"] == []
    with schema_context(alpha.schema):
        first = Meeting.objects.get(pk=data["meeting"]["id"])
        stored = list(
            Meeting.objects.filter(series_id=first.series_id)
            .order_by("start_time")
            .values_list("start_time", flat=True)
        )
        invitations_deliver_now(
            kind="series", object_id=first.series_id, sequence=0, change="scheduled"
        )
        [mail] = mail_deliver_pending()
    zone = ZoneInfo("America/New_York")
    for day in stored:  # each is the last Friday of its month, at 15:00 there
        local = day.astimezone(zone)
        assert local.weekday() == 4 and (local + timedelta(days=7)).month != local.month
        assert (local.hour, local.minute) == (start.astimezone(zone).hour, 0)
    [master] = [e for e in ics_of(mail).walk("VEVENT") if "RECURRENCE-ID" not in e]
    assert "BYDAY=-1FR" in master["RRULE"].to_ical().decode()
    expanded = rrulestr(master["RRULE"].to_ical().decode(), dtstart=master.decoded("DTSTART"))
    assert [d.astimezone(UTC) for d in expanded] == stored
