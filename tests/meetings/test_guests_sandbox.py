"""A guest against the local Zoom sandbox over real HTTP: invited, registered at "Zoom", sent on
by their link to their own registrant link there, then revoked: cancelled at "Zoom" and refused
by the route."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings import services as meeting_services
from meetings.guests import services
from meetings.guests.models import GuestRegistrant
from meetings.joining.links import join_url_for_guest

from .conftest import sandbox_account_set

pytestmark = pytest.mark.django_db


def test_a_guest_is_registered_joins_and_is_cancelled_at_the_sandbox(alpha, sandbox):
    # given: alpha's Zoom is the sandbox's demo account (Server-to-Server), a class in 5 minutes
    with schema_context(alpha.schema):
        sandbox_account_set(sandbox)
        meeting = meeting_services.meeting_schedule(
            actor=alpha.users["teacher"],
            school_class=alpha.school_class,
            title="Physics",
            start_time=timezone.now() + timedelta(minutes=5),
        )
        assert meeting.on_zoom

        # when: a guest is invited and the worker registers them
        guest = services.guest_invite(
            meeting=meeting, name="Gail Guest", email="gail@example.org", by=alpha.users["admin"]
        )
        report = services.guest_register(guest_id=guest.pk)
        path = urlsplit(join_url_for_guest(guest=guest)).path
    zoom_meeting_id = int(meeting.zoom_meeting_id)
    (at_zoom,) = sandbox.state.registrants[zoom_meeting_id]

    # then: "Zoom" holds the guest as a registrant, and the link sends them to their own link
    assert report.registered == 1
    assert (at_zoom.email, at_zoom.first_name, at_zoom.last_name) == (
        "gail@example.org",
        "Gail",
        "Guest",
    )
    client = Client(HTTP_HOST=alpha.host)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == sandbox.state.registrant_join_url(at_zoom)

    # when: the invitation is revoked and the worker cancels the registration
    with schema_context(alpha.schema):
        services.guest_revoke(guest=guest, by=alpha.users["teacher"])
        assert services.guest_registration_cancel(guest_id=guest.pk) == 1
        row = GuestRegistrant.objects.get(guest=guest)

    # then: cancelled at "Zoom" and here, and the link no longer opens
    assert at_zoom.status == "cancelled"
    assert row.status == GuestRegistrant.Status.CANCELLED
    refused = client.get(path)
    assert refused.status_code == 403
    assert "Location" not in refused


def test_a_class_on_the_schools_account_is_hosted_by_its_teacher_at_the_sandbox(alpha, sandbox):
    """Server-to-Server: the meeting is made for the teacher's Zoom user, not the account's
    owner ("me": the sandbox's Demo Admin), when Zoom knows the teacher; else for the owner."""
    # given: the teacher is a user of the school's Zoom account
    sandbox.state.add_user(
        email=alpha.users["teacher"].email,
        first_name="Alpha",
        last_name="Teacher",
        account_id="demo-account",
    )
    with schema_context(alpha.schema):
        sandbox_account_set(sandbox)

        # when
        meeting = meeting_services.meeting_schedule(
            actor=alpha.users["teacher"],
            school_class=alpha.school_class,
            title="Chemistry",
            start_time=timezone.now() + timedelta(minutes=5),
        )

    # then
    zoom_meeting = sandbox.state.meetings[int(meeting.zoom_meeting_id)]
    assert zoom_meeting.host_email == alpha.users["teacher"].email
    assert zoom_meeting.host_email != "admin@demo.test"
