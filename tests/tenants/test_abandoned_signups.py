"""Sign-ups nobody used: operators see them and purge them, and nothing else goes."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists

from tenants import services
from tenants.accounts.models import User
from tenants.audit.models import AuditEntry
from tenants.models import Domain, Organisation
from tenants.school.models import SchoolClass

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase"


def _school(slug: str, *, age_days: int) -> Organisation:
    org = services.organisation_onboard(
        name=f"{slug.title()} School",
        slug=slug,
        admin_email=f"head@{slug}.test",
        admin_password=PASSWORD,
    )
    Organisation.objects.filter(pk=org.pk).update(
        created_at=timezone.now() - timedelta(days=age_days)
    )
    org.refresh_from_db()
    return org


def _sign_in(client, org: Organisation):
    client.defaults["HTTP_HOST"] = services.tenant_host(org.slug)
    response = client.post(
        "/accounts/login/", {"username": f"head@{org.slug}.test", "password": PASSWORD}
    )
    connection.set_schema_to_public()  # the request left the connection in the school's schema
    return response


def _operator(public_client, django_user_model):
    operator = django_user_model.objects.create_superuser("op@liveroll.test", "x" * 12)
    public_client.force_login(operator)
    return public_client


def test_the_first_sign_in_is_recorded_on_the_school_once(worlds, client):
    # given
    org = _school("fresh", age_days=30)
    assert org.first_signin_at is None

    # when
    assert _sign_in(client, org).status_code == 302
    first = Organisation.objects.get(pk=org.pk).first_signin_at
    client.logout()
    assert _sign_in(client, org).status_code == 302

    # then
    assert first is not None
    assert Organisation.objects.get(pk=org.pk).first_signin_at == first


def test_a_wrong_password_is_no_sign_in(worlds, client):
    org = _school("fresh", age_days=30)

    client.defaults["HTTP_HOST"] = services.tenant_host(org.slug)
    client.post("/accounts/login/", {"username": f"head@{org.slug}.test", "password": "nope"})

    assert Organisation.objects.get(pk=org.pk).first_signin_at is None


def test_purge_deletes_an_abandoned_school_and_keeps_used_recent_and_busy_ones(worlds, client):
    # given: four schools, only the first abandoned
    abandoned = _school("ghost", age_days=8)
    used = _school("used", age_days=30)
    assert _sign_in(client, used).status_code == 302
    recent = _school("recent", age_days=2)
    busy = _school("busy", age_days=30)  # nobody signed in, yet data got in (a class)
    with schema_context(busy.schema_name):
        SchoolClass.objects.create(name="Maths")

    # when
    call_command("purge_abandoned_signups")

    # then
    assert not schema_exists("ghost")
    assert not Organisation.objects.filter(slug="ghost").exists()
    assert not Domain.objects.filter(domain=services.tenant_host("ghost")).exists()
    for kept in (used, recent, busy, worlds["a"].org, worlds["b"].org):
        assert schema_exists(kept.schema_name), kept.slug
        assert Organisation.objects.filter(pk=kept.pk).exists(), kept.slug
    entry = AuditEntry.objects.get(action="organisation.purged")  # the public schema's log
    assert entry.actor_label == "operator (manage.py purge_abandoned_signups)"
    assert entry.details["slug"] == "ghost"
    assert entry.details["domains"] == [services.tenant_host("ghost")]
    assert entry.target_id == str(abandoned.pk)


def test_the_service_refuses_a_school_that_is_not_abandoned(worlds, client):
    used = _school("used", age_days=30)
    _sign_in(client, used)
    used.refresh_from_db()
    with schema_context(used.schema_name):
        assert User.objects.get().last_login is not None

    with pytest.raises(services.PurgeRefusedError, match="signed in"):
        services.organisation_purge(organisation=used, by="test")
    with pytest.raises(services.PurgeRefusedError, match="holds data"):
        services.organisation_purge(organisation=worlds["a"].org, by="test", days=0)

    assert schema_exists(used.schema_name) and schema_exists(worlds["a"].schema)


def test_a_second_user_counts_as_data(worlds):
    org = _school("invited", age_days=30)
    with schema_context(org.schema_name):
        User.objects.create_user("teacher@invited.test", PASSWORD)

    with pytest.raises(services.PurgeRefusedError, match=r"holds data \(accounts.user\)"):
        services.organisation_purge(organisation=org, by="test")


def test_the_dry_run_deletes_nothing(worlds, capsys):
    _school("ghost", age_days=8)

    call_command("purge_abandoned_signups", "--dry-run", "--days", "7")

    assert "would purge ghost" in capsys.readouterr().out
    assert schema_exists("ghost") and Organisation.objects.filter(slug="ghost").exists()
    assert not AuditEntry.objects.filter(action="organisation.purged").exists()


def test_days_says_when_a_sign_up_counts_as_abandoned(worlds):
    _school("ghost", age_days=8)

    call_command("purge_abandoned_signups", days=10)
    assert schema_exists("ghost")

    call_command("purge_abandoned_signups", days=5)
    assert not schema_exists("ghost")


def test_operators_see_abandoned_sign_ups(worlds, public_client, django_user_model, client):
    # given
    _school("ghost", age_days=8)
    used = _school("used", age_days=30)
    _sign_in(client, used)
    operator = _operator(public_client, django_user_model)

    # when
    page = operator.get("/admin/tenants/organisation/?abandoned=yes").content.decode()

    # then: only the abandoned one, with when it signed up and whether it holds data
    assert "Ghost School" in page
    assert "Used School" not in page and "Alpha School" not in page
    everything = operator.get("/admin/tenants/organisation/").content.decode()
    assert "First sign-in" in everything and "Created at" in everything
    assert 'alt="True"' in everything and 'alt="False"' in everything  # alpha holds data


def test_operators_purge_from_the_admin(worlds, public_client, django_user_model, client):
    ghost = _school("ghost", age_days=8)
    used = _school("used", age_days=30)
    _sign_in(client, used)
    operator = _operator(public_client, django_user_model)

    response = operator.post(
        "/admin/tenants/organisation/",
        {"action": "purge", "_selected_action": [ghost.pk, used.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert "Purged: ghost" in page
    assert "Used is kept: someone signed in" in page  # the admin capitalises messages
    assert not schema_exists("ghost") and schema_exists("used")
    assert AuditEntry.objects.get(action="organisation.purged").actor_label == "op@liveroll.test"


def test_no_one_but_an_operator_reaches_the_purge(worlds, alpha, public_client, django_user_model):
    ghost = _school("ghost", age_days=8)

    # a school's admin: its admin site has no organisations at all
    school_admin = alpha.client("admin")
    assert school_admin.get("/admin/tenants/organisation/").status_code == 404
    refused = school_admin.post(
        "/admin/tenants/organisation/", {"action": "purge", "_selected_action": [ghost.pk]}
    )
    assert refused.status_code == 404
    assert schema_exists("ghost")
    # staff on the bare domain who is no operator: sent to sign in
    staff = django_user_model.objects.create_user("staff@liveroll.test", "x" * 12, is_staff=True)
    public_client.force_login(staff)
    response = public_client.post(
        "/admin/tenants/organisation/", {"action": "purge", "_selected_action": [ghost.pk]}
    )

    assert response.status_code == 302
    assert schema_exists("ghost")


def test_the_migration_backfills_schools_signed_in_before_it(worlds, client):
    # given: a school signed in to before the column existed
    used = _school("used", age_days=30)
    _sign_in(client, used)
    Organisation.objects.filter(pk=used.pk).update(first_signin_at=None)
    never = _school("ghost", age_days=30)
    migration = importlib.import_module("tenants.migrations.0002_organisation_first_signin_at")

    # when
    with connection.schema_editor() as editor:
        migration.backfill_first_signin(django_apps, editor)

    # then: it is no abandoned sign-up, and one nobody signed in to still is
    with schema_context(used.schema_name):
        last_login = User.objects.get().last_login
    assert Organisation.objects.get(pk=used.pk).first_signin_at == last_login
    assert Organisation.objects.get(pk=never.pk).first_signin_at is None


def test_a_sign_in_through_the_api_counts_too(worlds, client):
    org = _school("apponly", age_days=30)
    client.defaults["HTTP_HOST"] = services.tenant_host(org.slug)
    mutation = f'mutation {{ login(email: "head@{org.slug}.test", password: "{PASSWORD}") {{ errors {{ message }} }} }}'

    response = client.post("/graphql/", {"query": mutation}, content_type="application/json")
    connection.set_schema_to_public()

    assert response.json()["data"]["login"] == {"errors": []}
    assert Organisation.objects.get(pk=org.pk).first_signin_at is not None


def test_the_operators_list_survives_a_school_whose_schema_is_gone(
    worlds, public_client, django_user_model
):
    _school("ghost", age_days=8)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # see organisation_purge
        cursor.execute('DROP SCHEMA "ghost" CASCADE')
    operator = _operator(public_client, django_user_model)

    page = operator.get("/admin/tenants/organisation/")

    assert page.status_code == 200 and "Ghost School" in page.content.decode()
