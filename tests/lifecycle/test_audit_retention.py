"""Audit entries (and their IP hashes) are kept 90 days by default, or what the school chose
(bounded); older ones are deleted from the table."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.audit.models import AuditEntry
from tenants.audit.services import audit_record
from tenants.lifecycle import services
from tenants.lifecycle.models import RetentionPolicy

from ..graphql.conftest import GQL


def _entry(days_ago: float, action: str = "thing.done") -> AuditEntry:
    entry = audit_record(actor_label="t", action=action, ip="203.0.113.9")
    AuditEntry.objects.filter(pk=entry.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    return entry


def _raw_ids() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM audit_auditentry WHERE action = 'thing.done'")
        return {row[0] for row in cursor.fetchall()}


def test_entries_older_than_90_days_are_deleted_by_default(alpha):
    with schema_context(alpha.schema):
        old, kept = _entry(91), _entry(89)
        assert kept.ip_hash  # the hash goes with the entry

        deleted = services.audit_entries_purge()

        assert _raw_ids() == {kept.pk}
        assert deleted >= 1
        run = AuditEntry.objects.get(action="retention.audit.purged")
        assert run.details["deleted"] == deleted and run.details["days"] == 90
        assert old.pk not in _raw_ids()


def test_the_school_setting_changes_the_window(alpha):
    with schema_context(alpha.schema):
        services.retention_policy_set(audit_days=30, by=alpha.users["admin"])
        old, kept = _entry(31), _entry(29)

        services.audit_entries_purge()

        assert _raw_ids() == {kept.pk}
        assert old.pk not in _raw_ids()


def test_purging_in_batches_takes_everything(alpha, monkeypatch):
    monkeypatch.setattr(services, "PURGE_BATCH", 3)
    with schema_context(alpha.schema):
        for _ in range(7):
            _entry(200)

        services.audit_entries_purge()

        assert _raw_ids() == set()


def test_a_school_purges_only_its_own_audit_log(alpha, beta):
    with schema_context(beta.schema):
        theirs = _entry(400)
    with schema_context(alpha.schema):
        services.audit_entries_purge()
    with schema_context(beta.schema):
        assert _raw_ids() == {theirs.pk}


SET = "mutation($d: Int!) { setRetentionPolicy(auditDays: $d) { policy { auditDays } errors { code } } }"
GET = "{ retentionPolicy { auditDays auditDaysMin auditDaysMax zoomLinkDays } }"


def test_an_admin_sets_the_window_within_bounds(alpha):
    admin = GQL(alpha, "admin")

    assert admin.ok(GET)["retentionPolicy"] == {
        "auditDays": 90,
        "auditDaysMin": 30,
        "auditDaysMax": 1095,
        "zoomLinkDays": 30,
    }
    assert admin.ok(SET, d=180)["setRetentionPolicy"] == {
        "policy": {"auditDays": 180},
        "errors": [],
    }
    too_short = admin.ok(SET, d=7)["setRetentionPolicy"]
    assert too_short == {"policy": None, "errors": [{"code": "out_of_range"}]}
    with schema_context(alpha.schema):
        assert RetentionPolicy.objects.get().audit_days == 180
        assert AuditEntry.objects.filter(action="retention.policy.changed").count() == 1


@pytest.mark.parametrize("role", ["teacher", "student", "parent", None])
def test_only_admins_see_or_set_the_window(alpha, role):
    client = GQL(alpha, role)

    assert client(SET, d=200)["errors"][0]["message"] in (
        "Only school admins can do that.",
        "Sign in first.",
    )
    assert client(GET)["errors"]
    with schema_context(alpha.schema):
        assert not RetentionPolicy.objects.exists()


def test_one_schools_setting_is_not_anothers(alpha, beta):
    GQL(alpha, "admin").ok(SET, d=365)

    assert GQL(beta, "admin").ok(GET)["retentionPolicy"]["auditDays"] == 90
