"""Seed 003: Zoom join and start URLs, registrants' and guests' join URLs and join devices are
gone from the database 30 days after the meeting; read back from the raw tables."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.guests.models import Guest, GuestRegistrant
from meetings.joining.models import JoinDevice
from meetings.models import Meeting, Registrant
from meetings.retention import meeting_links_purge
from tenants.audit.models import AuditEntry


def _meeting(world, *, days_ago: float, title: str = "Maths") -> Meeting:
    meeting = Meeting.objects.create(
        school_class=world.school_class,
        host=world.users["teacher"],
        title=title,
        start_time=timezone.now() - timedelta(days=days_ago),
        duration_minutes=60,
        status=Meeting.Status.ENDED,
        zoom_meeting_id=f"9{int(days_ago * 10)}",
        join_url="https://zoom.test/j/1?pwd=secret",
        start_url="https://zoom.test/s/1?zak=hostsecret",
    )
    Registrant.objects.create(
        meeting=meeting,
        user=world.users["student"],
        status=Registrant.Status.REGISTERED,
        zoom_registrant_id="r1",
        join_url="https://zoom.test/w/1?tk=student",
    )
    guest = Guest.objects.create(meeting=meeting, name="Gus", email=f"gus{meeting.pk}@x.test")
    GuestRegistrant.objects.create(
        guest=guest,
        meeting=meeting,
        status=GuestRegistrant.Status.REGISTERED,
        join_url="https://zoom.test/w/1?tk=guest",
    )
    JoinDevice.objects.create(
        meeting=meeting, subject_kind="u", subject_id=world.users["student"].pk, device_hash="h"
    )
    return meeting


def _raw(sql: str, *params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _stored(meeting_id: int) -> dict[str, object]:
    return {
        "meeting": _raw(
            "SELECT join_url, start_url FROM meetings_meeting WHERE id = %s", meeting_id
        )[0],
        "registrants": _raw(
            "SELECT join_url FROM meetings_registrant WHERE meeting_id = %s", meeting_id
        ),
        "guests": _raw(
            "SELECT join_url FROM guests_guestregistrant WHERE meeting_id = %s", meeting_id
        ),
        "devices": _raw(
            "SELECT count(*) FROM joining_joindevice WHERE meeting_id = %s", meeting_id
        )[0][0],
    }


def test_links_of_a_meeting_past_30_days_are_gone_from_the_tables(alpha):
    with schema_context(alpha.schema):
        # given: a meeting 31 days ago and one 10 days ago, both with every kind of link
        old = _meeting(alpha, days_ago=31)
        recent = _meeting(alpha, days_ago=10)

        # when
        purged = meeting_links_purge()

        # then: the old meeting's links are blank in the raw rows, its devices deleted
        assert _stored(old.pk) == {
            "meeting": ("", ""),
            "registrants": [("",)],
            "guests": [("",)],
            "devices": 0,
        }
        # the recent one keeps them (sealed, so not the clear text, but present)
        kept = _stored(recent.pk)
        assert all(kept["meeting"]) and kept["registrants"][0][0] and kept["guests"][0][0]
        assert kept["devices"] == 1
        # the meeting and the registration themselves stay
        assert Registrant.objects.get(meeting=old).status == Registrant.Status.REGISTERED
        assert (purged.meetings, purged.registrants, purged.guest_registrants) == (1, 1, 1)
        assert purged.join_devices == 1
        entry = AuditEntry.objects.get(action="retention.zoom_links.purged")
        assert entry.details["meetings"] == 1 and entry.details["join_devices"] == 1


def test_the_purge_is_idempotent_and_audits_each_run(alpha):
    with schema_context(alpha.schema):
        _meeting(alpha, days_ago=40)
        meeting_links_purge()

        again = meeting_links_purge()

        assert (again.meetings, again.registrants, again.guest_registrants) == (0, 0, 0)
        runs = AuditEntry.objects.filter(action="retention.zoom_links.purged")
        assert [e.details["meetings"] for e in runs.order_by("id")] == [1, 0]


def test_a_long_meeting_counts_from_its_end_and_a_running_one_is_kept(alpha):
    with schema_context(alpha.schema):
        # started 30 days and 1 hour ago, lasting 3 hours: ended less than 30 days ago
        long = _meeting(alpha, days_ago=30.04)
        Meeting.objects.filter(pk=long.pk).update(duration_minutes=180)
        running = _meeting(alpha, days_ago=45)
        Meeting.objects.filter(pk=running.pk).update(status=Meeting.Status.STARTED)

        meeting_links_purge()

        assert all(_stored(long.pk)["meeting"])
        assert all(_stored(running.pk)["meeting"])


def test_a_school_purges_only_its_own_rows(alpha, beta):
    with schema_context(beta.schema):
        theirs = _meeting(beta, days_ago=60)
    with schema_context(alpha.schema):
        _meeting(alpha, days_ago=60)
        meeting_links_purge()
    with schema_context(beta.schema):
        assert all(_stored(theirs.pk)["meeting"])
        assert _stored(theirs.pk)["devices"] == 1


def test_the_job_is_declared_per_school():
    from tenants.scheduler import default_jobs

    names = {job.name for job in default_jobs()}
    assert {"zoom-links-purge", "audit-retention-purge", "people-anonymise"} <= names
