"""Reminders over GraphQL: admins read and set the school's policy; each person reads and sets
their own choices; each school's are its own."""

import pytest
from django_tenants.utils import schema_context

from meetings.reminders.models import ReminderPreference
from meetings.reminders.selectors import reminder_policy
from tenants.audit.models import AuditEntry

from ...graphql.conftest import GQL

pytestmark = pytest.mark.django_db

POLICY = "{ reminderPolicy { offsetsMinutes absenceNoticesAllowed } }"
SET_POLICY = """mutation($offsets: [Int!], $allowed: Boolean) {
  setReminderPolicy(offsetsMinutes: $offsets, absenceNoticesAllowed: $allowed) {
    policy { offsetsMinutes absenceNoticesAllowed } errors { field message code } } }"""
MINE = (
    "{ myReminderPreferences { remindersEnabled absenceNoticesEnabled absenceNoticesAvailable } }"
)
SET_MINE = """mutation($on: Boolean, $absence: Boolean) {
  setMyReminderPreferences(remindersEnabled: $on, absenceNoticesEnabled: $absence) {
    preferences { remindersEnabled absenceNoticesEnabled absenceNoticesAvailable }
    errors { field message code } } }"""


def test_an_admin_reads_and_sets_the_schools_policy(alpha):
    admin = GQL(alpha, "admin")
    # the defaults
    assert admin.ok(POLICY)["reminderPolicy"] == {
        "offsetsMinutes": [30],
        "absenceNoticesAllowed": True,
    }
    # when: an hour and 10 minutes before; no absence notices
    got = admin.ok(SET_POLICY, offsets=[10, 60], allowed=False)["setReminderPolicy"]
    # then: stored (latest first), audited
    assert got == {
        "policy": {"offsetsMinutes": [60, 10], "absenceNoticesAllowed": False},
        "errors": [],
    }
    assert admin.ok(POLICY)["reminderPolicy"]["offsetsMinutes"] == [60, 10]
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(action="reminders.policy_changed").count() == 1


@pytest.mark.parametrize(
    ("offsets", "code"),
    [
        ([0], "out_of_range"),
        ([24 * 60 + 1], "out_of_range"),
        ([-5], "out_of_range"),
        ([30, 30], "duplicate"),
        ([5, 10, 15, 20, 25], "too_many"),
    ],
)
def test_bad_offsets_are_refused_with_a_clear_error(alpha, offsets, code):
    got = GQL(alpha, "admin").ok(SET_POLICY, offsets=offsets)["setReminderPolicy"]
    assert got["policy"] is None
    assert [(e["field"], e["code"]) for e in got["errors"]] == [("offsetsMinutes", code)]
    with schema_context(alpha.schema):
        assert reminder_policy().offsets_minutes == [30]  # unchanged


@pytest.mark.parametrize("role", ["teacher", "student", "parent", None])
def test_only_admins_read_or_set_the_policy(alpha, role):
    client = GQL(alpha, role)
    read = client(POLICY)
    assert read["data"] is None and read["errors"][0]["message"] in (
        "Only school admins can do that.",
        "Sign in first.",
    )
    write = client(SET_POLICY, offsets=[5])
    assert write["data"] is None
    with schema_context(alpha.schema):
        assert reminder_policy().offsets_minutes == [30]


def test_each_school_has_its_own_policy(alpha, beta):
    GQL(alpha, "admin").ok(SET_POLICY, offsets=[15])
    assert GQL(beta, "admin").ok(POLICY)["reminderPolicy"]["offsetsMinutes"] == [30]
    with schema_context(beta.schema):
        assert reminder_policy().offsets_minutes == [30]


@pytest.mark.parametrize("role", ["admin", "teacher", "student", "parent"])
def test_each_person_turns_their_own_reminders_off_and_on(alpha, role):
    client = GQL(alpha, role)
    assert client.ok(MINE)["myReminderPreferences"] == {
        "remindersEnabled": True,
        "absenceNoticesEnabled": False,
        "absenceNoticesAvailable": role == "parent",
    }
    got = client.ok(SET_MINE, on=False)["setMyReminderPreferences"]
    assert got["errors"] == [] and got["preferences"]["remindersEnabled"] is False
    with schema_context(alpha.schema):
        # only the viewer's own row
        rows = list(ReminderPreference.objects.values_list("user_id", "reminders_enabled"))
        assert rows == [(alpha.users[role].pk, False)]
    assert client.ok(SET_MINE, on=True)["setMyReminderPreferences"]["preferences"][
        "remindersEnabled"
    ]


def test_a_parent_opts_in_to_absence_notices_where_the_school_allows_it(alpha):
    parent = GQL(alpha, "parent")
    got = parent.ok(SET_MINE, absence=True)["setMyReminderPreferences"]
    assert got["preferences"]["absenceNoticesEnabled"] is True

    # a school that sends none: a clear refusal
    GQL(alpha, "admin").ok(SET_POLICY, allowed=False)
    with schema_context(alpha.schema):
        ReminderPreference.objects.all().delete()
    refused = parent.ok(SET_MINE, absence=True)["setMyReminderPreferences"]
    assert refused["preferences"] is None
    assert refused["errors"] == [
        {
            "field": "absenceNoticesEnabled",
            "message": "Your school does not send absence notices.",
            "code": "forbidden",
        }
    ]
    assert parent.ok(MINE)["myReminderPreferences"]["absenceNoticesAvailable"] is False


@pytest.mark.parametrize("role", ["admin", "teacher", "student"])
def test_absence_notices_are_for_parents(alpha, role):
    got = GQL(alpha, role).ok(SET_MINE, absence=True)["setMyReminderPreferences"]
    assert [(e["field"], e["code"]) for e in got["errors"]] == [
        ("absenceNoticesEnabled", "forbidden")
    ]
    with schema_context(alpha.schema):
        assert not ReminderPreference.objects.filter(absence_notices_enabled=True).exists()


def test_preferences_need_a_signed_in_person_and_stay_in_their_school(alpha, beta):
    anonymous = GQL(alpha)
    assert anonymous(MINE)["errors"][0]["message"] == "Sign in first."
    assert anonymous(SET_MINE, on=False)["data"] is None
    # alpha's student turns reminders off: beta's student (same role) is untouched
    GQL(alpha, "student").ok(SET_MINE, on=False)
    assert GQL(beta, "student").ok(MINE)["myReminderPreferences"]["remindersEnabled"] is True
    with schema_context(beta.schema):
        assert not ReminderPreference.objects.exists()
