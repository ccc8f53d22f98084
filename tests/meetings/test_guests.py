"""Guests: inviting and revoking (who may, what is checked, the audit), and their registration
at Zoom (registered after the invite, cancelled on revoke)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings import services as meeting_services
from meetings.guests import services
from meetings.guests.models import Guest, GuestRegistrant
from meetings.guests.selectors import guest_invited_to, guests_of_meeting
from meetings.models import Meeting
from meetings.recurrence import RecurrenceRule
from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.audit.models import AuditEntry
from tenants.school.services import class_create

from .conftest import API, created_meeting_body, sample

pytestmark = pytest.mark.django_db

START = (timezone.now() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
ZOOM_ID = 4242


def _registrant_reply(request, context):
    email = request.json()["email"]
    context.status_code = 201
    body = sample("rest/meetings-meetingId-registrants_POST__Jericho-ZoomNet.json")
    body.update(registrant_id=f"reg-{email}", join_url=f"https://zoom.test/w/1?tk=tok-{email}")
    return body


def _schedule_weekly(world, requests_mock, count=3):
    rule = RecurrenceRule(frequency="weekly", weekdays=(START.weekday(),), count=count)
    starts = rule.occurrences(START, timezone="UTC")
    occurrences = [
        {"occurrence_id": f"occ{i}", "start_time": s.strftime("%Y-%m-%dT%H:%M:%SZ"), "duration": 60}
        for i, s in enumerate(starts)
    ]
    requests_mock.post(
        f"{API}/users/me/meetings",
        status_code=201,
        json=created_meeting_body(ZOOM_ID, occurrences=occurrences),
    )
    with schema_context(world.schema):
        first = meeting_services.meeting_schedule(
            actor=world.users["teacher"],
            school_class=world.school_class,
            title="Weekly",
            start_time=START,
            recurrence=rule,
        )
        return list(Meeting.objects.filter(series=first.series).order_by("start_time"))


def _meeting(world, **fields):
    with schema_context(world.schema):
        return Meeting.objects.create(
            school_class=world.school_class,
            host=world.users["teacher"],
            title="Maths",
            start_time=START,
            **fields,
        )


# --- inviting and revoking ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["teacher", "admin"])
def test_the_class_teacher_and_an_admin_invite_a_guest_audited(alpha, role):
    # given
    meeting = _meeting(alpha)
    with schema_context(alpha.schema):
        # when
        guest = services.guest_invite(
            meeting=meeting, name="  Ada Lovelace ", email="ada@EXAMPLE.org", by=alpha.users[role]
        )

        # then
        assert (guest.name, guest.email, guest.meeting_id) == (
            "Ada Lovelace",
            "ada@example.org",
            meeting.pk,
        )
        assert guest.invited_by == alpha.users[role]
        entry = AuditEntry.objects.get(action="guest.invited")
        assert entry.actor == alpha.users[role]
        assert entry.target_id == str(guest.pk)
        assert entry.details["meeting_id"] == meeting.pk


@pytest.mark.parametrize("role", ["student", "parent"])
def test_students_and_parents_may_not_invite(alpha, role):
    meeting = _meeting(alpha)
    with schema_context(alpha.schema), pytest.raises(PermissionDenied):
        services.guest_invite(
            meeting=meeting, name="X", email="x@example.org", by=alpha.users[role]
        )
    with schema_context(alpha.schema):
        assert not Guest.objects.exists()


def test_a_teacher_of_another_class_may_not_invite(alpha):
    with schema_context(alpha.schema):
        other = user_create(email="t2@alpha.test", password=None, role=Role.TEACHER)
        class_create(name="History", teachers=[other])
    meeting = _meeting(alpha)
    with schema_context(alpha.schema), pytest.raises(PermissionDenied):
        services.guest_invite(meeting=meeting, name="X", email="x@example.org", by=other)


@pytest.mark.parametrize(
    ("name", "email", "field", "code"),
    [
        ("", "a@example.org", "name", "required"),
        ("Ada", "not-an-email", "email", "invalid"),
        ("A" * 201, "a@example.org", "name", "too_long"),
        ("Ada", "a" * 250 + "@example.org", "email", "too_long"),
        ("Ad\x00a", "a@example.org", "name", "nul_character"),
    ],
)
def test_bad_names_and_emails_are_refused_field_by_field(alpha, name, email, field, code):
    meeting = _meeting(alpha)
    with schema_context(alpha.schema):
        with pytest.raises(ValidationError) as caught:
            services.guest_invite(meeting=meeting, name=name, email=email, by=alpha.users["admin"])
        assert [e.code for e in caught.value.error_dict[field]] == [code]


def test_the_same_guest_twice_is_refused_until_revoked(alpha):
    meeting = _meeting(alpha)
    admin = alpha.users["admin"]
    with schema_context(alpha.schema):
        first = services.guest_invite(meeting=meeting, name="Ada", email="a@example.org", by=admin)
        with pytest.raises(ValidationError) as caught:
            services.guest_invite(meeting=meeting, name="Ada", email="a@example.org", by=admin)
        assert caught.value.error_dict["email"][0].code == "already_invited"

        services.guest_revoke(guest=first, by=admin)
        again = services.guest_invite(meeting=meeting, name="Ada", email="a@example.org", by=admin)
        assert again.pk != first.pk


def test_a_past_or_cancelled_class_takes_no_guests(alpha):
    meeting = _meeting(alpha, status=Meeting.Status.CANCELLED)
    with schema_context(alpha.schema), pytest.raises(ValidationError):
        services.guest_invite(
            meeting=meeting, name="Ada", email="a@example.org", by=alpha.users["admin"]
        )


def test_revoking_ends_the_invitation_once_audited(alpha):
    meeting = _meeting(alpha)
    teacher = alpha.users["teacher"]
    with schema_context(alpha.schema):
        guest = services.guest_invite(
            meeting=meeting, name="Ada", email="a@example.org", by=teacher
        )
        assert guest_invited_to(guest, meeting)

        services.guest_revoke(guest=guest, by=teacher)
        services.guest_revoke(guest=guest, by=teacher)  # twice: nothing more

        guest.refresh_from_db()
        assert guest.revoked_at is not None and guest.revoked_by == teacher
        assert not guest_invited_to(guest, meeting)
        assert AuditEntry.objects.filter(action="guest.revoked").count() == 1


@pytest.mark.parametrize("role", ["student", "parent"])
def test_students_and_parents_may_not_revoke(alpha, role):
    meeting = _meeting(alpha)
    with schema_context(alpha.schema):
        guest = services.guest_invite(
            meeting=meeting, name="Ada", email="a@example.org", by=alpha.users["admin"]
        )
        with pytest.raises(PermissionDenied):
            services.guest_revoke(guest=guest, by=alpha.users[role])
        guest.refresh_from_db()
        assert guest.revoked_at is None


def test_a_series_guest_is_invited_to_every_session_and_only_those(alpha, requests_mock):
    sessions = _schedule_weekly(alpha, requests_mock)
    lone = _meeting(alpha)
    with schema_context(alpha.schema):
        guest = services.guest_invite(
            series=sessions[0].series, name="Ada", email="a@example.org", by=alpha.users["teacher"]
        )

        assert all(guest_invited_to(guest, s) for s in sessions)
        assert not guest_invited_to(guest, lone)
        assert [g.pk for g in guests_of_meeting(sessions[2])] == [guest.pk]
        assert list(guests_of_meeting(lone)) == []


# --- Zoom -----------------------------------------------------------------------------------


def test_a_guest_is_registered_at_zoom_for_their_one_session(teacher_connected, requests_mock):
    # given: a weekly class on Zoom, a guest of its second session
    world = teacher_connected
    sessions = _schedule_weekly(world, requests_mock)
    requests_mock.post(f"{API}/meetings/{ZOOM_ID}/registrants", json=_registrant_reply)
    with schema_context(world.schema):
        guest = services.guest_invite(
            meeting=sessions[1],
            name="Ada Lovelace",
            email="ada@example.org",
            by=world.users["teacher"],
        )

        # when
        report = services.guest_register(guest_id=guest.pk)
        again = services.guest_register(guest_id=guest.pk)

        # then: one call, for that occurrence only, with the guest's name; idempotent
        calls = [r for r in requests_mock.request_history if r.path.endswith("/registrants")]
        assert len(calls) == 1
        assert calls[0].json() == {
            "email": "ada@example.org",
            "first_name": "Ada",
            "last_name": "Lovelace",
        }
        assert calls[0].qs == {"occurrence_ids": ["occ1"]}
        assert (report.registered, again.registered, again.already) == (1, 0, 1)
        row = GuestRegistrant.objects.get(guest=guest)
        assert row.meeting_id == sessions[1].pk
        assert row.status == GuestRegistrant.Status.REGISTERED
        assert row.zoom_registrant_id == "reg-ada@example.org"
        assert row.join_url == "https://zoom.test/w/1?tk=tok-ada@example.org"


def test_a_series_guest_is_registered_for_every_occurrence_in_one_call(
    teacher_connected, requests_mock
):
    world = teacher_connected
    sessions = _schedule_weekly(world, requests_mock)
    requests_mock.post(f"{API}/meetings/{ZOOM_ID}/registrants", json=_registrant_reply)
    with schema_context(world.schema):
        guest = services.guest_invite(
            series=sessions[0].series, name="Ada", email="ada@example.org", by=world.users["admin"]
        )

        services.guest_register(guest_id=guest.pk)

        calls = [r for r in requests_mock.request_history if r.path.endswith("/registrants")]
        assert len(calls) == 1 and "occurrence_ids" not in calls[0].qs
        assert GuestRegistrant.objects.filter(guest=guest, status="registered").count() == 3


def test_a_zoom_refusal_is_recorded_and_the_sweep_tries_again(teacher_connected, requests_mock):
    world = teacher_connected
    sessions = _schedule_weekly(world, requests_mock, count=2)
    requests_mock.post(
        f"{API}/meetings/{ZOOM_ID}/registrants",
        status_code=400,
        json={"code": 300, "message": "Invalid email"},
    )
    with schema_context(world.schema):
        guest = services.guest_invite(
            meeting=sessions[0], name="Ada", email="ada@example.org", by=world.users["admin"]
        )

        report = services.guest_register(guest_id=guest.pk)

        assert report.failed == ["Zoom refused the request (HTTP 400, Zoom code 300)."]
        row = GuestRegistrant.objects.get(guest=guest)
        assert row.status == GuestRegistrant.Status.FAILED and "HTTP 400" in row.last_error
        assert services.guests_pending_registration() == [guest.pk]

        requests_mock.post(f"{API}/meetings/{ZOOM_ID}/registrants", json=_registrant_reply)
        services.guest_register(guest_id=guest.pk)
        assert services.guests_pending_registration() == []


def test_a_rate_limit_defers_the_registration(teacher_connected, requests_mock):
    world = teacher_connected
    sessions = _schedule_weekly(world, requests_mock, count=2)
    requests_mock.post(
        f"{API}/meetings/{ZOOM_ID}/registrants",
        status_code=429,
        headers={"Retry-After": "0"},
        json={"code": 429, "message": "slow down"},
    )
    with schema_context(world.schema):
        guest = services.guest_invite(
            meeting=sessions[0], name="Ada", email="ada@example.org", by=world.users["admin"]
        )

        report = services.guest_register(guest_id=guest.pk)

        assert report.deferred and report.registered == 0
        assert not GuestRegistrant.objects.filter(guest=guest).exists()


def test_a_revoked_guest_is_not_registered(teacher_connected, requests_mock):
    world = teacher_connected
    sessions = _schedule_weekly(world, requests_mock, count=2)
    requests_mock.post(f"{API}/meetings/{ZOOM_ID}/registrants", json=_registrant_reply)
    with schema_context(world.schema):
        admin = world.users["admin"]
        guest = services.guest_invite(
            meeting=sessions[0], name="A", email="a@example.org", by=admin
        )
        services.guest_revoke(guest=guest, by=admin)

        assert services.guest_register(guest_id=guest.pk).registered == 0
        assert services.guests_pending_registration() == []
    assert not [r for r in requests_mock.request_history if r.path.endswith("/registrants")]


def test_revoking_cancels_the_registration_at_zoom(teacher_connected, requests_mock):
    # given: a registered guest of the second session
    world = teacher_connected
    sessions = _schedule_weekly(world, requests_mock)
    requests_mock.post(f"{API}/meetings/{ZOOM_ID}/registrants", json=_registrant_reply)
    status = requests_mock.put(f"{API}/meetings/{ZOOM_ID}/registrants/status", status_code=204)
    with schema_context(world.schema):
        admin = world.users["admin"]
        guest = services.guest_invite(
            meeting=sessions[1], name="Ada", email="ada@example.org", by=admin
        )
        services.guest_register(guest_id=guest.pk)

        # when
        services.guest_revoke(guest=guest, by=admin)
        cancelled = services.guest_registration_cancel(guest_id=guest.pk)
        again = services.guest_registration_cancel(guest_id=guest.pk)

        # then: Zoom was asked to cancel that registrant, for that occurrence, once
        assert (cancelled, again) == (1, 0)
        assert status.call_count == 1
        assert status.last_request.json() == {
            "action": "cancel",
            "registrants": [{"id": "reg-ada@example.org", "email": "ada@example.org"}],
        }
        assert status.last_request.qs == {"occurrence_id": ["occ1"]}
        row = GuestRegistrant.objects.get(guest=guest)
        assert row.status == GuestRegistrant.Status.CANCELLED
        assert row.join_url == ""
        assert AuditEntry.objects.filter(action="guest.registration_cancelled").exists()


def test_an_active_guest_is_never_cancelled(teacher_connected, requests_mock):
    world = teacher_connected
    sessions = _schedule_weekly(world, requests_mock, count=2)
    requests_mock.post(f"{API}/meetings/{ZOOM_ID}/registrants", json=_registrant_reply)
    status = requests_mock.put(f"{API}/meetings/{ZOOM_ID}/registrants/status", status_code=204)
    with schema_context(world.schema):
        guest = services.guest_invite(
            meeting=sessions[0], name="Ada", email="ada@example.org", by=world.users["admin"]
        )
        services.guest_register(guest_id=guest.pk)

        assert services.guest_registration_cancel(guest_id=guest.pk) == 0
    assert status.call_count == 0


def test_guests_of_one_school_are_not_seen_from_another(alpha, beta):
    meeting = _meeting(alpha)
    with schema_context(alpha.schema):
        guest = services.guest_invite(
            meeting=meeting, name="Ada", email="a@example.org", by=alpha.users["admin"]
        )
    with schema_context(beta.schema):
        assert not Guest.objects.filter(pk=guest.pk).exists()
        assert services.guest_register(guest_id=guest.pk).registered == 0
        assert services.guest_registration_cancel(guest_id=guest.pk) == 0


def test_the_actors_are_tenant_actors_and_act_in_their_schema_only(
    teacher_connected, beta, requests_mock, monkeypatch
):
    from meetings.guests import actors
    from tenants.tasking import actor_tenancy

    world = teacher_connected
    sessions = _schedule_weekly(world, requests_mock, count=2)
    requests_mock.post(f"{API}/meetings/{ZOOM_ID}/registrants", json=_registrant_reply)
    with schema_context(world.schema):
        guest = services.guest_invite(
            meeting=sessions[0], name="Ada", email="ada@example.org", by=world.users["admin"]
        )
    sent = []
    monkeypatch.setattr(actors.guest_register, "send", lambda guest_id: sent.append(guest_id))
    assert {
        actor_tenancy(a)
        for a in (
            actors.guest_register,
            actors.guest_registration_cancel,
            actors.guests_registration_sweep,
        )
    } == {"tenant"}

    # in the other school: nothing of alpha's is seen or touched
    with schema_context(beta.schema):
        actors.guests_registration_sweep.fn()
        actors.guest_register.fn(guest.pk)
    assert sent == []
    assert not [r for r in requests_mock.request_history if r.path.endswith("/registrants")]

    # in its own school: swept and registered
    with schema_context(world.schema):
        actors.guests_registration_sweep.fn()
        actors.guest_register.fn(guest.pk)
        assert GuestRegistrant.objects.get(guest=guest).status == "registered"
    assert sent == [guest.pk]


def test_a_series_with_no_session_to_come_takes_no_guests(alpha, requests_mock):
    sessions = _schedule_weekly(alpha, requests_mock, count=2)
    with schema_context(alpha.schema):
        Meeting.objects.filter(series=sessions[0].series).update(status=Meeting.Status.ENDED)
        with pytest.raises(ValidationError):
            services.guest_invite(
                series=sessions[0].series,
                name="Ada",
                email="a@example.org",
                by=alpha.users["admin"],
            )
        assert not Guest.objects.exists()


# --- a session they are invited to moves or is cancelled -----------------------------------


def _guest_mails(to):
    from tests.support import mail_deliver_pending

    return [m for m in mail_deliver_pending() if to in m.to]


def test_a_guest_hears_when_their_session_moves_with_their_link(alpha):
    from meetings.joining.links import join_url_for_guest

    meeting = _meeting(alpha)
    teacher = alpha.users["teacher"]
    with schema_context(alpha.schema):
        guest = services.guest_invite(
            meeting=meeting, name="Ada", email="a@example.org", by=teacher
        )
        gone = services.guest_invite(meeting=meeting, name="Bo", email="b@example.org", by=teacher)
        services.guest_revoke(guest=gone, by=teacher)
        _guest_mails("a@example.org")  # the invitation

        # when: the session moves two hours later
        later = START + timedelta(hours=2)
        meeting_services.meeting_update(actor=teacher, meeting=meeting, start_time=later)
        mails = _guest_mails("a@example.org") + _guest_mails("b@example.org")
        link = join_url_for_guest(guest=guest, meeting=meeting)

    # then: the active guest is told the new time with their link; the withdrawn one nothing
    assert [m.to for m in mails] == [["a@example.org"]]
    assert mails[0].subject.endswith("Changed: Maths")
    assert f"{later:%H:%M} (UTC)" in mails[0].body and link in mails[0].body


def test_a_guest_hears_when_their_session_is_cancelled_once(alpha):
    from meetings.guests.changes import guests_on_change

    meeting = _meeting(alpha)
    teacher = alpha.users["teacher"]
    with schema_context(alpha.schema):
        services.guest_invite(meeting=meeting, name="Ada", email="a@example.org", by=teacher)
        _guest_mails("a@example.org")

        meeting_services.meeting_cancel(actor=teacher, meeting=meeting)
        mails = _guest_mails("a@example.org")
        meeting.refresh_from_db()
        guests_on_change(meetings=[meeting], change="cancelled")  # a retry: nothing more
        again = _guest_mails("a@example.org")

    assert len(mails) == 1 and again == []
    assert mails[0].subject.endswith("Cancelled: Maths")
    assert "/join/" not in mails[0].body
