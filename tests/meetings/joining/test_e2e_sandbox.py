"""The whole join path against the Zoom sandbox over real HTTP: a class on the school's account,
a student's email link registering them on the fly and landing in the sandbox's room, then the
student leaving the class: their Zoom link stops working and the platform link refuses."""

from datetime import timedelta

import pytest
import requests
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings import services
from meetings.models import Registrant
from tenants.school.models import Enrolment

from ..conftest import sandbox_account_set
from .test_route import link

pytestmark = pytest.mark.django_db


def test_a_student_lands_in_the_sandbox_room_and_loses_it_on_leaving_the_class(alpha, sandbox):
    # given: the school's Server-to-Server account is the sandbox's demo account
    with schema_context(alpha.schema):
        sandbox_account_set(sandbox)
        meeting = services.meeting_schedule(
            actor=alpha.users["teacher"],
            school_class=alpha.school_class,
            title="Chemistry",
            start_time=timezone.now() + timedelta(minutes=5),
        )
    student = alpha.users["student"]
    url = link(alpha, meeting, student)

    # when: the student opens the email link (nobody registered them yet)
    phone = Client(HTTP_HOST=alpha.host)
    response = phone.get(url)

    # then: redirected to their own registrant link, which opens the sandbox's room as them
    assert response.status_code == 302
    zoom_link = response["Location"]
    assert zoom_link.startswith(f"{sandbox.url}/w/{meeting.zoom_meeting_id}?tk=")
    room = requests.get(zoom_link, timeout=5)
    assert room.status_code == 200 and f"as {student.name}" in room.text
    assert phone.get(url)["Location"] == zoom_link  # rejoin: the same link

    # when: the student leaves the class (the actor's body)
    with schema_context(alpha.schema):
        Enrolment.objects.filter(student=student).delete()
        services.registrants_cancel_for_student(
            school_class_id=alpha.school_class.pk, student_id=student.pk
        )
        assert Registrant.objects.get(meeting=meeting, user=student).status == "cancelled"

    # then: Zoom's link is dead and the platform's refuses
    assert requests.get(zoom_link, timeout=5).status_code == 404
    refused = phone.get(url)
    assert refused.status_code == 403 and zoom_link not in refused.content.decode()


def test_cancelling_the_class_cancels_the_registrants_in_the_sandbox(alpha, sandbox):
    with schema_context(alpha.schema):
        sandbox_account_set(sandbox)
        meeting = services.meeting_schedule(
            actor=alpha.users["teacher"],
            school_class=alpha.school_class,
            title="Chemistry",
            start_time=timezone.now() + timedelta(minutes=5),
        )
        services.registrants_sync(meeting_ids=[meeting.pk])
        zoom_link = Registrant.objects.get(meeting=meeting).join_url
    assert requests.get(zoom_link, timeout=5).status_code == 200
    registrants = sandbox.state.registrants[int(meeting.zoom_meeting_id)]

    with schema_context(alpha.schema):
        services.meeting_cancel(actor=alpha.users["teacher"], meeting=meeting)

    assert [r.status for r in registrants] == ["cancelled"]  # before the meeting went
    response = alpha.client("student").get(link(alpha, meeting, alpha.users["student"]))
    assert response.status_code == 404
