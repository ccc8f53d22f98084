"""The join route, against the real view: every outcome of opening a personal link."""

import logging
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.joining.links import join_token_make
from meetings.joining.services import DEVICE_COOKIE
from meetings.models import Meeting, Registrant
from tenants.accounts.models import User
from tenants.audit.models import AuditEntry
from tenants.models import Organisation
from tenants.school.models import Enrolment

from ..conftest import API, OAUTH, token_body
from .conftest import meeting_make

pytestmark = pytest.mark.django_db

SECRET = "secret-tk"  # what every Zoom registrant link here carries: it must leak nowhere


def zoom_link(email: str) -> str:
    return f"https://zoom.test/w/777?tk={SECRET}-{email}"


@pytest.fixture
def zoom(zoom_alpha, requests_mock):
    """alpha's Zoom account answers: a token, and a registrant link per email."""

    def registrant(request, context):
        email = request.json()["email"]
        context.status_code = 201
        return {"registrant_id": f"reg-{email}", "join_url": zoom_link(email), "id": 777}

    requests_mock.post(f"{OAUTH}/oauth/token", json=token_body("acct-token", refresh=None))
    requests_mock.post(f"{API}/meetings/777/registrants", json=registrant)
    return requests_mock


def link(world, meeting, user) -> str:
    with schema_context(world.schema):
        return f"/join/{join_token_make(meeting_id=meeting.pk, kind='u', subject_id=user.pk)}/"


def registrations(requests_mock) -> int:
    return sum(1 for r in requests_mock.request_history if r.path.endswith("/registrants"))


def audits(world, action="join."):
    with schema_context(world.schema):
        return list(AuditEntry.objects.filter(action__startswith=action).order_by("id"))


def assert_no_zoom_link(response):
    """A refusal: no redirect anywhere, and no Zoom link in the page."""
    assert response.status_code != 302 and "Location" not in response
    assert SECRET not in response.content.decode()
    assert "zoom.test" not in response.content.decode()


# --- the owner gets in -------------------------------------------------------------------------


def test_the_owner_signed_in_is_sent_to_their_zoom_link_every_time(alpha, zoom, class_meeting):
    # given
    student = alpha.users["student"]
    client = alpha.client("student")
    url = link(alpha, class_meeting, student)

    # when: joins, drops, rejoins
    first = client.get(url)
    again = client.get(url)

    # then
    for response in (first, again):
        assert response.status_code == 302
        assert response["Location"] == zoom_link(student.email)
        assert response["Cache-Control"] == "no-store"
        assert response["Referrer-Policy"] == "no-referrer"
        assert response.content == b""
    assert registrations(zoom) == 1  # registered on the fly once, then the stored link
    with schema_context(alpha.schema):
        row = Registrant.objects.get(meeting=class_meeting, user=student)
    assert row.status == Registrant.Status.REGISTERED
    joined = audits(alpha, "join.redirected")
    assert len(joined) == 2
    assert joined[0].actor_id == student.pk
    assert joined[0].target_id == str(class_meeting.pk)
    assert joined[0].ip_hash and joined[0].details == {
        "reason": "ok",
        "subject": f"u{student.pk}",
        "via": "session",
    }


def test_a_student_the_worker_registered_is_sent_on_without_calling_zoom(
    alpha, zoom, class_meeting
):
    student = alpha.users["student"]
    with schema_context(alpha.schema):
        Registrant.objects.create(
            meeting=class_meeting,
            user=student,
            status=Registrant.Status.REGISTERED,
            zoom_registrant_id="r1",
            join_url="https://zoom.test/w/777?tk=secret-tk-worker",
        )
    response = alpha.client("student").get(link(alpha, class_meeting, student))
    assert response.status_code == 302
    assert response["Location"] == "https://zoom.test/w/777?tk=secret-tk-worker"
    assert registrations(zoom) == 0


# --- the email link without a session: bound to the first device ---------------------------


def test_the_email_link_works_again_on_the_first_device_and_nowhere_else(
    alpha, zoom, class_meeting
):
    # given
    student = alpha.users["student"]
    url = link(alpha, class_meeting, student)
    phone, laptop = Client(HTTP_HOST=alpha.host), Client(HTTP_HOST=alpha.host)

    # when
    first = phone.get(url)
    again = phone.get(url)
    elsewhere = laptop.get(url)

    # then
    assert first.status_code == 302 and again.status_code == 302
    cookie = first.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/join/"
    assert elsewhere.status_code == 403
    assert_no_zoom_link(elsewhere)
    sign_in = re.search(r'href="([^"]+)" data-test-id="sign-in"', elsewhere.content.decode())
    assert sign_in and sign_in.group(1) == f"/accounts/login/?next={url.replace('/', '%2F')}"
    with schema_context(alpha.schema):
        stored = class_meeting.join_devices.get()
    assert stored.device_hash != cookie.value and cookie.value not in stored.device_hash
    vias = [e.details.get("via") or e.details["reason"] for e in audits(alpha)]
    assert vias == ["first_device", "same_device", "other_device"]


