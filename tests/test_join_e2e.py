"""From "class scheduled" to "student in the Zoom room", across real processes, as the README
walks a newcomer through it: the teacher schedules over GraphQL on a real daphne, a real worker
mails the invitation through real SMTP to the sandbox's mail catcher, the student opens the
platform link from that mail and is sent to their own Zoom registrant link, the teacher starts
the class from the start link, the student joins from the sandbox's room, and the room's signed
webhooks make them a verified participant of the class."""

import re
import uuid
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from attendance.models import ParticipantSession, WebhookEvent
from meetings.models import Meeting, ZoomSettings
from tenants.accounts.models import ApiToken
from tenants.accounts.services import api_token_create
from tenants.mail.models import OutboundMail
from zoom_sandbox.room import WebhookTarget
from zoom_sandbox.server import SandboxServer
from zoom_sandbox.users import DEMO_ACCOUNT_ID

from .support import (
    committed_in,
    daphne_start,
    daphne_stop,
    wait_for,
    worker_start,
    worker_stop,
)
from .support import zoom_settings_set as _zoom_settings_set

pytestmark = pytest.mark.django_db
SECRET = "join-e2e-webhook-secret"
SCHEDULE = """mutation($input: ScheduleMeetingInput!) {
  scheduleMeeting(input: $input) { meeting { id } errors { field message } } }"""
START = """mutation($id: ID!) { startClass(meetingId: $id) { startUrl errors { message } } }"""


@pytest.fixture
def stack(worlds):
    """A sandbox with its mail catcher, daphne and a worker pointed at it, alpha's Zoom settings
    on the sandbox's Server-to-Server app, and a teacher's API token; all undone afterwards."""
    world = worlds["a"]
    with SandboxServer(smtp_port=0, log=lambda line: None) as sandbox:
        env = {
            "DRAMATIQ_NAMESPACE": f"liveroll-test-join-{uuid.uuid4().hex[:8]}",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": sandbox.smtp.host,
            "EMAIL_PORT": str(sandbox.smtp.port),
            "LIVEROLL_ZOOM_ALLOWED_BASES": f"https://zoom.test,{sandbox.url}",
        }
        web, port = daphne_start(env)
        worker = worker_start(env, queues=["default", "webhooks"])
        webhooks = f"http://127.0.0.1:{port}/webhooks/zoom/"
        sandbox.state.rooms.target_set(DEMO_ACCOUNT_ID, WebhookTarget(webhooks, SECRET, world.host))

        def arrange():
            _zoom_settings_set(
                zoom_url=sandbox.url,
                client_id="demo-client-id",
                client_secret="demo-client-secret",
                account_id=DEMO_ACCOUNT_ID,
                webhook_secret_token=SECRET,
            )
            return api_token_create(user=world.users["teacher"], name="join e2e")[1]

        token = committed_in(world.schema, arrange)
        try:
            yield world, sandbox, port, token
        finally:
            worker_stop(worker)
            daphne_stop(web)

            def clean():
                Meeting.objects.filter(title="Joined maths").delete()
                WebhookEvent.objects.all().delete()
                OutboundMail.objects.all().delete()
                ApiToken.objects.filter(name="join e2e").delete()
                ZoomSettings.objects.all().delete()

            committed_in(world.schema, clean)


def _graphql(port, world, token, query, **variables):
    response = requests.post(
        f"http://127.0.0.1:{port}/graphql/",
        json={"query": query, "variables": variables},
        headers={"Host": world.host, "Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def test_a_student_opens_the_invitation_link_and_joins_the_class(stack):
    world, sandbox, port, token = stack
    student = world.users["student"]

    # given: the teacher schedules a class starting in five minutes (the join window is open)
    start = (timezone.now() + timedelta(minutes=5)).replace(microsecond=0)
    scheduled = _graphql(
        port,
        world,
        token,
        SCHEDULE,
        input={
            "classId": str(world.school_class.pk),
            "title": "Joined maths",
            "startTime": start.isoformat(),
            "durationMinutes": 45,
        },
    )["scheduleMeeting"]
    assert scheduled["errors"] == []
    meeting_id = scheduled["meeting"]["id"]

    # when: the worker mails the student the invitation, through SMTP, to the catcher
    def invitation():
        """the student's invitation in the mail catcher"""
        found = requests.get(f"{sandbox.url}/mail/api/messages", timeout=5).json()
        return next((m for m in found if m["to"] == student.email), None)

    mail = wait_for(invitation)
    assert "Joined maths" in mail["subject"]
    [link] = set(re.findall(r"https?://[^\s\"<>]+/join/[^\s\"<>/]+/", mail["text"]))
    assert sandbox.url not in mail["text"] and sandbox.url not in mail["html"]

    # and opens the platform link from it (a browser with no session: the first device)
    path = "/join/" + link.split("/join/", 1)[1]
    opened = requests.get(
        f"http://127.0.0.1:{port}{path}", headers={"Host": world.host}, allow_redirects=False
    )

    # then: they are sent to their own Zoom registrant link, and only there
    assert opened.status_code == 302, opened.text[:500]
    zoom_link = opened.headers["Location"]
    assert zoom_link.startswith(f"{sandbox.url}/w/")
    assert "Joining as" in requests.get(zoom_link, timeout=5).text

    # when: the teacher starts the class from the start link, and the student joins the room
    start_url = _graphql(port, world, token, START, id=meeting_id)["startClass"]["startUrl"]
    assert "You are hosting" in requests.post(start_url, data={"action": "start"}).text
    joined = requests.post(zoom_link, data={"action": "join"}, timeout=5)
    assert "You are in the meeting" in joined.text

    # then: Zoom's events reach the school, and the student is in the class, verified
    def in_the_room():
        """the student as a verified participant"""
        return committed_in(
            world.schema,
            lambda: list(
                ParticipantSession.objects.filter(
                    meeting_id=meeting_id, user=student, left_at__isnull=True
                ).values_list("verified", flat=True)
            ),
        )

    assert wait_for(in_the_room) == [True]
    assert committed_in(
        world.schema, lambda: Meeting.objects.get(pk=meeting_id).status == Meeting.Status.STARTED
    )
