"""The outbox: queuing (rendered, idempotent), delivery (one sender, retries with back-off,
permanent failures), the sweep, and the school's name, language and time zone in each mail."""

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import dateformat, timezone, translation
from django_tenants.utils import schema_context

from tenants.accounts.models import User
from tenants.mail import actors, services
from tenants.mail.models import OutboundMail
from tenants.mail.services import MailAttachment, mail_queue
from tenants.models import Organisation
from tests.support import mail_deliver_pending

from .backends import RaisingBackend

EXPIRES = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)


def _queue(key="k1", *, to="head@alpha.test", user=None, **extra):
    return mail_queue(
        key=key,
        to=to,
        template="admin_email_confirm",
        context={"confirm_url": "https://alpha.localhost/confirm/x", "expires_at": EXPIRES},
        user=user,
        **extra,
    )


@pytest.fixture
def raising(settings):
    settings.EMAIL_BACKEND = "tests.tenants.mail.backends.RaisingBackend"
    RaisingBackend.error = None
    RaisingBackend.calls = 0
    yield RaisingBackend
    RaisingBackend.error = None


def test_a_queued_mail_is_rendered_stored_and_sent_with_both_parts(alpha):
    with schema_context(alpha.schema):
        # when
        queued = _queue(
            user=alpha.users["admin"],
            attachments=[MailAttachment("invite.ics", "text/calendar", b"BEGIN:VCALENDAR")],
        )
        row = OutboundMail.objects.get(key="k1")
        sent = mail_deliver_pending()
        row.refresh_from_db()

    # then
    assert queued is True
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None
    assert row.subject == "Confirm your email address for Alpha School"
    [message] = sent
    assert message.to == ["head@alpha.test"]
    assert message.subject == row.subject
    assert message.from_email.startswith('"Alpha School" <') or message.from_email.startswith(
        "Alpha School <"
    )
    assert "Alpha School" in message.body and "https://alpha.localhost/confirm/x" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and "Alpha School" in html and "<a href=" in html
    assert message.extra_headers["Message-ID"] == services.message_id(schema=alpha.schema, key="k1")
    [(filename, content, content_type)] = message.attachments
    assert filename == "invite.ics" and content_type == "text/calendar"
    assert "BEGIN:VCALENDAR" in content


def test_the_same_key_queues_nothing_the_second_time(alpha):
    with schema_context(alpha.schema):
        assert _queue("same") is True
        assert _queue("same", to="someone-else@alpha.test") is False
        assert OutboundMail.objects.filter(key="same").count() == 1
        assert len(mail_deliver_pending()) == 1
        # sent already: still nothing
        assert _queue("same") is False
        assert mail_deliver_pending() == []


def test_keys_are_per_school(alpha, beta):
    with schema_context(alpha.schema):
        assert _queue("shared") is True
    with schema_context(beta.schema):
        assert _queue("shared") is True
        [message] = mail_deliver_pending()
        assert "Beta" in message.body and "Alpha School" not in message.body


def test_bad_input_is_refused(alpha):
    from django.core.exceptions import ValidationError

    with schema_context(alpha.schema):
        with pytest.raises(ValidationError):
            _queue("bad", to="not an address")
        with pytest.raises(ValidationError):
            _queue("long", to="a@" + ("b" * 62 + ".") * 4 + "test")  # valid, but 258 long
        with pytest.raises(ValueError):
            _queue("")
        with pytest.raises(ValueError):
            _queue("x" * 256)


def test_text_part_is_not_html_escaped_and_html_part_is(alpha):
    with schema_context(alpha.schema):
        mail_queue(
            key="esc",
            to="a@alpha.test",
            template="admin_email_confirm",
            context={"confirm_url": "https://x.test/?a=1&b=<2>", "expires_at": EXPIRES},
        )
        [message] = mail_deliver_pending()
    assert "https://x.test/?a=1&b=<2>" in message.body
    assert "a=1&amp;b=&lt;2&gt;" in message.alternatives[0][0]


def test_dates_render_in_the_recipients_time_zone(alpha):
    with schema_context(alpha.schema):
        admin = alpha.users["admin"]
        admin.timezone = "Asia/Dhaka"
        _queue("tz", user=admin)
        [message] = mail_deliver_pending()
    # 03:04 UTC is 09:04 in Dhaka (UTC+6)
    assert "2 January 2030, 09:04" in message.body


