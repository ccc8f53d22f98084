"""The sessions screens' API: upcoming and past by the clock, a parent's children's sessions
(childrenSessions) and a session's roster (Meeting.roster): role scoping and tenant isolation."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.invitations.models import Rsvp
from meetings.models import Meeting, MeetingSeries, Registrant
from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.mail.models import OutboundMail
from tenants.school.services import class_enrol, parent_link

pytestmark = pytest.mark.django_db

WHEN = "query($when: MeetingWhen) { meetings(when: $when, limit: 50) { items { title } } }"
CHILDREN = """{ childrenSessions { child { id name } upcoming { id title joinUrl myRsvp } } }"""
ROSTER = """query($m: ID!) {
  meeting(id: $m) { roster { user { name } registration invitation rsvp } }
}"""


def _meeting(world, title="Maths", start=None, **fields):
    with schema_context(world.schema):
        return Meeting.objects.create(
            school_class=world.school_class,
            host=world.users["teacher"],
            title=title,
            start_time=start or timezone.now() + timedelta(days=1),
            **fields,
        )


def _titles(gql, world, role, when):
    return [m["title"] for m in gql(world, role).ok(WHEN, when=when)["meetings"]["items"]]


def test_a_session_over_by_the_clock_is_past_never_coming_up(alpha, gql):
    # given: one to come, one whose time passed without it starting, one ended, one live
    now = timezone.now()
    _meeting(alpha, "Tomorrow")
    _meeting(alpha, "Missed", start=now - timedelta(minutes=90), duration_minutes=60)
    _meeting(alpha, "Done", start=now - timedelta(minutes=30), status=Meeting.Status.ENDED)
    _meeting(alpha, "Now", start=now - timedelta(minutes=10), status=Meeting.Status.STARTED)
    _meeting(alpha, "Soon over", start=now - timedelta(minutes=50), duration_minutes=60)

    # then
    for role in ("teacher", "student", "parent"):
        assert _titles(gql, alpha, role, "UPCOMING") == ["Soon over", "Tomorrow"]
        assert _titles(gql, alpha, role, "LIVE") == ["Now"]
        assert _titles(gql, alpha, role, "PAST") == ["Done", "Missed"]


def test_a_parent_sees_each_childs_upcoming_sessions(alpha, gql):
    # given: a second child in no class, a class session and a past one
    with schema_context(alpha.schema):
        second = user_create(
            email="second@alpha.test", password="x" * 12, role=Role.STUDENT, name="Aaron"
        )
        parent_link(parent=alpha.users["parent"], student=second)
    upcoming = _meeting(alpha, "Algebra")
    _meeting(alpha, "Old", start=timezone.now() - timedelta(days=2))

    # when
    data = gql(alpha, "parent").ok(CHILDREN)["childrenSessions"]

    # then: by name; each with only their own classes; a parent has no join link
    assert [c["child"]["name"] for c in data] == ["Aaron", "alpha student"]
    assert data[0]["upcoming"] == []
    assert [m["id"] for m in data[1]["upcoming"]] == [str(upcoming.pk)]
    assert data[1]["upcoming"][0]["joinUrl"] is None


def test_a_parent_never_sees_another_familys_child(alpha, gql):
    with schema_context(alpha.schema):
        other_parent = user_create(
            email="other-parent@alpha.test", password="x" * 12, role=Role.PARENT, name="Other"
        )
        other_child = user_create(
            email="other-child@alpha.test", password="x" * 12, role=Role.STUDENT, name="Zed"
        )
        parent_link(parent=other_parent, student=other_child)
        class_enrol(school_class=alpha.school_class, students=[other_child])
    _meeting(alpha)

    data = gql(alpha, "parent").ok(CHILDREN)["childrenSessions"]

    assert [c["child"]["name"] for c in data] == ["alpha student"]


@pytest.mark.parametrize("role", ["admin", "teacher", "student"])
def test_children_sessions_are_for_parents_only(alpha, gql, role):
    body = gql(alpha, role)(CHILDREN)
    assert body["data"] is None
    assert "Only parents" in body["errors"][0]["message"]


def test_children_sessions_stay_in_their_school(alpha, beta, gql):
    # given: each school's child has a session; beta's parent asks on beta's host
    _meeting(alpha, "Alpha only")
    _meeting(beta, "Beta only")

    data = gql(beta, "parent").ok(CHILDREN)["childrenSessions"]

    assert [c["child"]["name"] for c in data] == ["beta student"]
    assert [m["title"] for m in data[0]["upcoming"]] == ["Beta only"]


def test_signed_out_gets_no_children(alpha, gql):
    assert "Sign in" in gql(alpha)(CHILDREN)["errors"][0]["message"]


def test_the_roster_shows_registration_invitation_and_answer_by_name(alpha, gql):
    # given: two students (added "Aaron" sorts first), one registered, one answered, one
    # invitation mailed
    meeting = _meeting(alpha)
    with schema_context(alpha.schema):
        aaron = user_create(
            email="aaron@alpha.test", password="x" * 12, role=Role.STUDENT, name="Aaron"
        )
        class_enrol(school_class=alpha.school_class, students=[aaron])
        student = alpha.users["student"]
        Registrant.objects.create(
            meeting=meeting, user=student, status=Registrant.Status.REGISTERED
        )
        Rsvp.objects.create(
            meeting=meeting,
            user=aaron,
            response=Rsvp.Response.TENTATIVE,
            responded_at=timezone.now(),
        )
        OutboundMail.objects.create(
            key=f"invitation:meeting:{meeting.pk}:{student.pk}:0",
            to=student.email,
            template="mail/invitation",
            subject="Invitation",
            text="",
            html="",
            status=OutboundMail.Status.SENT,
        )

    # when
    roster = gql(alpha, "teacher").ok(ROSTER, m=str(meeting.pk))["meeting"]["roster"]

    # then
    assert roster == [
        {"user": {"name": "Aaron"}, "registration": None, "invitation": None, "rsvp": "TENTATIVE"},
        {
            "user": {"name": "alpha student"},
            "registration": "registered",
            "invitation": "SENT",
            "rsvp": None,
        },
    ]


@pytest.mark.parametrize("role", ["student", "parent"])
def test_the_roster_is_empty_for_those_who_do_not_manage(alpha, gql, role):
    meeting = _meeting(alpha)
    roster = gql(alpha, role).ok(ROSTER, m=str(meeting.pk))["meeting"]["roster"]
    assert roster == []


def test_another_schools_teacher_cannot_read_the_roster(alpha, beta, gql):
    meeting = _meeting(alpha)
    body = gql(beta, "teacher")(ROSTER, m=str(meeting.pk))
    assert body["data"] is None
    assert "No such meeting" in body["errors"][0]["message"]


def test_a_sessions_series_is_named_and_its_invitation_counts_for_the_session(alpha, gql):
    # given: a session of a series whose invitation went out for the whole series (failed)
    with schema_context(alpha.schema):
        series = MeetingSeries.objects.create(
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="Weekly",
            recurrence={},
        )
        student = alpha.users["student"]
        OutboundMail.objects.create(
            key=f"invitation:series:{series.pk}:{student.pk}:0",
            to=student.email,
            template="mail/invitation",
            subject="Invitation",
            text="",
            html="",
            status=OutboundMail.Status.FAILED,
        )
    session = _meeting(alpha, "Weekly", series=series)
    single = _meeting(alpha, "Once")
    query = "query($m: ID!) { meeting(id: $m) { seriesId roster { invitation } } }"

    # when
    data = gql(alpha, "teacher").ok(query, m=str(session.pk))["meeting"]

    # then
    assert data == {"seriesId": str(series.pk), "roster": [{"invitation": "FAILED"}]}
    assert gql(alpha, "teacher").ok(query, m=str(single.pk))["meeting"]["seriesId"] is None


def test_the_latest_invitation_mail_counts_whether_for_the_session_or_its_series(alpha, gql):
    # given: the series' invitation failed; later this session's own change was mailed
    with schema_context(alpha.schema):
        series = MeetingSeries.objects.create(
            school_class=alpha.school_class, host=alpha.users["teacher"], title="W", recurrence={}
        )
        student = alpha.users["student"]
        session = Meeting.objects.create(
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="W",
            start_time=timezone.now() + timedelta(days=1),
            series=series,
        )
        for key, status, when in (
            (f"invitation:series:{series.pk}:{student.pk}:0", "failed", timedelta(hours=2)),
            (f"invitation:meeting:{session.pk}:{student.pk}:1", "sent", timedelta(hours=1)),
        ):
            OutboundMail.objects.create(
                key=key,
                to=student.email,
                template="mail/invitation",
                subject="Invitation",
                text="",
                html="",
                status=status,
                queued_at=timezone.now() - when,
            )

    roster = gql(alpha, "teacher").ok(ROSTER, m=str(session.pk))["meeting"]["roster"]

    assert [r["invitation"] for r in roster] == ["SENT"]
