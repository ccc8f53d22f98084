import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from tenants import services
from tenants.accounts.models import Role, User
from tenants.audit.models import AuditEntry
from tenants.models import Domain, Organisation

pytestmark = pytest.mark.django_db


def _signup(client, **overrides):
    data = {
        "school_name": "Riverside Academy",
        "slug": "riverside",
        "admin_email": "Head@Riverside.test",
        "admin_name": "Rita Head",
        "password": "a-long-enough-passphrase",
    }
    data.update(overrides)
    return client.post("/", data)


def test_signup_page_creates_a_tenant_whose_admin_can_log_in_at_its_subdomain(
    worlds, public_client, client
):
    # when
    response = _signup(public_client)

    # then: redirected to the new school's own login page
    assert response.status_code == 302
    assert response["Location"] == (
        "http://riverside.localhost:8000/accounts/login/?email=Head%40Riverside.test&welcome=1"
    )
    org = Organisation.objects.get(slug="riverside")
    assert org.status == Organisation.Status.ACTIVE
    assert Domain.objects.get(tenant=org).domain == "riverside.localhost"
    assert schema_exists("riverside")

    # and the admin logs in there, by email, and lands on the school's home page
    client.defaults["HTTP_HOST"] = "riverside.localhost"
    login_page = client.get("/accounts/login/?email=head%40riverside.test&welcome=1")
    assert b"Sign in to Riverside Academy" in login_page.content
    login = client.post(
        "/accounts/login/",
        {"username": "head@riverside.test", "password": "a-long-enough-passphrase"},
    )
    assert login.status_code == 302, login.content
    assert login["Location"] == "/app/"  # into the app; `/` of the school goes there too
    assert client.get("/")["Location"] == "/app/"
    me = client.post(
        "/graphql/", {"query": "{ me { email role } }"}, content_type="application/json"
    )
    assert me.json()["data"]["me"] == {"email": "head@riverside.test", "role": "ADMIN"}
    with schema_context("riverside"):
        admin = User.objects.get()
        assert (admin.email, admin.role, admin.is_staff) == (
            "head@riverside.test",
            Role.ADMIN,
            True,
        )
        assert AuditEntry.objects.filter(action="organisation.onboarded").exists()
        assert AuditEntry.objects.filter(action="user.login", actor=admin).exists()


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("www", "reserved"),
        ("admin", "reserved"),
        ("pg-school", "reserved"),
        ("tenant-template", "reserved"),  # its schema would be the template's
        ("information-schema", "reserved"),  # PostgreSQL's own
        ("Bad_Slug", "lowercase letters"),
        ("-lead", "lowercase letters"),
        ("trail-", "lowercase letters"),
        ("a--b", "two hyphens"),
        ("x" * 33, "at most 32 characters"),
        ("", "This field is required"),
        ("alpha", "already taken"),
    ],
)
def test_signup_rejects_bad_slugs_with_a_clear_message(worlds, public_client, slug, message):
    # given
    tenants_before = Organisation.objects.count()

    # when
    response = _signup(public_client, slug=slug)

    # then
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Organisation.objects.count() == tenants_before


def test_signup_rejects_a_weak_password_and_keeps_what_was_typed(worlds, public_client):
    response = _signup(public_client, password="123")

    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert 'value="Riverside Academy"' in response.content.decode()
    assert not Organisation.objects.filter(slug="riverside").exists()


def test_failed_onboarding_leaves_no_schema_or_rows(worlds, monkeypatch):
    # given: creating the admin user fails after the schema was cloned
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(User.objects, "create_user", boom)

    # when
    with pytest.raises(RuntimeError):
        services.organisation_onboard(
            name="Doomed", slug="doomed", admin_email="a@d.test", admin_password="x" * 12
        )

    # then
    assert not schema_exists("doomed")
    assert not Organisation.objects.filter(slug="doomed").exists()
    assert not Domain.objects.filter(domain__startswith="doomed.").exists()


def test_onboarding_claims_a_spare_schema_when_one_is_ready(worlds):
    # given
    assert services.spare_pool_fill(target=1) == 1
    spare = Organisation.objects.get(status=Organisation.Status.SPARE)

    # when
    org = services.organisation_onboard(
        name="Quick School", slug="quick", admin_email="a@q.test", admin_password="x" * 12
    )

    # then: the spare was renamed into the new tenant, and it works
    assert org.pk == spare.pk
    assert org.schema_name == "quick"
    assert not schema_exists(spare.schema_name)
    assert not Organisation.objects.filter(status=Organisation.Status.SPARE).exists()
    with schema_context("quick"):
        assert list(User.objects.values_list("email", flat=True)) == ["a@q.test"]
        assert AuditEntry.objects.get().details["source"] == "spare"


def test_spares_are_invisible_to_hosts_and_fan_out(worlds):
    from tenants.selectors import organisation_by_host, organisation_list_serving

    services.spare_pool_fill(target=1)
    spare = Organisation.objects.get(status=Organisation.Status.SPARE)
    Domain.objects.create(domain="sneaky.localhost", tenant=spare)

    assert organisation_by_host(host="sneaky.localhost") is None
    assert spare not in organisation_list_serving()


def test_onboarding_refuses_to_clone_a_template_that_is_behind(worlds, public_client):
    # given: the template lacks the school app's latest migration (as when code is newer than
    # the template)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM tenant_template.django_migrations WHERE id = (SELECT id FROM"
            " tenant_template.django_migrations WHERE app = 'school' ORDER BY name DESC LIMIT 1)"
            " RETURNING name"
        )
        (latest,) = cursor.fetchone()
    services._template_checked = False
    try:
        # when / then
        with pytest.raises(services.TemplateBehindError, match=f"school.{latest}"):
            services.organisation_onboard(
                name="Late", slug="late", admin_email="a@l.test", admin_password="x" * 12
            )
        response = _signup(public_client, slug="late")
        assert response.status_code == 400
        assert "paused for maintenance" in response.content.decode()
    finally:
        services._template_checked = False


def test_tenant_made_by_cloning_has_every_tenant_table_and_no_template_rows(worlds):
    with schema_context("alpha"):
        tables = set(connection.introspection.table_names())
    with schema_context("tenant_template"):
        template_tables = set(connection.introspection.table_names())
        assert not User.objects.exists()
    assert "school_schoolclass" in tables
    assert "meetings_zoomsettings" in tables
    assert tables == template_tables
    assert "tenants_organisation" not in tables


def test_onboard_tenant_command(worlds, capsys):
    call_command(
        "onboard_tenant",
        "hillside",
        name="Hillside",
        admin_email="boss@hillside.test",
        admin_password="x" * 12,
    )

    assert "Hillside is ready at http://hillside.localhost:8000/" in capsys.readouterr().out
    with schema_context("hillside"):
        assert User.objects.get().role == Role.ADMIN
    with pytest.raises(CommandError, match="already taken"):
        call_command(
            "onboard_tenant", "hillside", name="H", admin_email="b@h.test", admin_password="x" * 12
        )


def test_slug_validation_maps_hyphens_to_a_schema_name():
    assert services.schema_name_for("st-marys") == "st_marys"
    with pytest.raises(ValidationError):
        services.slug_validate("st_marys")
