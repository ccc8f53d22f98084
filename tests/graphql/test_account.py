"""What the app's profile needs: the school's default language (admins set it), changing one's
own password, turning two-factor sign-in on from the app, and the personal calendar feed. Each
is the viewer's own or the admin's, and one school never touches another."""

from urllib.parse import urlsplit

import pyotp
import pytest
from django_tenants.utils import schema_context

from meetings.models import CalendarFeed
from tenants.accounts.models import ApiToken, TwoFactor, User
from tenants.audit.models import AuditEntry
from tenants.models import Organisation

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db

SET_SCHOOL_LANGUAGE = """mutation($language: String!) {
    setSchoolLanguage(language: $language) { language errors { field code } }
}"""
PREFS = "{ myPreferences { language effectiveLanguage schoolLanguage schoolTimezone } }"
CHANGE = """mutation($current: String!, $new: String!) {
    changePassword(currentPassword: $current, newPassword: $new) {
        ok errors { field message code }
    }
}"""
BEGIN = "mutation { beginTwoFactor { enrolment { uri qrSvgDataUrl } errors { code } } }"
CONFIRM = """mutation($code: String!) {
    confirmTwoFactor(code: $code) { recoveryCodes errors { field message code } }
}"""
FEED = "{ myCalendarFeed { url } }"
RESET_FEED = "mutation { resetMyCalendarFeed { feed { url } errors { code } } }"


def test_an_admin_sets_the_school_language_for_their_school_only(alpha, beta, gql):
    result = gql(alpha, "admin").ok(SET_SCHOOL_LANGUAGE, language="bn")["setSchoolLanguage"]

    assert result == {"language": "bn", "errors": []}
    assert Organisation.objects.get(pk=alpha.org.pk).language == "bn"
    assert Organisation.objects.get(pk=beta.org.pk).language == "en"
    with schema_context(alpha.schema):
        entry = AuditEntry.objects.get(action="organisation.language")
    assert entry.details == {"from": "en", "to": "bn"}
    # everyone in the school sees the default; it is the language of those who chose none
    prefs = gql(alpha, "student").ok(PREFS)["myPreferences"]
    assert prefs == {
        "language": "",
        "effectiveLanguage": "bn",
        "schoolLanguage": "bn",
        "schoolTimezone": "UTC",
    }
    assert gql(beta, "student").ok(PREFS)["myPreferences"]["schoolLanguage"] == "en"


@pytest.mark.parametrize("role", ["teacher", "student", "parent", None])
def test_only_admins_set_the_school_language(alpha, gql, role):
    body = gql(alpha, role)(SET_SCHOOL_LANGUAGE, language="bn")

    assert body.get("errors") or body["data"]["setSchoolLanguage"]["errors"]
    assert Organisation.objects.get(pk=alpha.org.pk).language == "en"


def test_an_unknown_school_language_is_a_typed_error(alpha, gql):
    result = gql(alpha, "admin").ok(SET_SCHOOL_LANGUAGE, language="xx")["setSchoolLanguage"]

    assert result == {"language": None, "errors": [{"field": "language", "code": "invalid"}]}


def test_the_effective_language_is_theirs_then_the_browsers(alpha, gql):
    client = gql(alpha, "teacher")
    client.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "bn"
    assert client.ok(PREFS)["myPreferences"]["effectiveLanguage"] == "bn"
    client.ok('mutation { setMyPreferences(language: "en") { errors { code } } }')
    assert client.ok(PREFS)["myPreferences"]["effectiveLanguage"] == "en"
    client.ok('mutation { setMyPreferences(language: "") { errors { code } } }')
    assert client.ok(PREFS)["myPreferences"]["effectiveLanguage"] == "bn"


# --- password -------------------------------------------------------------------------------


def test_a_person_changes_their_password_and_stays_signed_in(alpha, gql):
    client = gql(alpha, "student")
    with schema_context(alpha.schema):
        user = User.objects.get(pk=alpha.users["student"].pk)
        from tenants.accounts.services import api_token_create

        api_token_create(user=user, name="script")

    result = client.ok(CHANGE, current=PASSWORD, new="a-much-better-pass-42")["changePassword"]

    assert result == {"ok": True, "errors": []}
    with schema_context(alpha.schema):
        user.refresh_from_db()
        assert user.check_password("a-much-better-pass-42")
        assert not ApiToken.objects.filter(user=user, revoked=False).exists()
        assert AuditEntry.objects.filter(action="user.password_changed").exists()
    # this session goes on
    assert client.ok("{ me { email } }")["me"]["email"] == user.email


def test_a_wrong_current_password_changes_nothing(alpha, gql):
    result = gql(alpha, "student").ok(CHANGE, current="nope", new="a-much-better-pass-42")

    assert result["changePassword"]["ok"] is False
    assert [(e["field"], e["code"]) for e in result["changePassword"]["errors"]] == [
        ("currentPassword", "wrong_password")
    ]
    with schema_context(alpha.schema):
        assert User.objects.get(pk=alpha.users["student"].pk).check_password(PASSWORD)


