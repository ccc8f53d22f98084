"""The reminder sweep: every person who may join a session hears of it once per offset and
start time, by mail (with their own platform link) and on their notifications stream; a moved
session reminds at its new time only, a cancelled one never, and two sweeps at once, a failed
batch's retry or a restart send nothing twice."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connections
from django.test.utils import override_settings
from django_tenants.utils import schema_context

from meetings import services as meeting_services
from meetings.joining.links import join_url_for
from meetings.joining.selectors import may_join
from meetings.models import Meeting
from meetings.reminders import services
from meetings.reminders.events import MeetingReminder
from meetings.reminders.models import ReminderDelivery, ReminderPolicy, ReminderPreference
from realtime import events as realtime_events
from tenants.accounts.models import Role, User
from tenants.accounts.services import user_create
from tenants.mail.models import OutboundMail
from tenants.models import Organisation
from tests.support import committed

from .conftest import NOW, at, delivered, session

pytestmark = pytest.mark.django_db


def _reminded(meeting) -> list[tuple[int, int, object]]:
    return sorted(
        ReminderDelivery.objects.filter(meeting=meeting).values_list(
            "user_id", "offset_minutes", "start_time"
        )
    )


def _recipients(mails) -> list[str]:
    return sorted(address for mail in mails for address in mail.to)


def test_a_due_session_reminds_each_person_who_may_join_once(alpha):
    with schema_context(alpha.schema):
        # given: a class session in 30 minutes (the default offset)
        meeting = session(alpha, minutes=30)
        student = alpha.users["student"]

        # when: the sweep runs, and runs again a minute later
        first = services.reminders_sweep(now=at(0))
        second = services.reminders_sweep(now=at(1))
        mails = delivered()

        # then: the enrolled student, once; not the host teacher, the parent or the admin
        assert (first.reminders, first.meetings, second.reminders) == (1, 1, 0)
        assert _reminded(meeting) == [(student.pk, 30, meeting.start_time)]
        assert _recipients(mails) == [student.email]
        # with the student's own platform link, never a Zoom one
        assert join_url_for(meeting=meeting, user=student) in mails[0].body
        assert "zoom" not in mails[0].body.lower()


def test_not_before_its_time_and_not_when_stale(alpha):
    with schema_context(alpha.schema):
        # given: a session in 30 minutes; reminders at most 10 minutes late
        meeting = session(alpha, minutes=30)
        with override_settings(LIVEROLL_REMINDER_MAX_LATENESS_MINUTES=10):
            # when: a sweep a minute early, and one 10 minutes late (after an outage)
            early = services.reminders_sweep(now=at(-1))
            stale = services.reminders_sweep(now=at(10))
            # then: neither sends; 9 minutes late still does
            assert (early.reminders, stale.reminders) == (0, 0)
            assert services.reminders_sweep(now=at(9)).reminders == 1
        assert len(_reminded(meeting)) == 1


def test_each_offset_reminds_at_its_own_time(alpha):
    with schema_context(alpha.schema):
        # given: the school reminds an hour and 10 minutes before
        services.reminder_policy_set(actor=alpha.users["admin"], offsets_minutes=[10, 60])
        meeting = session(alpha, minutes=60)

        # when: sweeps every minute from an hour before to the start
        counts = [services.reminders_sweep(now=at(m)).reminders for m in range(0, 61)]

        # then: one reminder at each offset, none at other times
        assert [m for m, n in enumerate(counts) if n] == [0, 50]
        assert [offset for _, offset, _ in _reminded(meeting)] == [10, 60]
        assert len(delivered()) == 2


def test_a_moved_session_reminds_at_its_new_time_only(alpha):
    with schema_context(alpha.schema):
        # given: a session at NOW+30, reminded of
        meeting = session(alpha, minutes=30)
        teacher = alpha.users["teacher"]
        assert services.reminders_sweep(now=at(0)).reminders == 1

        # when: it moves an hour later; sweeps run at the old and at the new reminder time
        meeting_services.meeting_update(
            actor=teacher, meeting=meeting, start_time=NOW + timedelta(minutes=90)
        )
        at_old_time = services.reminders_sweep(now=at(1)).reminders
        at_new_time = services.reminders_sweep(now=at(60)).reminders
        again = services.reminders_sweep(now=at(61)).reminders

        # then: one more reminder, at the new time, with the new start
        assert (at_old_time, at_new_time, again) == (0, 1, 0)
        starts = [start for _, _, start in _reminded(meeting)]
        assert starts == [NOW + timedelta(minutes=30), NOW + timedelta(minutes=90)]
        assert len(delivered()) == 2


def test_a_session_moved_back_to_a_time_already_reminded_of_is_not_reminded_twice(alpha):
    with schema_context(alpha.schema):
        meeting = session(alpha, minutes=30)
        teacher = alpha.users["teacher"]
        services.reminders_sweep(now=at(0))
        # when: moved 5 minutes later and back again, all inside the reminder window
        meeting_services.meeting_update(
            actor=teacher, meeting=meeting, start_time=NOW + timedelta(minutes=35)
        )
        services.reminders_sweep(now=at(5))
        meeting_services.meeting_update(
            actor=teacher, meeting=meeting, start_time=NOW + timedelta(minutes=30)
        )
        back = services.reminders_sweep(now=at(6)).reminders
        # then: the original time is not reminded of again
        assert back == 0
        assert len(_reminded(meeting)) == 2  # once for :30, once for :35


def test_a_cancelled_session_never_reminds(alpha):
    with schema_context(alpha.schema):
        meeting = session(alpha, minutes=30)
        meeting_services.meeting_cancel(actor=alpha.users["teacher"], meeting=meeting)

        report = services.reminders_sweep(now=at(0))

        assert report.reminders == 0 and _reminded(meeting) == [] and delivered() == []


def test_an_ended_session_never_reminds_and_a_running_one_does(alpha):
    with schema_context(alpha.schema):
        ended = session(alpha, minutes=30, status=Meeting.Status.ENDED)
        running = session(alpha, minutes=30, status=Meeting.Status.STARTED)  # started early

        services.reminders_sweep(now=at(0))

        assert _reminded(ended) == [] and len(_reminded(running)) == 1


def test_a_person_who_turned_reminders_off_gets_none(alpha):
    with schema_context(alpha.schema):
        # given: two enrolled students, one of whom turned reminders off
        keen = alpha.users["student"]
        quiet = user_create(email="quiet@alpha.test", password="x" * 12, role=Role.STUDENT)
        alpha.school_class.enrolment_set.create(student=quiet)
        services.reminder_preference_set(user=quiet, reminders_enabled=False)
        meeting = session(alpha, minutes=30)

        services.reminders_sweep(now=at(0))

        assert [user for user, _, _ in _reminded(meeting)] == [keen.pk]
        assert _recipients(delivered()) == [keen.email]


def test_a_school_with_no_offsets_sends_no_reminders(alpha):
    with schema_context(alpha.schema):
        services.reminder_policy_set(actor=alpha.users["admin"], offsets_minutes=[])
        meeting = session(alpha, minutes=30)

        assert services.reminders_sweep(now=at(0)).reminders == 0
        assert _reminded(meeting) == []


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("class", {"student"}),
        ("personal", {"invited"}),
        ("students", {"student", "other_student", "invited"}),
        ("teachers", {"other_teacher"}),
        ("all", {"student", "parent", "other_student", "other_teacher", "invited"}),
    ],
)
def test_who_is_reminded_follows_who_may_join(alpha, audience, expected):
    with schema_context(alpha.schema):
        # given: besides the world's people, a student of no class, a teacher of no class, an
        # invited parent-less student, and an inactive student
        people = dict(alpha.users)
        people["other_student"] = user_create(
            email="other-s@alpha.test", password="x" * 12, role=Role.STUDENT
        )
        people["other_teacher"] = user_create(
            email="other-t@alpha.test", password="x" * 12, role=Role.TEACHER
        )
        people["invited"] = user_create(
            email="invited@alpha.test", password="x" * 12, role=Role.STUDENT
        )
        gone = user_create(email="gone@alpha.test", password="x" * 12, role=Role.STUDENT)
        gone.is_active = False
        gone.save()
        alpha.school_class.enrolment_set.create(student=gone)
        meeting = session(alpha, minutes=30, audience=audience)
        meeting.invitees.add(people["invited"], gone)

        # when
        services.reminders_sweep(now=at(0))

        # then: the host, the class's teachers and admins start or manage the class: they get
        # no join reminder; and the sweep's SQL agrees with may_join for everyone in the school
        reminded = {user for user, _, _ in _reminded(meeting)}
        by_pk = {user.pk: name for name, user in people.items()}
        assert {by_pk.get(user, user) for user in reminded} == expected
        assert reminded == {u.pk for u in User.objects.all() if may_join(user=u, meeting=meeting)}


def test_many_sessions_in_small_batches(alpha):
    with schema_context(alpha.schema):
        # given: 5 sessions due, with 2 students each
        second = user_create(email="second@alpha.test", password="x" * 12, role=Role.STUDENT)
        alpha.school_class.enrolment_set.create(student=second)
        meetings = [session(alpha, minutes=30 - i / 10) for i in range(5)]

        # when: the sweep claims 3 at a time
        report = services.reminders_sweep(now=at(0), batch=3)

        # then: all 10, each once
        assert (report.reminders, report.meetings, report.mails) == (10, 5, 10)
        assert sum(len(_reminded(m)) for m in meetings) == 10
        assert len(delivered()) == 10


def test_a_failed_batch_is_sent_whole_by_the_retry(alpha):
    with schema_context(alpha.schema):
        # given: 3 students of a session due
        for n in range(2):
            extra = user_create(email=f"extra{n}@alpha.test", password="x" * 12, role=Role.STUDENT)
            alpha.school_class.enrolment_set.create(student=extra)
        meeting = session(alpha, minutes=30)
        real_queue = services.mail_queue
        calls = []

        def flaky(**kwargs):
            calls.append(kwargs["key"])
            if len(calls) == 2:
                raise ConnectionError("the database went away")
            return real_queue(**kwargs)

        # when: the sweep fails half-way through its batch, and the actor retries
        with mock.patch.object(services, "mail_queue", flaky), pytest.raises(ConnectionError):
            services.reminders_sweep(now=at(0))
        nothing = _reminded(meeting)
        delivered()  # what the failed batch left queued, if anything
        retry = services.reminders_sweep(now=at(1))

        # then: the failed batch left no trace; the retry reminded all three, each once
        assert nothing == []
        assert retry.reminders == 3 and len(_reminded(meeting)) == 3
        assert len(delivered()) == 3


def test_the_reminder_is_published_on_the_persons_stream_after_commit(
    alpha, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        meeting = session(alpha, minutes=30, title="Algebra")
        student = alpha.users["student"]
        with (
            mock.patch.object(realtime_events, "_deliver") as deliver,
            django_capture_on_commit_callbacks(execute=True),  # the sweep's commit
        ):
            services.reminders_sweep(now=at(0))
            # nothing is sent before the commit
            assert deliver.call_count == 0
        link = join_url_for(meeting=meeting, user=student)

    sends = [send for call in deliver.call_args_list for send in call.args[0]]
    assert [group for group, _ in sends] == [f"t.alpha.user.{student.pk}"]
    event = realtime_events.decode_message(sends[0][1])
    assert isinstance(event, MeetingReminder)
    assert (event.meeting_id, event.title, event.minutes_before) == (meeting.pk, "Algebra", 30)
    assert event.start_time == meeting.start_time.isoformat()
    assert event.join_url == link


def test_a_sweep_reminds_only_its_own_school(alpha, beta):
    # given: a session due in each school
    with schema_context(beta.schema):
        theirs = session(beta, minutes=30)
    with schema_context(alpha.schema):
        ours = session(alpha, minutes=30)
        # when: alpha's sweep runs
        report = services.reminders_sweep(now=at(0))
        mails = delivered()
        assert report.reminders == 1 and len(_reminded(ours)) == 1
    # then: beta's people heard nothing; beta's own sweep reminds its student
    assert _recipients(mails) == [alpha.users["student"].email]
    with schema_context(beta.schema):
        assert _reminded(theirs) == []
        assert services.reminders_sweep(now=at(0)).reminders == 1
        assert _recipients(delivered()) == [beta.users["student"].email]


def test_the_ledger_forgets_sessions_that_started_a_day_ago(alpha):
    with schema_context(alpha.schema):
        old, recent = session(alpha, minutes=30), session(alpha, minutes=40)
        services.reminders_sweep(now=at(0))
        services.reminders_sweep(now=at(10))

        deleted = services.reminders_ledger_purge(now=at(30 + 24 * 60 + 5))

        assert deleted == 1 and _reminded(old) == [] and len(_reminded(recent)) == 1


# --- two sweeps at once, on connections of their own ------------------------------------------


@pytest.fixture
def crowded_session(worlds):
    """A committed session of alpha's class in 30 minutes, with 20 more students enrolled;
    removed afterwards with everything it left."""
    world = worlds["a"]

    def arrange():
        with schema_context(world.schema):
            ReminderPolicy.objects.filter(singleton=True).delete()
            students = [
                user_create(email=f"crowd{n}@alpha.test", password="x" * 12, role=Role.STUDENT)
                for n in range(20)
            ]
            world.school_class.enrolment_set.bulk_create(
                [
                    world.school_class.enrolment_set.model(
                        school_class=world.school_class, student=s
                    )
                    for s in students
                ]
            )
            return session(world, minutes=30).pk, [s.pk for s in students]

    meeting_id, student_ids = committed(arrange)
    yield world, meeting_id

    def clean():
        with schema_context(world.schema):
            Meeting.objects.filter(pk=meeting_id).delete()
            ReminderPreference.objects.filter(user_id__in=student_ids).delete()
            OutboundMail.objects.filter(key__startswith=f"reminder:{meeting_id}:").delete()
            User.objects.filter(pk__in=student_ids).delete()

    committed(clean)


def test_two_sweeps_at_once_remind_each_person_once(crowded_session):
    world, meeting_id = crowded_session
    start = threading.Barrier(2)
    reports = []

    def sweep():
        try:
            with schema_context(world.schema):
                start.wait(10)
                reports.append(services.reminders_sweep(now=at(0), batch=7))
        finally:
            connections.close_all()

    # when: two schedulers' sweeps run at the same moment, each on its own connection
    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # then: 21 reminders between them (the enrolled 21 students), no one twice
    def check():
        with schema_context(world.schema):
            rows = list(
                ReminderDelivery.objects.filter(meeting_id=meeting_id).values_list(
                    "user_id", flat=True
                )
            )
            mails = OutboundMail.objects.filter(key__startswith=f"reminder:{meeting_id}:").count()
            return rows, mails

    rows, mails = committed(check)
    assert len(reports) == 2
    assert sum(r.reminders for r in reports) == 21
    assert len(rows) == len(set(rows)) == 21
    assert mails == 21


def test_the_mail_says_what_starts_when_in_the_persons_time_zone(alpha):
    with schema_context(alpha.schema):
        # given: a student in Dhaka (UTC+6) and a session at NOW+30
        student = alpha.users["student"]
        student.timezone = "Asia/Dhaka"
        student.save(update_fields=["timezone"])
        meeting = session(alpha, minutes=30, title="Algebra")

        services.reminders_sweep(now=at(0))
        (mail,) = delivered()

        # then: title, minutes, class and the start in Dhaka time; text and HTML
        local = meeting.start_time + timedelta(hours=6)
        assert mail.subject == "Reminder: Algebra starts in 30 minutes"
        assert "Algebra starts in 30 minutes." in mail.body
        assert alpha.school_class.name in mail.body
        assert f"{local:%H:%M} (Asia/Dhaka)" in mail.body
        html, mimetype = mail.alternatives[0]
        assert mimetype == "text/html" and "Algebra" in html and "/join/" in html


def test_a_person_with_a_malformed_address_holds_up_no_one(alpha, caplog):
    with schema_context(alpha.schema):
        # given: a second student stored with an address the outbox refuses
        broken = user_create(email="no-at-sign", password="x" * 12, role=Role.STUDENT)
        alpha.school_class.enrolment_set.create(student=broken)
        meeting = session(alpha, minutes=30)

        report = services.reminders_sweep(now=at(0))

        # then: the other student's mail goes; the broken one is logged (by id), not retried
        assert (report.reminders, report.mails) == (2, 1)
        assert _recipients(delivered()) == [alpha.users["student"].email]
        assert f"user {broken.pk}: the email address is not valid" in caplog.text
        assert services.reminders_sweep(now=at(1)).reminders == 0
        assert len(_reminded(meeting)) == 2


def test_someone_who_chose_no_zone_reads_the_class_in_the_schools_default_zone(alpha):
    Organisation.objects.filter(pk=alpha.org.pk).update(timezone="Asia/Dhaka")
    with schema_context(alpha.schema):
        # given: a student with no zone of their own, a school in Dhaka time, a class in New York's
        meeting = session(alpha, minutes=30)
        Meeting.objects.filter(pk=meeting.pk).update(timezone="America/New_York")

        services.reminders_sweep(now=at(0))
        (mail,) = delivered()

    local = meeting.start_time + timedelta(hours=6)
    assert f"{local:%H:%M} (Asia/Dhaka)" in mail.body


def test_a_guest_is_reminded_once_with_their_own_link_and_a_revoked_one_not_at_all(alpha):
    from meetings.guests.models import Guest
    from meetings.guests.services import guest_invite
    from meetings.joining.links import join_url_for_guest

    with schema_context(alpha.schema):
        # given: a session in 30 minutes with two guests, one of them withdrawn
        meeting = session(alpha, minutes=30)
        teacher = alpha.users["teacher"]
        guest = guest_invite(meeting=meeting, name="Gil Guest", email="gil@guest.test", by=teacher)
        gone = guest_invite(meeting=meeting, name="Gone Guest", email="gone@guest.test", by=teacher)
        Guest.objects.filter(pk=gone.pk).update(revoked_at=at(0))
        delivered()  # the invitations

        # when: the sweep runs twice
        first = services.reminders_sweep(now=at(0))
        services.reminders_sweep(now=at(1))
        mails = [m for m in delivered() if "gil@guest.test" in m.to or "gone@guest.test" in m.to]
        link = join_url_for_guest(guest=guest, meeting=meeting)

    # then: the guest once, with their own link; the withdrawn guest never
    assert [m.to for m in mails] == [["gil@guest.test"]]
    assert link in mails[0].body
    assert first.mails == 2  # the student and the guest