def test_dates_render_in_the_schools_zone_for_someone_who_chose_none(alpha):
    Organisation.objects.filter(pk=alpha.org.pk).update(timezone="Asia/Dhaka")
    with schema_context(alpha.schema):
        admin = User.objects.get(pk=alpha.users["admin"].pk)  # as stored: no zone chosen
        assert admin.timezone == ""
        _queue("tz-school", user=admin)
        [message] = mail_deliver_pending()
    assert "2 January 2030, 09:04" in message.body


def test_a_mail_is_written_in_the_recipients_language(alpha):
    with schema_context(alpha.schema):
        admin = alpha.users["admin"]
        admin.language = "bn"
        _queue("bn", user=admin)
        [message] = mail_deliver_pending()
    # Django's own Bengali month names: the language is active while the mail renders
    with translation.override("bn"):
        january = dateformat.format(EXPIRES, "F")
    assert january != "January" and f"2 {january} 2030" in message.body
    assert '<html lang="bn">' in message.alternatives[0][0]


def test_without_a_user_dates_are_in_utc(alpha):
    with schema_context(alpha.schema):
        _queue("utc")
        [message] = mail_deliver_pending()
    assert "2 January 2030, 03:04" in message.body


def test_a_mail_is_handed_to_the_worker_after_commit_in_its_schema(
    alpha, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        services, "send_in_schema", lambda actor, schema, *args: sent.append((actor, schema, args))
    )
    with schema_context(alpha.schema):
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            transaction.atomic(),
        ):
            _queue("commit")
            assert sent == []  # not before commit
        mail_id = OutboundMail.objects.get(key="commit").pk
    assert len(callbacks) == 1
    assert sent == [(actors.mail_send, alpha.schema, (mail_id,))]


def test_a_rolled_back_queue_leaves_nothing(alpha):
    with schema_context(alpha.schema):
        with pytest.raises(RuntimeError), transaction.atomic():
            _queue("rolled-back")
            raise RuntimeError
        assert not OutboundMail.objects.filter(key="rolled-back").exists()


def test_only_one_claim_wins_and_a_lapsed_lease_is_taken_over(alpha):
    with schema_context(alpha.schema):
        _queue("claim")
        mail = OutboundMail.objects.get(key="claim")
        now = timezone.now()
        first = services.mail_claim(mail_id=mail.pk, now=now)
        second = services.mail_claim(mail_id=mail.pk, now=now)
        assert first and second is None
        # a sender that died: its lease ends, and another worker takes the mail
        later = now + timedelta(minutes=10)
        third = services.mail_claim(mail_id=mail.pk, now=later)
        assert third and third != first
        mail.refresh_from_db()
        assert mail.attempts == 2 and mail.claim == third


def test_a_sent_mail_is_not_sent_again(alpha):
    with schema_context(alpha.schema):
        _queue("once")
        mail = OutboundMail.objects.get(key="once")
        assert services.mail_deliver(mail_id=mail.pk).status == "sent"
        assert services.mail_deliver(mail_id=mail.pk) is None
        assert (
            services.mail_deliver(mail_id=mail.pk, now=timezone.now() + timedelta(days=1)) is None
        )


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        smtplib.SMTPResponseException(421, b"Service not available, try later"),
        smtplib.SMTPRecipientsRefused({"a@alpha.test": (450, b"Mailbox busy")}),
    ],
    ids=["refused", "timeout", "disconnected", "421", "recipient-busy"],
)
def test_transient_failures_are_retried_with_exponential_backoff(alpha, raising, settings, error):
    settings.LIVEROLL_MAIL_RETRY_SECONDS = 60
    settings.LIVEROLL_MAIL_MAX_ATTEMPTS = 3
    raising.error = error
    with schema_context(alpha.schema):
        _queue("flaky")
        mail = OutboundMail.objects.get(key="flaky")
        now = timezone.now()

        first = services.mail_deliver(mail_id=mail.pk, now=now)
        assert first.status == "queued" and first.retry_at == now + timedelta(seconds=60)
        # not due yet: nothing happens
        assert services.mail_deliver(mail_id=mail.pk, now=now + timedelta(seconds=59)) is None
        second = services.mail_deliver(mail_id=mail.pk, now=first.retry_at)
        assert second.retry_at == first.retry_at + timedelta(seconds=120)
        third = services.mail_deliver(mail_id=mail.pk, now=second.retry_at)
        mail.refresh_from_db()

    assert third.status == "failed" and third.retry_at is None
    assert mail.status == "failed" and mail.attempts == 3 and mail.failed_at is not None
    assert mail.last_error and raising.calls == 3


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            smtplib.SMTPRecipientsRefused({"a@alpha.test": (550, b"No such user")}),
            "550 No such user",
        ),
        (smtplib.SMTPDataError(554, b"Message rejected as spam"), "554 Message rejected as spam"),
        (smtplib.SMTPSenderRefused(553, b"Sender not allowed", "x@y"), "553 Sender not allowed"),
    ],
    ids=["recipient-refused", "data-554", "sender-553"],
)
def test_permanent_failures_fail_at_once_with_the_reason(alpha, raising, error, reason):
    raising.error = error
    with schema_context(alpha.schema):
        _queue("bounce")
        mail = OutboundMail.objects.get(key="bounce")
        delivery = services.mail_deliver(mail_id=mail.pk)
        mail.refresh_from_db()
        # no retry, even much later
        assert (
            services.mail_deliver(mail_id=mail.pk, now=timezone.now() + timedelta(days=1)) is None
        )
    assert delivery.status == "failed"
    assert mail.status == "failed" and mail.attempts == 1 and reason in mail.last_error
    assert raising.calls == 1


