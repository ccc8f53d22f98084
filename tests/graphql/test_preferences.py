"""Each person reads and sets their own language and time zone; the school's admin reads and
sets the school's default zone. Validated, with typed errors; one school never touches another."""

import pytest
from django_tenants.utils import schema_context

from tenants.accounts.models import User
from tenants.audit.models import AuditEntry
from tenants.models import Organisation

pytestmark = pytest.mark.django_db

MINE = "{ myPreferences { language timezone effectiveTimezone } }"
SET_MINE = """mutation($language: String, $timezone: String) {
    setMyPreferences(language: $language, timezone: $timezone) {
        preferences { language timezone effectiveTimezone } errors { field message code }
    }
}"""
SCHOOL = "{ schoolTimezone }"
SET_SCHOOL = """mutation($timezone: String!) {
    setSchoolTimezone(timezone: $timezone) { timezone errors { field message code } }
}"""


def _stored(world, role) -> User:
    with schema_context(world.schema):
        return User.objects.get(pk=world.users[role].pk)


@pytest.mark.parametrize("role", ["admin", "teacher", "student", "parent"])
def test_each_person_reads_and_sets_their_own_preferences(alpha, gql, role):
    Organisation.objects.filter(pk=alpha.org.pk).update(timezone="Asia/Dhaka")
    client = gql(alpha, role)
    assert client.ok(MINE)["myPreferences"] == {
        "language": "",
        "timezone": "",
        "effectiveTimezone": "Asia/Dhaka",
    }

    result = client.ok(SET_MINE, language="bn", timezone="Europe/Paris")["setMyPreferences"]

    assert result == {
        "preferences": {
            "language": "bn",
            "timezone": "Europe/Paris",
            "effectiveTimezone": "Europe/Paris",
        },
        "errors": [],
    }
    stored = _stored(alpha, role)
    assert (stored.language, stored.timezone) == ("bn", "Europe/Paris")
    # and the others' are untouched
    others = [r for r in ("admin", "teacher", "student", "parent") if r != role]
    assert all(_stored(alpha, r).language == "" for r in others)
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(action="user.preferences").count() == 1


def test_an_empty_zone_goes_back_to_the_schools(alpha, gql):
    client = gql(alpha, "student")
    client.ok(SET_MINE, timezone="Europe/Paris")
    result = client.ok(SET_MINE, timezone="")["setMyPreferences"]
    assert result["preferences"]["timezone"] == ""
    assert result["preferences"]["effectiveTimezone"] == "UTC"
    assert result["preferences"]["language"] == ""  # left out: unchanged


def test_bad_preferences_are_typed_errors_and_change_nothing(alpha, gql):
    result = gql(alpha, "student").ok(SET_MINE, language="xx", timezone="Mars/Olympus")
    errors = result["setMyPreferences"]["errors"]
    assert sorted((e["field"], e["code"]) for e in errors) == [
        ("language", "invalid"),
        ("timezone", "invalid"),
    ]
    assert result["setMyPreferences"]["preferences"] is None
    stored = _stored(alpha, "student")
    assert (stored.language, stored.timezone) == ("", "")


def test_strangers_have_no_preferences(alpha, gql):
    assert gql(alpha)(MINE)["errors"][0]["message"] == "Sign in first."
    body = gql(alpha)(SET_MINE, language="bn")
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Sign in first."


def test_the_admin_reads_and_sets_the_schools_zone(alpha, beta, gql):
    client = gql(alpha, "admin")
    assert client.ok(SCHOOL)["schoolTimezone"] == "UTC"
    result = client.ok(SET_SCHOOL, timezone="Asia/Dhaka")["setSchoolTimezone"]
    assert result == {"timezone": "Asia/Dhaka", "errors": []}
    assert Organisation.objects.get(pk=alpha.org.pk).timezone == "Asia/Dhaka"
    assert Organisation.objects.get(pk=beta.org.pk).timezone == "UTC"  # the other school's kept
    assert gql(beta, "admin").ok(SCHOOL)["schoolTimezone"] == "UTC"


def test_a_bad_school_zone_is_a_typed_error(alpha, gql):
    result = gql(alpha, "admin").ok(SET_SCHOOL, timezone="Mars/Olympus")["setSchoolTimezone"]
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("timezone", "invalid")]
    assert Organisation.objects.get(pk=alpha.org.pk).timezone == "UTC"


@pytest.mark.parametrize("role", ["teacher", "student", "parent", None])
def test_only_the_admin_sees_or_sets_the_schools_zone(alpha, gql, role):
    client = gql(alpha, role)
    expected = "Sign in first." if role is None else "Only school admins can do that."
    for body in (client(SCHOOL), client(SET_SCHOOL, timezone="Asia/Dhaka")):
        assert body["data"] is None
        assert [e["message"] for e in body["errors"]] == [expected]
    assert Organisation.objects.get(pk=alpha.org.pk).timezone == "UTC"
