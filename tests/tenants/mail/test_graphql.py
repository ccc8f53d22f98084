"""mailOutbox and mailRetry: admins of the school only; another school's mail is not found."""

import smtplib

import pytest
from django_tenants.utils import schema_context

from tenants.audit.models import AuditEntry
from tenants.mail import services
from tenants.mail.models import OutboundMail
from tenants.mail.services import mail_queue

from .backends import RaisingBackend

OUTBOX = """query($status: MailStatus, $limit: Int, $offset: Int) {
  mailOutbox(status: $status, limit: $limit, offset: $offset) {
    totalCount items { id to subject template status attempts lastError queuedAt sentAt failedAt }
  }
}"""
RETRY = "mutation($id: ID!) { mailRetry(id: $id) { mail { id status attempts } errors { code message } } }"


def gql(world, role, query, **variables):
    response = world.client(role).post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def _mail(world, key, *, fail_with=None, settings=None):
    with schema_context(world.schema):
        mail_queue(
            key=key,
            to=f"{key}@{world.org.slug}.test",
            template="admin_email_confirm",
            context={"confirm_url": "https://x.test/c", "expires_at": None},
        )
        mail = OutboundMail.objects.get(key=key)
        if fail_with is not None:
            RaisingBackend.error = fail_with
            settings.EMAIL_BACKEND = "tests.tenants.mail.backends.RaisingBackend"
            services.mail_deliver(mail_id=mail.pk)
            RaisingBackend.error = None
            mail.refresh_from_db()
        return mail


def test_admins_see_the_outbox_with_failures_and_their_reason(alpha, settings):
    _mail(alpha, "waiting")
    failed = _mail(
        alpha,
        "bounced",
        fail_with=smtplib.SMTPRecipientsRefused({"x": (550, b"No such user")}),
        settings=settings,
    )

    everything = gql(alpha, "admin", OUTBOX)["data"]["mailOutbox"]
    only_failed = gql(alpha, "admin", OUTBOX, status="FAILED")["data"]["mailOutbox"]

    assert everything["totalCount"] == 2
    assert [m["to"] for m in everything["items"]] == ["bounced@alpha.test", "waiting@alpha.test"]
    [item] = only_failed["items"]
    assert item["id"] == str(failed.pk) and item["status"] == "FAILED"
    assert item["attempts"] == 1 and "550 No such user" in item["lastError"]
    assert item["template"] == "admin_email_confirm" and item["failedAt"]
    assert item["subject"].startswith("Confirm your email address")


def test_the_outbox_pages(alpha):
    for n in range(3):
        _mail(alpha, f"m{n}")
    page = gql(alpha, "admin", OUTBOX, limit=2, offset=1)["data"]["mailOutbox"]
    assert page["totalCount"] == 3 and [m["to"] for m in page["items"]] == [
        "m1@alpha.test",
        "m0@alpha.test",
    ]
    refused = gql(alpha, "admin", OUTBOX, limit=1000)
    assert refused["data"] is None and "limit" in refused["errors"][0]["message"]


@pytest.mark.parametrize("role", ["teacher", "student", "parent", None])
def test_only_admins_see_the_outbox(alpha, role):
    _mail(alpha, "secret")
    body = gql(alpha, role, OUTBOX)
    assert body["data"] is None
    assert body["errors"][0]["message"] in ("Only school admins can do that.", "Sign in first.")


def test_a_school_sees_only_its_own_outbox(alpha, beta):
    _mail(alpha, "alpha-only")
    page = gql(beta, "admin", OUTBOX)["data"]["mailOutbox"]
    assert page["items"] == [] and page["totalCount"] == 0


def test_an_admin_retries_a_failed_mail(
    alpha, settings, monkeypatch, django_capture_on_commit_callbacks
):
    failed = _mail(
        alpha, "retry-me", fail_with=smtplib.SMTPDataError(554, b"Rejected"), settings=settings
    )
    handed = []
    monkeypatch.setattr(services, "send_in_schema", lambda actor, schema, *a: handed.append(a))

    with django_capture_on_commit_callbacks(execute=True):
        data = gql(alpha, "admin", RETRY, id=str(failed.pk))["data"]["mailRetry"]

    assert data["errors"] == []
    assert data["mail"] == {"id": str(failed.pk), "status": "QUEUED", "attempts": 0}
    assert handed == [(failed.pk,)]
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(action="mail.retried", target_id=str(failed.pk)).exists()
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert services.mail_deliver(mail_id=failed.pk).status == "sent"


def test_only_a_failed_mail_is_retried(alpha):
    queued = _mail(alpha, "still-queued")
    data = gql(alpha, "admin", RETRY, id=str(queued.pk))["data"]["mailRetry"]
    assert data["mail"] is None and data["errors"][0]["code"] == "not_failed"


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_only_admins_retry(alpha, settings, role):
    failed = _mail(
        alpha, "no-retry", fail_with=smtplib.SMTPDataError(554, b"Rejected"), settings=settings
    )
    body = gql(alpha, role, RETRY, id=str(failed.pk))
    assert body["data"] is None and "admins" in body["errors"][0]["message"]
    with schema_context(alpha.schema):
        assert OutboundMail.objects.get(pk=failed.pk).status == "failed"


@pytest.mark.parametrize("garbage", ["999999", "abc", "-1", "1" * 40])
def test_another_schools_mail_or_garbage_is_not_found(alpha, beta, settings, garbage):
    failed = _mail(
        alpha, "alphas", fail_with=smtplib.SMTPDataError(554, b"Rejected"), settings=settings
    )
    with schema_context(beta.schema):
        OutboundMail.objects.filter(pk=failed.pk).delete()  # nothing of beta's under that id

    for mail_id in (str(failed.pk), garbage):
        data = gql(beta, "admin", RETRY, id=mail_id)["data"]["mailRetry"]
        assert data["mail"] is None and data["errors"][0]["code"] == "not_found"
    with schema_context(alpha.schema):
        assert OutboundMail.objects.get(pk=failed.pk).status == "failed"
