import hashlib

import pytest
from django_tenants.utils import schema_context

from tenants.audit.models import AuditEntry
from tenants.audit.services import audit_entry, audit_record, audit_record_many, ip_hash


def test_ip_hash_is_keyed_and_stable(settings):
    settings.LIVEROLL_IP_HASH_KEY = "key-one"
    first = ip_hash("203.0.113.7")
    assert first == ip_hash(" 203.0.113.7 ")
    assert first != hashlib.sha256(b"203.0.113.7").hexdigest()  # not an unkeyed hash
    settings.LIVEROLL_IP_HASH_KEY = "key-two"
    assert ip_hash("203.0.113.7") != first
    assert ip_hash(None) == ""


@pytest.mark.django_db
def test_audit_entry_records_actor_action_target_and_hashed_ip(alpha):
    with schema_context(alpha.schema):
        teacher = alpha.users["teacher"]
        entry = audit_record(
            actor=teacher,
            action="zoom.disconnected",
            target=alpha.school_class,
            ip="198.51.100.4",
            details={"why": "test"},
        )
        entry = AuditEntry.objects.select_related("actor").get(pk=entry.pk)
    assert entry.actor == teacher
    assert entry.actor_label == "teacher@alpha.test"
    assert (entry.target_type, entry.target_id) == (
        "school.schoolclass",
        str(alpha.school_class.pk),
    )
    assert entry.ip_hash == ip_hash("198.51.100.4")
    assert "198.51.100.4" not in str(entry.__dict__)
    assert entry.details == {"why": "test"}


@pytest.mark.django_db
def test_several_entries_are_appended_in_one_statement_as_one_at_a_time_would_be(alpha):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    with schema_context(alpha.schema):
        teacher = alpha.users["teacher"]
        before = timezone.now()
        entries = [
            audit_entry(
                actor=teacher,
                action="attendance.joined",
                target=alpha.school_class,
                ip="198.51.100.4",
                details={"name": "Ann", "n": 1},
            ),
            audit_entry(actor_label="zoom", action="attendance.left", details={}),
        ]
        with CaptureQueriesContext(connection) as queries:
            audit_record_many(entries)
            audit_record_many([])  # nothing: no statement
        statements = [q["sql"] for q in queries if not q["sql"].startswith("SET search_path")]
        assert len(statements) == 1 and statements[0].startswith("INSERT")
        stored = list(AuditEntry.objects.order_by("pk").filter(action__startswith="attendance."))

    joined, left = stored
    assert (joined.actor_id, joined.actor_label) == (teacher.pk, "teacher@alpha.test")
    assert (joined.target_type, joined.target_id) == (
        "school.schoolclass",
        str(alpha.school_class.pk),
    )
    assert joined.ip_hash == ip_hash("198.51.100.4")
    assert joined.details == {"name": "Ann", "n": 1}
    assert (left.actor_id, left.actor_label, left.details, left.ip_hash) == (None, "zoom", {}, "")
    assert all(e.created_at >= before for e in stored)


@pytest.mark.django_db
def test_many_entries_are_appended_in_statements_of_a_bounded_size(alpha, monkeypatch):
    from tenants.audit import services

    monkeypatch.setattr(services, "AUDIT_ROWS_MAX", 2)
    with schema_context(alpha.schema):
        audit_record_many([audit_entry(action=f"bulk.{n}") for n in range(5)])
        stored = AuditEntry.objects.filter(action__startswith="bulk.").values_list(
            "action", flat=True
        )
        assert sorted(stored) == [f"bulk.{n}" for n in range(5)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("trusted", "audited"),
    [(0, "10.0.0.1"), (1, "192.0.2.9"), (2, "192.0.2.66"), (5, "192.0.2.66")],
)
def test_login_is_audited_with_the_client_ip_our_proxies_saw(alpha, settings, trusted, audited):
    # given: the client forged a first hop; our ingress (the peer, 10.0.0.1) appended the
    # address it was reached from
    settings.LIVEROLL_TRUSTED_PROXIES = trusted
    # when
    response = alpha.client().post(
        "/accounts/login/",
        {"username": "student@alpha.test", "password": "correct-horse-battery"},
        HTTP_X_FORWARDED_FOR="192.0.2.66, 192.0.2.9",
        REMOTE_ADDR="10.0.0.1",
    )
    # then: the forged hop is believed only if the operator says two proxies wrote it
    assert response.status_code == 302
    with schema_context(alpha.schema):
        entry = AuditEntry.objects.get(action="user.login")
    assert entry.actor == alpha.users["student"]
    assert entry.ip_hash == ip_hash(audited)


@pytest.mark.django_db
def test_audit_log_is_read_only_in_the_school_admin(alpha):
    with schema_context(alpha.schema):
        entry = audit_record(actor_label="system", action="x")
    client = alpha.client("admin")
    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert (
        client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_audit_log_reads_a_time_without_offset_as_utc(alpha, recwarn):
    # given: an entry at 12:00 UTC (found by the GraphQL fuzzer: a time without an offset was
    # left to Django, which guessed with a RuntimeWarning on every such query)
    from datetime import UTC, datetime

    from ..graphql.conftest import GQL

    with schema_context(alpha.schema):
        audit_record(actor=None, action="fuzz.noon", target=None)
        AuditEntry.objects.filter(action="fuzz.noon").update(
            created_at=datetime(2026, 1, 1, 12, tzinfo=UTC)
        )
    query = 'query($s: DateTime, $u: DateTime) { auditLog(action: "fuzz.", since: $s, until: $u) { totalCount } }'
    ask = GQL(alpha, "admin").ok
    # when / then: the naive bounds are UTC, and nothing is guessed
    assert (
        ask(query, s="2026-01-01T11:59:00", u="2026-01-01T12:01:00")["auditLog"]["totalCount"] == 1
    )
    assert ask(query, s="2026-01-01T12:01:00")["auditLog"]["totalCount"] == 0
    assert not [w for w in recwarn.list if "naive datetime" in str(w.message)]