def test_the_owner_signed_in_gets_in_from_any_device(alpha, zoom, class_meeting):
    student = alpha.users["student"]
    url = link(alpha, class_meeting, student)
    assert Client(HTTP_HOST=alpha.host).get(url).status_code == 302  # binds another device

    response = alpha.client("student").get(url)

    assert response.status_code == 302


def test_signing_in_from_the_sign_in_page_comes_back_to_the_link(alpha, zoom, class_meeting):
    from ...conftest import PASSWORD

    student = alpha.users["student"]
    url = link(alpha, class_meeting, student)
    Client(HTTP_HOST=alpha.host).get(url)
    laptop = Client(HTTP_HOST=alpha.host)

    signed = laptop.post(
        f"/accounts/login/?next={url}",
        {"username": student.email, "password": PASSWORD},
    )

    assert signed.status_code == 302 and signed["Location"] == url
    assert laptop.get(url).status_code == 302


# --- the window -------------------------------------------------------------------------------


def test_before_the_window_a_page_counts_down_in_the_schools_timezone_without_the_persons(
    alpha, zoom
):
    # given: a person with no zone of their own, in a school whose default is Dhaka time
    start = (timezone.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    meeting = meeting_make(alpha, start=start, timezone="America/New_York")
    student = alpha.users["student"]
    Organisation.objects.filter(pk=alpha.org.pk).update(timezone="Asia/Dhaka")
    with schema_context(alpha.schema):
        User.objects.filter(pk=student.pk).update(timezone="")

    response = alpha.client("student").get(link(alpha, meeting, student))

    assert response.status_code == 200
    page = response.content.decode()
    opens = start - timedelta(minutes=10)
    assert f'data-opens-at="{opens.isoformat()}"' in page
    local = opens.astimezone(ZoneInfo("Asia/Dhaka"))
    assert f"{local:%H:%M} (Asia/Dhaka)" in page
    assert re.search(r'<script src="/static/joining/countdown\.js" defer></script>', page)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # no inline script (the CSP)
    assert registrations(zoom) == 0 and audits(alpha) == []


def test_the_countdown_is_in_the_students_own_timezone_when_they_set_one(alpha, zoom):
    start = (timezone.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    meeting = meeting_make(alpha, start=start, timezone="Asia/Dhaka")
    student = alpha.users["student"]
    with schema_context(alpha.schema):
        User.objects.filter(pk=student.pk).update(timezone="America/Lima")

    page = alpha.client("student").get(link(alpha, meeting, student)).content.decode()

    local = (start - timedelta(minutes=10)).astimezone(ZoneInfo("America/Lima"))
    assert f"{local:%H:%M} (America/Lima)" in page and "Asia/Dhaka" not in page


def test_the_countdown_script_is_served_from_this_host(alpha):
    response = Client(HTTP_HOST=alpha.host).get("/static/joining/countdown.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert "data-opens-at" in body and "location.reload" in body


def test_a_started_class_can_be_joined_before_the_window(alpha, zoom):
    meeting = meeting_make(
        alpha, start=timezone.now() + timedelta(hours=1), status=Meeting.Status.STARTED
    )
    response = alpha.client("student").get(link(alpha, meeting, alpha.users["student"]))
    assert response.status_code == 302


def test_after_the_end_and_grace_a_page_says_the_class_ended(alpha, zoom):
    meeting = meeting_make(alpha, start=timezone.now() - timedelta(minutes=45 + 16))

    response = alpha.client("student").get(link(alpha, meeting, alpha.users["student"]))

    assert response.status_code == 410
    assert b"This class has ended" in response.content
    assert_no_zoom_link(response)
    assert registrations(zoom) == 0


def test_within_the_grace_after_the_end_a_dropped_student_rejoins(alpha, zoom):
    meeting = meeting_make(alpha, start=timezone.now() - timedelta(minutes=45 + 14))
    response = alpha.client("student").get(link(alpha, meeting, alpha.users["student"]))
    assert response.status_code == 302


# --- refusals: a clear page, no Zoom link, audited -----------------------------------------


def _refused(world, response, status, reason):
    assert response.status_code == status, response.content
    assert f'data-reason="{reason}"' in response.content.decode()
    assert_no_zoom_link(response)
    denied = audits(world, "join.denied")
    assert [e.details["reason"] for e in denied] == [reason]
    assert denied[0].ip_hash  # keyed hash, never the address
    assert "127.0.0.1" not in str(denied[0].details)
    return denied[0]


def test_a_cancelled_meeting_is_refused(alpha, zoom):
    meeting = meeting_make(alpha, status=Meeting.Status.CANCELLED)
    response = alpha.client("student").get(link(alpha, meeting, alpha.users["student"]))
    entry = _refused(alpha, response, 404, "cancelled")
    assert entry.target_id == str(meeting.pk)
    assert registrations(zoom) == 0


def test_an_unenrolled_student_is_refused(alpha, zoom, class_meeting):
    student = alpha.users["student"]
    url = link(alpha, class_meeting, student)
    with schema_context(alpha.schema):
        Enrolment.objects.filter(student=student).delete()

    for client in (alpha.client("student"), Client(HTTP_HOST=alpha.host)):
        response = client.get(url)
        assert response.status_code == 403
        assert_no_zoom_link(response)
    assert registrations(zoom) == 0
    assert [e.details["reason"] for e in audits(alpha, "join.denied")] == ["not_allowed"] * 2


def test_a_cancelled_registration_is_refused(alpha, zoom, class_meeting):
    student = alpha.users["student"]
    with schema_context(alpha.schema):
        Registrant.objects.create(
            meeting=class_meeting,
            user=student,
            status=Registrant.Status.CANCELLED,
            join_url=zoom_link(student.email),
        )
    response = alpha.client("student").get(link(alpha, class_meeting, student))
    _refused(alpha, response, 403, "registration_cancelled")
    assert registrations(zoom) == 0


def test_a_forged_or_altered_token_is_refused(alpha, zoom, class_meeting):
    url = link(alpha, class_meeting, alpha.users["student"])
    altered = url[:-2] + ("A" if url[-2] != "A" else "B") + "/"

    response = Client(HTTP_HOST=alpha.host).get(altered)

    entry = _refused(alpha, response, 404, "bad_token")
    assert entry.target_id == str(class_meeting.pk)  # what it claimed to open, for admins
    assert entry.details["claimed_subject"] == f"u{alpha.users['student'].pk}"
    garbage = Client(HTTP_HOST=alpha.host).get("/join/not-a-token/")
    assert garbage.status_code == 404
    assert_no_zoom_link(garbage)


def test_another_schools_token_is_refused(alpha, beta, zoom, class_meeting):
    with schema_context(beta.schema):
        betas = join_token_make(
            meeting_id=class_meeting.pk, kind="u", subject_id=alpha.users["student"].pk
        )

    response = alpha.client("student").get(f"/join/{betas}/")

    _refused(alpha, response, 404, "bad_token")
    assert audits(beta) == []
    assert registrations(zoom) == 0


def test_another_persons_token_while_signed_in_is_refused(alpha, zoom, class_meeting):
    students_link = link(alpha, class_meeting, alpha.users["student"])

    response = alpha.client("parent").get(students_link)

    entry = _refused(alpha, response, 403, "other_person")
    assert entry.actor_id == alpha.users["parent"].pk
    assert entry.details["subject"] == f"u{alpha.users['student'].pk}"
    assert registrations(zoom) == 0


@pytest.mark.parametrize("role", ["teacher", "admin"])
def test_those_who_start_the_class_are_not_sent_in_as_attendees(alpha, zoom, class_meeting, role):
    response = alpha.client(role).get(link(alpha, class_meeting, alpha.users[role]))
    _refused(alpha, response, 403, "not_allowed")


def test_a_guest_token_without_the_guests_app_is_not_found(alpha, class_meeting):
    with schema_context(alpha.schema):
        token = join_token_make(meeting_id=class_meeting.pk, kind="g", subject_id=1)
    response = Client(HTTP_HOST=alpha.host).get(f"/join/{token}/")
    assert response.status_code == 404


def test_refusals_are_in_the_admins_audit_log_and_only_theirs(alpha, zoom, class_meeting, gql):
    Client(HTTP_HOST=alpha.host).get("/join/1.u1.AAAAAAAAAAAAAAAAAAAAAA/")
    alpha.client("student").get(link(alpha, class_meeting, alpha.users["student"]))
    query = '{ auditLog(action: "join.") { items { action actor targetId details } } }'

    items = gql(alpha, "admin").ok(query)["auditLog"]["items"]

    assert sorted(i["action"] for i in items) == ["join.denied", "join.redirected"]
    assert SECRET not in str(items)
    assert "errors" in gql(alpha, "student")(query)


# --- Zoom failing, throttles ------------------------------------------------------------------


def test_when_zoom_fails_a_page_asks_to_try_again(alpha, zoom, class_meeting):
    zoom.post(f"{API}/meetings/777/registrants", status_code=500, json={"code": 500})

    response = alpha.client("student").get(link(alpha, class_meeting, alpha.users["student"]))

    assert response.status_code == 503 and response["Retry-After"]
    assert_no_zoom_link(response)
    assert [e.details["reason"] for e in audits(alpha, "join.failed")] == ["zoom_unavailable"]


def test_a_meeting_not_on_zoom_yet_asks_to_try_again(alpha, zoom):
    meeting = meeting_make(alpha, zoom_meeting_id="")
    response = alpha.client("student").get(link(alpha, meeting, alpha.users["student"]))
    assert response.status_code == 503


def test_attempts_on_one_link_are_throttled(alpha, zoom, class_meeting, settings):
    settings.LIVEROLL_JOIN_ATTEMPTS_PER_TOKEN = 3
    client = alpha.client("student")
    url = link(alpha, class_meeting, alpha.users["student"])

    codes = [client.get(url).status_code for _ in range(4)]

    assert codes == [302, 302, 429, 429]
    response = client.get(url)
    assert int(response["Retry-After"]) > 0 and b"Too many attempts" in response.content
    assert_no_zoom_link(response)
    assert [e.details["by"] for e in audits(alpha, "join.throttled")] == ["token"]
    # another student's link is not affected
    other = link(alpha, class_meeting, alpha.users["parent"])
    assert client.get(other).status_code != 429


def test_failed_attempts_from_one_address_are_throttled(alpha, zoom, class_meeting, settings):
    settings.LIVEROLL_JOIN_FAILURES_PER_IP = 3
    client = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="203.0.113.9")
    for n in range(3):
        assert client.get(f"/join/{n}.u1.AAAAAAAAAAAAAAAAAAAAAA/").status_code == 404

    good = client.get(link(alpha, class_meeting, alpha.users["student"]))
    elsewhere = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="203.0.113.10").get(
        link(alpha, class_meeting, alpha.users["student"])
    )

    assert good.status_code == 429
    assert elsewhere.status_code == 302
    assert [e.details["by"] for e in audits(alpha, "join.throttled")] == ["address"]


# --- the raw Zoom link goes nowhere but the redirect ------------------------------------------


def test_the_zoom_link_is_in_no_log_line_page_or_audit_entry(
    alpha, zoom, class_meeting, caplog, gql
):
    caplog.set_level(logging.DEBUG)
    student = alpha.users["student"]
    url = link(alpha, class_meeting, student)
    bodies = []
    for client in (
        alpha.client("student"),
        Client(HTTP_HOST=alpha.host),
        Client(HTTP_HOST=alpha.host),
    ):
        response = client.get(url)
        bodies.append(response.content.decode())
    zoom.post(f"{API}/meetings/777/registrants", status_code=500, json={"code": 500})
    bodies.append(
        alpha.client("student").get(link(alpha, meeting_make(alpha), student)).content.decode()
    )
    bodies.append(
        str(gql(alpha, "student").ok("{ meetings { items { joinUrl registrants { status } } } }"))
    )
    bodies.append(str(gql(alpha, "admin").ok("{ auditLog { items { details } } }")))

    assert SECRET not in caplog.text
    assert url not in caplog.text  # nor the personal link itself (Django's 4xx lines)
    assert all(SECRET not in body for body in bodies)
    with schema_context(alpha.schema):
        assert SECRET not in str(list(AuditEntry.objects.values()))


def test_of_two_devices_racing_to_bind_a_link_one_wins(alpha, class_meeting):
    from meetings.joining.services import _device_bind
    from meetings.joining.subjects import JoinSubject

    subject = JoinSubject(kind="u", pk=alpha.users["student"].pk, label="", timezone="")
    with schema_context(alpha.schema):
        first = _device_bind(meeting=class_meeting, subject=subject, device_hash="a" * 64)
        second = _device_bind(meeting=class_meeting, subject=subject, device_hash="b" * 64)
        held = list(class_meeting.join_devices.values_list("device_hash", flat=True))
    assert (first, second) == (True, False)
    assert held == ["a" * 64]
