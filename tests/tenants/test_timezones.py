"""The school's default time zone: chosen at sign-up (UTC if not), validated, changed by the
operators; a person who chose no zone of their own reads times in it (`person_timezone`)."""

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from tenants import services
from tenants.accounts.models import User
from tenants.models import Organisation
from tenants.selectors import person_timezone, school_timezone

pytestmark = pytest.mark.django_db


def _signup(client, **overrides):
    data = {
        "school_name": "Riverside Academy",
        "slug": "riverside",
        "admin_email": "head@riverside.test",
        "admin_name": "Rita Head",
        "password": "a-long-enough-passphrase",
    }
    data.update(overrides)
    return client.post("/", data)


def test_the_signup_form_offers_zones_with_utc_chosen(worlds, public_client):
    form = public_client.get("/").context["form"]
    assert form["timezone"].value() == "UTC"
    assert ("Asia/Dhaka", "Asia/Dhaka") in form.fields["timezone"].choices


def test_a_school_signs_up_with_its_time_zone(worlds, public_client):
    response = _signup(public_client, timezone="Asia/Dhaka")
    assert response.status_code == 302
    assert Organisation.objects.get(slug="riverside").timezone == "Asia/Dhaka"


def test_a_school_that_names_no_zone_gets_utc(worlds, public_client):
    assert _signup(public_client).status_code == 302
    assert Organisation.objects.get(slug="riverside").timezone == "UTC"


def test_the_signup_form_refuses_an_unknown_zone(worlds, public_client):
    response = _signup(public_client, timezone="Mars/Olympus")
    assert response.status_code == 400
    assert response.context["form"].errors["timezone"]
    assert not Organisation.objects.filter(slug="riverside").exists()


def test_onboarding_refuses_an_unknown_zone(worlds):
    with pytest.raises(ValidationError, match="not a time zone"):
        services.organisation_onboard(
            name="Nowhere",
            slug="nowhere",
            admin_email="a@nowhere.test",
            admin_password="a-long-enough-passphrase",
            timezone_name="Mars/Olympus",
        )
    assert not Organisation.objects.filter(slug="nowhere").exists()


def _organisation_form(org: Organisation, zone: str) -> dict:
    domains = list(org.domains.all())
    data = {
        "name": org.name,
        "suspended_reason": org.suspended_reason,
        "timezone": zone,
        "language": org.language,
        "domains-TOTAL_FORMS": str(len(domains)),
        "domains-INITIAL_FORMS": str(len(domains)),
    }
    for i, domain in enumerate(domains):
        data |= {
            f"domains-{i}-id": domain.pk,
            f"domains-{i}-tenant": org.pk,
            f"domains-{i}-domain": domain.domain,
            f"domains-{i}-is_primary": "on" if domain.is_primary else "",
        }
    return data


def test_an_operator_changes_a_schools_zone_and_a_bad_one_is_refused(
    alpha, public_client, django_user_model
):
    public_client.force_login(django_user_model.objects.create_superuser("op@x.test", "x" * 12))
    url = f"/admin/tenants/organisation/{alpha.org.pk}/change/"

    bad = public_client.post(url, _organisation_form(alpha.org, "Mars/Olympus"))
    assert bad.status_code == 200
    assert bad.context["adminform"].form.errors["timezone"]

    good = public_client.post(url, _organisation_form(alpha.org, "Asia/Dhaka"))
    assert good.status_code == 302, good.context and good.context["adminform"].form.errors
    assert Organisation.objects.get(pk=alpha.org.pk).timezone == "Asia/Dhaka"


def test_a_person_without_a_zone_has_the_schools(alpha, beta):
    Organisation.objects.filter(pk=alpha.org.pk).update(timezone="Asia/Dhaka")
    with schema_context(alpha.schema):
        unset = User.objects.get(pk=alpha.users["student"].pk)
        assert (school_timezone(), person_timezone(user=unset)) == ("Asia/Dhaka", "Asia/Dhaka")
        unset.timezone = "Europe/Paris"
        assert person_timezone(user=unset) == "Europe/Paris"
        assert person_timezone(user=None) == "Asia/Dhaka"
    # each school its own
    with schema_context(beta.schema):
        assert person_timezone(user=User.objects.get(pk=beta.users["student"].pk)) == "UTC"


def test_outside_a_school_the_zone_is_utc(worlds):
    assert school_timezone() == "UTC"


def test_organisation_timezone_set_validates_and_audits(alpha):
    from tenants.audit.models import AuditEntry

    org = Organisation.objects.get(pk=alpha.org.pk)
    with schema_context(alpha.schema):
        with pytest.raises(ValidationError):
            services.organisation_timezone_set(
                organisation=org, timezone_name="Nowhere", actor=alpha.users["admin"]
            )
        services.organisation_timezone_set(
            organisation=org, timezone_name="Asia/Dhaka", actor=alpha.users["admin"]
        )
        entry = AuditEntry.objects.get(action="organisation.timezone")
    assert entry.details == {"from": "UTC", "to": "Asia/Dhaka"}
    assert Organisation.objects.get(pk=alpha.org.pk).timezone == "Asia/Dhaka"


def test_the_onboard_command_takes_a_zone_and_refuses_a_bad_one(worlds):
    from django.core.management import CommandError, call_command

    args = ["--name", "Cmd", "--admin-email", "a@cmd.test", "--admin-password", "x-long-pass-9"]
    with pytest.raises(CommandError, match="not a time zone"):
        call_command("onboard_tenant", "cmd", *args, "--timezone", "Mars/Olympus")
    call_command("onboard_tenant", "cmd", *args, "--timezone", "Asia/Dhaka")
    assert Organisation.objects.get(slug="cmd").timezone == "Asia/Dhaka"