def test_a_mail_whose_last_attempt_never_finished_fails(alpha, settings):
    settings.LIVEROLL_MAIL_MAX_ATTEMPTS = 2
    with schema_context(alpha.schema):
        _queue("crashy")
        mail = OutboundMail.objects.get(key="crashy")
        now = timezone.now()
        OutboundMail.objects.filter(pk=mail.pk).update(
            status="sending", attempts=2, claim="dead", lease_until=now - timedelta(seconds=1)
        )
        delivery = services.mail_deliver(mail_id=mail.pk, now=now)
        mail.refresh_from_db()
    assert delivery.status == "failed" and "did not finish" in mail.last_error


def test_the_sweep_hands_out_lost_and_lapsed_mails_only(alpha, monkeypatch):
    with schema_context(alpha.schema):
        now = timezone.now()
        for key in ("fresh", "lost", "lapsed", "held", "later", "done"):
            _queue(key)
        rows = {m.key: m for m in OutboundMail.objects.all()}
        OutboundMail.objects.filter(key="lost").update(next_attempt_at=now - timedelta(minutes=5))
        OutboundMail.objects.filter(key="lapsed").update(
            status="sending", lease_until=now - timedelta(seconds=1)
        )
        OutboundMail.objects.filter(key="held").update(
            status="sending", lease_until=now + timedelta(minutes=4)
        )
        OutboundMail.objects.filter(key="later").update(next_attempt_at=now + timedelta(hours=1))
        OutboundMail.objects.filter(key="done").update(status="sent")
        OutboundMail.objects.filter(key="fresh").update(next_attempt_at=now)

        sent = []
        monkeypatch.setattr(actors.mail_send, "send", lambda mail_id: sent.append(mail_id))
        actors.mail_sweep.fn()

    assert sorted(sent) == sorted([rows["lost"].pk, rows["lapsed"].pk])


def test_the_sweep_is_a_periodic_job_per_school():
    from tenants.scheduler import default_jobs

    [job] = [j for j in default_jobs() if j.name == "mail-sweep"]
    assert job.every_seconds == 60


def test_the_actor_sends_and_reschedules_a_transient_failure(alpha, raising, monkeypatch):
    raising.error = ConnectionRefusedError(111, "Connection refused")
    again = []
    monkeypatch.setattr(actors.mail_send, "send_with_options", lambda **kw: again.append(kw))
    with schema_context(alpha.schema):
        _queue("actor")
        mail = OutboundMail.objects.get(key="actor")
        actors.mail_send.fn(mail.pk)
        mail.refresh_from_db()
    assert mail.status == "queued" and mail.attempts == 1
    [kwargs] = again
    assert kwargs["args"] == (mail.pk,) and 55_000 <= kwargs["delay"] <= 60_000


def test_an_actor_in_another_school_finds_nothing(alpha, beta):
    with schema_context(alpha.schema):
        _queue("isolated")
        mail_id = OutboundMail.objects.get(key="isolated").pk
    with schema_context(beta.schema):
        OutboundMail.objects.filter(pk=mail_id).delete()  # whatever beta holds under that id
        assert services.mail_deliver(mail_id=mail_id) is None
    with schema_context(alpha.schema):
        assert OutboundMail.objects.get(pk=mail_id).status == "queued"


def test_mail_actors_are_tenant_actors():
    from tenants.tasking import actor_tenancy

    assert actor_tenancy(actors.mail_send) == "tenant"
    assert actor_tenancy(actors.mail_sweep) == "tenant"