def test_a_weak_new_password_gets_djangos_reasons(alpha, gql):
    result = gql(alpha, "teacher").ok(CHANGE, current=PASSWORD, new="123")["changePassword"]

    assert result["ok"] is False
    assert {e["field"] for e in result["errors"]} == {"newPassword"}
    assert {e["code"] for e in result["errors"]} >= {"password_too_short"}


def test_a_password_change_is_in_the_persons_language(alpha, gql):
    client = gql(alpha, "student")
    client.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "bn"

    result = client.ok(CHANGE, current="nope", new="x")["changePassword"]

    assert result["errors"][0]["message"] == "আপনার বর্তমান পাসওয়ার্ডটি সঠিক নয়।"


def test_strangers_cannot_change_a_password(alpha, gql):
    body = gql(alpha, None)(CHANGE, current=PASSWORD, new="a-much-better-pass-42")

    assert body["errors"][0]["message"] == "Sign in first."


# --- two-factor from the app ----------------------------------------------------------------


def test_a_person_turns_two_factor_on_from_the_app(alpha, gql):
    client = gql(alpha, "teacher")

    enrolment = client.ok(BEGIN)["beginTwoFactor"]["enrolment"]
    assert enrolment["uri"].startswith("otpauth://totp/")
    assert enrolment["qrSvgDataUrl"].startswith("data:image/svg+xml")
    again = client.ok(BEGIN)["beginTwoFactor"]["enrolment"]
    assert again["uri"] == enrolment["uri"]  # the same pending secret until confirmed

    wrong = client.ok(CONFIRM, code="000000")["confirmTwoFactor"]
    assert wrong["recoveryCodes"] is None and wrong["errors"][0]["code"] == "invalid"

    secret = enrolment["uri"].split("secret=")[1].split("&")[0]
    result = client.ok(CONFIRM, code=pyotp.TOTP(secret).now())["confirmTwoFactor"]

    assert len(result["recoveryCodes"]) == 10 and result["errors"] == []
    assert client.ok("{ twoFactor { enabled } }")["twoFactor"]["enabled"] is True
    assert client.ok(BEGIN)["beginTwoFactor"]["errors"] == [{"code": "invalid"}]
    with schema_context(alpha.schema):
        assert TwoFactor.objects.filter(user_id=alpha.users["teacher"].pk).count() == 1
        assert not TwoFactor.objects.filter(user_id=alpha.users["student"].pk).exists()


def test_strangers_cannot_enrol(alpha, gql):
    assert gql(alpha, None)(BEGIN)["errors"][0]["message"] == "Sign in first."


# --- calendar feed --------------------------------------------------------------------------


def test_each_person_has_their_own_feed_and_can_replace_it(alpha, beta, gql):
    student = gql(alpha, "student")
    url = student.ok(FEED)["myCalendarFeed"]["url"]
    assert url.startswith(f"http://{alpha.host}") and url.endswith(".ics")
    assert student.ok(FEED)["myCalendarFeed"]["url"] == url  # made once
    assert gql(alpha, "teacher").ok(FEED)["myCalendarFeed"]["url"] != url
    assert gql(beta, "student").ok(FEED)["myCalendarFeed"]["url"].startswith(f"http://{beta.host}")
    path = urlsplit(url).path
    assert alpha.client().get(path).status_code == 200

    new = student.ok(RESET_FEED)["resetMyCalendarFeed"]["feed"]["url"]

    assert new != url
    assert alpha.client().get(path).status_code == 404
    assert alpha.client().get(urlsplit(new).path).status_code == 200
    with schema_context(alpha.schema):
        assert CalendarFeed.objects.filter(user_id=alpha.users["student"].pk).count() == 1


def test_strangers_have_no_feed(alpha, gql):
    assert gql(alpha, None)(FEED)["errors"][0]["message"] == "Sign in first."


def test_a_person_sets_their_own_name(alpha, gql):
    set_name = """mutation($name: String) {
        setMyPreferences(name: $name) { preferences { name } errors { field code } }
    }"""
    client = gql(alpha, "parent")

    result = client.ok(set_name, name="  Rahima Begum ")["setMyPreferences"]
    too_long = client.ok(set_name, name="x" * 201)["setMyPreferences"]

    assert result == {"preferences": {"name": "Rahima Begum"}, "errors": []}
    assert too_long["errors"] == [{"field": "name", "code": "too_long"}]
    with schema_context(alpha.schema):
        assert User.objects.get(pk=alpha.users["parent"].pk).name == "Rahima Begum"
        assert User.objects.get(pk=alpha.users["student"].pk).name != "Rahima Begum"


@pytest.mark.parametrize("role", ["teacher", "student", "parent", None])
def test_only_admins_read_the_school_language_setting(alpha, beta, gql, role):
    Organisation.objects.filter(pk=beta.org.pk).update(language="bn")

    assert gql(alpha, "admin").ok("{ schoolLanguage }") == {"schoolLanguage": "en"}
    assert gql(beta, "admin").ok("{ schoolLanguage }") == {"schoolLanguage": "bn"}
    assert gql(alpha, role)("{ schoolLanguage }")["errors"]
