"""The mail catcher of `make up`: SMTP in, the last messages kept in memory, a page and a JSON
list on the sandbox's HTTP port."""

import json
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage

import pytest

from zoom_sandbox.mailcatcher import MailBox
from zoom_sandbox.server import SandboxServer


@pytest.fixture
def sandbox():
    server = SandboxServer(smtp_port=0).start()
    yield server
    server.stop()


def send(
    server, *, to="pupil@alpha.test", subject="Hello", text="plain words", html=None, ics=None
):
    message = EmailMessage()
    message["From"] = "Alpha School <no-reply@localhost>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = "<abc@localhost>"
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if ics is not None:
        message.add_attachment(ics, subtype="calendar", filename="invite.ics")
    with smtplib.SMTP(server.smtp.host, server.smtp.port, timeout=5) as smtp:
        smtp.send_message(message)


def get(server, path, method="GET"):
    request = urllib.request.Request(server.url + path, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def messages(server):
    status, headers, body = get(server, "/mail/api/messages")
    assert status == 200 and headers["Content-Type"] == "application/json"
    return json.loads(body)


def test_mail_sent_over_smtp_is_listed_newest_first(sandbox):
    send(sandbox, subject="first", html="<p>one</p>", ics="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    send(sandbox, to="other@alpha.test", subject="second", text="two")

    listed = messages(sandbox)

    assert [m["subject"] for m in listed] == ["second", "first"]
    first = listed[1]
    assert first["to"] == "pupil@alpha.test"
    assert first["text"] == "plain words\n" and first["html"] == "<p>one</p>\n"
    assert first["from"] == "Alpha School <no-reply@localhost>"
    assert first["message_id"] == "<abc@localhost>" and first["date"].endswith("+00:00")
    [attachment] = first["attachments"]
    assert attachment["filename"] == "invite.ics" and attachment["content_type"] == "text/calendar"
    assert "BEGIN:VCALENDAR" in attachment["content"]
    assert listed[0]["html"] == ""


def test_delete_clears_the_box(sandbox):
    send(sandbox)
    status, _, body = get(sandbox, "/mail/api/messages", method="DELETE")
    assert status == 200 and json.loads(body) == {"deleted": 1}
    assert messages(sandbox) == []


def test_the_box_keeps_only_the_latest():
    box = MailBox(keep=3)
    for n in range(5):
        box.add(f"Subject: m{n}\r\nTo: a@b.test\r\n\r\nbody\r\n".encode(), ["a@b.test"], "x@y")
    assert [m.subject for m in box.list()] == ["m4", "m3", "m2"]


def test_the_page_lists_mail_and_shows_each_safely(sandbox):
    hostile = "<script>alert('x')</script>"
    send(sandbox, subject=f"Hi {hostile}", text=f"text {hostile}", html=f"<p>html</p>{hostile}")
    [mail] = messages(sandbox)

    status, _, page = get(sandbox, "/mail/")
    assert status == 200 and hostile not in page
    assert f"/mail/{mail['id']}/" in page and "Hi &lt;script&gt;" in page

    status, _, one = get(sandbox, f"/mail/{mail['id']}/")
    assert status == 200 and hostile not in one
    assert "text &lt;script&gt;" in one
    assert f"<iframe sandbox src='/mail/{mail['id']}/html'" in one

    # the HTML part itself, only ever in a frame that runs nothing
    status, headers, part = get(sandbox, f"/mail/{mail['id']}/html")
    assert status == 200 and part.startswith("<p>html</p>")
    assert headers["Content-Security-Policy"].startswith("sandbox;")


def test_unknown_mail_is_404_and_zoom_routes_still_answer(sandbox):
    assert get(sandbox, "/mail/999/")[0] == 404
    assert get(sandbox, "/mail/abc/")[0] == 404
    assert get(sandbox, "/")[0] == 200
    assert get(sandbox, "/v2/users/me")[0] == 401  # the Zoom API, unauthenticated


def test_the_sandbox_runs_no_catcher_unless_asked():
    with SandboxServer() as server:
        assert server.smtp is None
        assert get(server, "/mail/api/messages")[0] == 200  # an empty box
