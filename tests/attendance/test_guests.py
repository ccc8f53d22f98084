"""A guest's attendance: matched through their Zoom registrant id (never a typed name or
email), scored like anyone's into a guest record of its own, shown as a guest to the teacher and
admins only; never a student of the class."""

import pytest
from django_tenants.utils import schema_context

from attendance.models import AttendanceRecord, GuestAttendance, ParticipantSession
from attendance.selectors import unmatched_participants
from meetings.guests.models import Guest, GuestRegistrant

from ..graphql.conftest import GQL
from .conftest import ended, joined, left, started
from .test_identity import process

pytestmark = pytest.mark.django_db

QUERY = """query($m: ID!) { meeting(id: $m) {
  guestAttendance { guestId name role status attendedSeconds isFinal }
  attendance { student { email } status }
  participants { name role verified } } }"""


@pytest.fixture
def with_guests(live_class):
    """The live class with two guests registered at Zoom: Gail (comes) and Hal (never comes)."""
    world, meeting, people = live_class
    with schema_context(world.schema):
        admin = world.users["admin"]
        gail = Guest.objects.create(
            meeting=meeting, name="Gail Guest", email="gail@example.org", invited_by=admin
        )
        hal = Guest.objects.create(
            meeting=meeting, name="Hal Guest", email="hal@example.org", invited_by=admin
        )
        for guest, reg in ((gail, "reg-gail"), (hal, "reg-hal")):
            GuestRegistrant.objects.create(
                guest=guest, meeting=meeting, status="registered", zoom_registrant_id=reg
            )
    return world, meeting, people, gail, hal


def test_a_guest_is_matched_by_registrant_id_and_scored_as_a_guest(with_guests):
    world, meeting, people, gail, hal = with_guests
    with schema_context(world.schema):
        # when: Gail joins through her link for 40 minutes (typing another name into Zoom)
        process(
            [
                started(),
                joined("G.", 5, registrant_id="reg-gail", email="gail@example.org"),
                left("G.", 45, registrant_id="reg-gail", email="gail@example.org"),
                ended(60),
            ]
        )
        from attendance.services import attendance_score_meeting

        attendance_score_meeting(meeting=meeting, final=True)

        # then: her sessions are hers, verified, as a guest; she is not a student anywhere
        session = ParticipantSession.objects.get(meeting=meeting)
        assert (session.guest_id, session.user_id, session.role, session.verified) == (
            gail.pk,
            None,
            "guest",
            True,
        )
        assert unmatched_participants(meeting=meeting) == []
        scored = {
            g.guest_id: (g.status, g.attended_seconds, g.is_final)
            for g in GuestAttendance.objects.all()
        }
        assert scored == {gail.pk: ("present", 40 * 60, True), hal.pk: ("absent", 0, True)}
        assert set(AttendanceRecord.objects.values_list("student__email", flat=True)) == {
            "student@alpha.test",
            "ann@alpha.test",
            "bob@alpha.test",
            "cy@alpha.test",
        }


def test_a_guests_typed_name_or_email_alone_matches_nothing(with_guests):
    world, meeting, _, gail, _ = with_guests
    with schema_context(world.schema):
        process([started(), joined("Gail Guest", 1, email="gail@example.org"), ended(60)])

        session = ParticipantSession.objects.get(meeting=meeting)
        assert session.guest_id is None and not session.verified
        assert [row["name"] for row in unmatched_participants(meeting=meeting)] == ["Gail Guest"]


def test_a_guest_of_another_session_or_withdrawn_matches_no_guest(with_guests):
    from django.utils import timezone

    from meetings.models import Meeting

    world, meeting, _, gail, hal = with_guests
    with schema_context(world.schema):
        # given: Gail is really a guest of another session of the same Zoom meeting (her
        # registrant id is the same one), and Hal's invitation was withdrawn
        other = Meeting.objects.create(
            school_class=meeting.school_class,
            host=meeting.host,
            title="Another session",
            start_time=meeting.start_time + timezone.timedelta(days=7),
            zoom_meeting_id=meeting.zoom_meeting_id,
        )
        Guest.objects.filter(pk=gail.pk).update(meeting=other)
        GuestRegistrant.objects.filter(guest=gail).update(meeting=other)
        Guest.objects.filter(pk=hal.pk).update(revoked_at=timezone.now())

        # when: both join this session with their registrant ids
        process(
            [
                started(),
                joined("G.", 1, registrant_id="reg-gail"),
                joined("H.", 2, registrant_id="reg-hal"),
                ended(60),
            ]
        )

        # then: neither is taken for a guest of this session
        assert list(ParticipantSession.objects.values_list("guest_id", flat=True)) == [None, None]


def test_a_guest_record_is_shown_to_the_teacher_and_admins_only(with_guests):
    world, meeting, _, gail, _ = with_guests
    with schema_context(world.schema):
        process(
            [
                started(),
                joined("G.", 0, registrant_id="reg-gail"),
                left("G.", 30, registrant_id="reg-gail"),
                ended(60),
            ]
        )
    for role in ("teacher", "admin"):
        data = GQL(world, role).ok(QUERY, m=str(meeting.pk))["meeting"]
        rows = {r["name"]: r for r in data["guestAttendance"]}
        assert rows["Gail Guest"] == {
            "guestId": str(gail.pk),
            "name": "Gail Guest",
            "role": "GUEST",
            "status": "PRESENT",
            "attendedSeconds": 1800,
            "isFinal": False,
        }
        assert rows["Hal Guest"]["status"] == "ABSENT"
        assert {"name": "G.", "role": "GUEST", "verified": True} in data["participants"]
        assert all(r["student"]["email"] != "gail@example.org" for r in data["attendance"])
    for role in ("student", "parent"):
        data = GQL(world, role).ok(QUERY, m=str(meeting.pk))["meeting"]
        assert data["guestAttendance"] == []
        assert data["participants"] == []


def test_another_school_sees_no_guest_record(with_guests, beta):
    world, meeting, _, _, _ = with_guests
    with schema_context(world.schema):
        process([started(), joined("G.", 0, registrant_id="reg-gail"), ended(60)])
    body = GQL(beta, "admin")(QUERY, m=str(meeting.pk))
    assert body["data"] is None or body["data"]["meeting"] is None
    assert body["errors"][0]["message"] == "No such meeting."
