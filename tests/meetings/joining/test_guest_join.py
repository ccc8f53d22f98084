"""A guest's way in: the invitation mail (through the outbox) with their personal link, and
that link against the real join route — only their meeting (or their series' sessions), only in
the join window, the first device only, and never again once revoked."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.guests import services
from meetings.guests.models import GuestRegistrant
from meetings.joining.links import join_token_make, join_url_for_guest
from meetings.joining.services import DEVICE_COOKIE
from meetings.models import MeetingSeries
from tenants.audit.models import AuditEntry

from ...support import mail_deliver_pending
from .conftest import meeting_make
from .test_route import SECRET, assert_no_zoom_link, audits, registrations, zoom_link
from .test_route import zoom as zoom  # noqa: F401 - the fixture: alpha's Zoom answers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zoom")]


def invite(world, meeting=None, series=None, email="gail@example.org"):
    with schema_context(world.schema):
        return services.guest_invite(
            meeting=meeting,
            series=series,
            name="Gail Guest",
            email=email,
            by=world.users["teacher"],
        )


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def guest_link(world, guest, meeting=None) -> str:
    with schema_context(world.schema):
        return path_of(join_url_for_guest(guest=guest, meeting=meeting))


def test_the_guest_receives_their_link_by_mail_and_it_takes_them_to_zoom(alpha):
    # given: a class starting in five minutes, a guest invited to it
    meeting = meeting_make(alpha)
    guest = invite(alpha, meeting)

    # when: the outbox delivers, and the guest opens the link in the mail (no account)
    with schema_context(alpha.schema):
        (mail,) = mail_deliver_pending()
    html = mail.alternatives[0][0]
    (url,) = re.findall(r"https?://\S+/join/[^/\s]+/", mail.body)
    response = Client(HTTP_HOST=alpha.host).get(path_of(url))

    # then: the mail names the class and carries the platform link only; the link gets in
    assert mail.to == ["gail@example.org"]
    assert "Algebra" in mail.subject and "Alpha School" in mail.subject
    assert "Gail Guest" in mail.body and url in html
    assert SECRET not in mail.body + html and "zoom.test" not in mail.body + html
    assert url.startswith(f"http://{alpha.host}")
    assert response.status_code == 302
    assert response["Location"] == zoom_link("gail@example.org")
    with schema_context(alpha.schema):
        row = GuestRegistrant.objects.get(guest=guest)
    assert row.status == GuestRegistrant.Status.REGISTERED  # registered on the fly
    (joined,) = audits(alpha, "join.redirected")
    assert joined.actor_id is None and joined.actor_label == "gail@example.org"
    assert joined.details == {"reason": "ok", "subject": f"g{guest.pk}", "via": "first_device"}


def test_a_forwarded_guest_link_works_on_the_first_device_only(alpha):
    meeting = meeting_make(alpha)
    guest = invite(alpha, meeting)
    url = guest_link(alpha, guest)
    first, other = Client(HTTP_HOST=alpha.host), Client(HTTP_HOST=alpha.host)

    opened = first.get(url)
    again = first.get(url)  # a dropped connection: rejoins
    forwarded = other.get(url)

    assert opened.status_code == again.status_code == 302
    assert DEVICE_COOKIE in opened.cookies
    assert forwarded.status_code == 403
    assert_no_zoom_link(forwarded)
    assert b"sign-in" not in forwarded.content  # a guest has no account to sign in with
    (denied,) = audits(alpha, "join.denied")
    assert denied.details["reason"] == "other_device"


def test_a_revoked_guest_gets_a_clear_page_audited(alpha):
    meeting = meeting_make(alpha)
    guest = invite(alpha, meeting)
    url = guest_link(alpha, guest)
    client = Client(HTTP_HOST=alpha.host)
    assert client.get(url).status_code == 302
    with schema_context(alpha.schema):
        services.guest_revoke(guest=guest, by=alpha.users["teacher"])

    response = client.get(url)

    assert response.status_code == 403
    assert_no_zoom_link(response)
    assert 'data-reason="guest_revoked"' in response.content.decode()
    (denied,) = audits(alpha, "join.denied")
    assert denied.details == {"reason": "guest_revoked", "subject": f"g{guest.pk}"}
    assert denied.ip_hash
    # and the guest is told by mail
    with schema_context(alpha.schema):
        sent = mail_deliver_pending()
    assert [m.to for m in sent][-1] == ["gail@example.org"]
    assert "withdrawn" in sent[-1].subject


def test_a_guest_link_opens_only_its_own_meeting(alpha, requests_mock):
    meeting, other = meeting_make(alpha), meeting_make(alpha)
    guest = invite(alpha, meeting)

    response = Client(HTTP_HOST=alpha.host).get(guest_link(alpha, guest, meeting=other))

    assert response.status_code == 403
    assert_no_zoom_link(response)
    assert audits(alpha, "join.denied")[0].details["reason"] == "not_allowed"
    assert registrations(requests_mock) == 0


def test_a_series_guest_joins_any_of_its_sessions(alpha):
    with schema_context(alpha.schema):
        series = MeetingSeries.objects.create(
            school_class=alpha.school_class,
            host=alpha.users["teacher"],
            title="Weekly",
            recurrence={},
        )
    now = meeting_make(alpha, series=series, zoom_occurrence_id="o1")
    later = meeting_make(
        alpha, series=series, zoom_occurrence_id="o2", start=timezone.now() + timedelta(days=7)
    )
    guest = invite(alpha, series=series)
    with schema_context(alpha.schema):
        (mail,) = mail_deliver_pending()

    response = Client(HTTP_HOST=alpha.host).get(guest_link(alpha, guest, meeting=now))
    early = Client(HTTP_HOST=alpha.host).get(guest_link(alpha, guest, meeting=later))

    assert len(re.findall(r"/join/[^/\s]+/", mail.body)) == 2  # one link per session
    assert response.status_code == 302
    assert early.status_code == 200  # before its window: the countdown page
    assert 'data-reason="too_early"' in early.content.decode()
    assert_no_zoom_link(early)


def test_after_the_class_the_guest_link_has_expired(alpha):
    meeting = meeting_make(alpha, start=timezone.now() - timedelta(hours=3))
    with schema_context(alpha.schema):
        from meetings.guests.models import Guest

        guest = Guest.objects.create(meeting=meeting, name="Gail", email="g@example.org")

    response = Client(HTTP_HOST=alpha.host).get(guest_link(alpha, guest))

    assert response.status_code == 410
    assert_no_zoom_link(response)


def test_an_altered_or_other_schools_guest_token_is_not_found(alpha, beta):
    meeting = meeting_make(alpha)
    guest = invite(alpha, meeting)
    url = guest_link(alpha, guest)
    with schema_context(alpha.schema):
        forged = (
            f"/join/{join_token_make(meeting_id=meeting.pk, kind='g', subject_id=guest.pk + 1)}/"
        )

    altered = Client(HTTP_HOST=alpha.host).get(
        url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    )
    elsewhere = Client(HTTP_HOST=beta.host).get(url)
    nobody = Client(HTTP_HOST=alpha.host).get(forged)

    assert altered.status_code == elsewhere.status_code == nobody.status_code == 404
    for response in (altered, elsewhere, nobody):
        assert_no_zoom_link(response)
    with schema_context(beta.schema):
        assert AuditEntry.objects.filter(action="join.denied").count() == 1


def test_someone_signed_in_cannot_use_a_guests_link(alpha):
    meeting = meeting_make(alpha)
    guest = invite(alpha, meeting)

    response = alpha.client("student").get(guest_link(alpha, guest))

    assert response.status_code == 403
    assert audits(alpha, "join.denied")[0].details["reason"] == "other_person"
