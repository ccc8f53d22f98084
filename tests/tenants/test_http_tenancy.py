"""HTTP requests run in the schema of the Host's tenant, and nothing crosses between tenants."""

import pytest
from django_tenants.utils import schema_context

from tenants.school.models import SchoolClass

pytestmark = pytest.mark.django_db


def test_unknown_host_is_404(worlds):
    from django.test import Client

    for host in ("nowhere.localhost", "alpha.localhost.evil.test", "spare-x.localhost"):
        assert Client(HTTP_HOST=host).get("/accounts/login/").status_code == 404


def test_each_host_serves_its_own_tenant(alpha, beta):
    assert b"Sign in to Alpha School" in alpha.client().get("/accounts/login/").content
    assert b"Sign in to Beta" in beta.client().get("/accounts/login/").content


def test_the_api_shows_only_this_tenants_data(alpha, beta):
    # given: the same user id exists in both schemas, with different people behind it
    assert alpha.users["teacher"].pk == beta.users["teacher"].pk

    # when
    response = alpha.client("teacher").post(
        "/graphql/", {"query": "{ me { email } classes { name } }"}, content_type="application/json"
    )

    # then
    data = response.json()["data"]
    assert data["me"]["email"] == "teacher@alpha.test"
    assert [c["name"] for c in data["classes"]] == ["Alpha School maths"]
    assert "beta" not in response.content.decode().lower()


def test_a_session_from_one_tenant_is_worthless_on_another(alpha, beta):
    # given: a cookie issued by alpha
    client = alpha.client("admin")
    assert client.get("/accounts/password/change/").status_code == 200

    # when: the same cookie is sent to beta's host
    client.defaults["HTTP_HOST"] = beta.host
    response = client.get("/accounts/password/change/")

    # then: beta does not know that session
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_checks_the_password_in_the_hosts_tenant_only(alpha, beta):
    # alpha's admin does not exist at beta
    response = beta.client().post(
        "/accounts/login/", {"username": "admin@alpha.test", "password": "correct-horse-battery"}
    )
    assert response.status_code == 200
    assert b"Please enter a correct" in response.content


def test_school_admin_lists_only_its_own_people(alpha, beta):
    page = alpha.client("admin").get("/admin/accounts/user/").content.decode()

    assert "teacher@alpha.test" in page
    assert "@beta.test" not in page


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_school_admin_is_for_admins_only(alpha, role):
    # staff, so that only the role keeps them out (Django's own check wants is_staff)
    user = alpha.users[role]
    with schema_context(alpha.schema):
        type(user).objects.filter(pk=user.pk).update(is_staff=True)
    response = alpha.client(role).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_tenant_admin_cannot_use_the_operators_admin(alpha, public_client):
    with schema_context(alpha.schema):
        public_client.force_login(alpha.users["admin"])  # a session in alpha's schema
    assert public_client.get("/admin/").status_code == 302


def test_the_operators_admin_is_for_superusers_only(worlds, public_client, django_user_model):
    staff = django_user_model.objects.create_user("staff@liveroll.test", "x" * 12, is_staff=True)
    public_client.force_login(staff)  # a public-schema user, staff but not superuser
    assert public_client.get("/admin/").status_code == 302


def test_operator_admin_lists_organisations(worlds, public_client, django_user_model):
    operator = django_user_model.objects.create_superuser("op@liveroll.test", "x" * 12)
    public_client.force_login(operator)

    page = public_client.get("/admin/tenants/organisation/").content.decode()

    assert "Alpha School" in page and "Beta" in page


def test_writes_through_a_request_land_in_the_hosts_schema(alpha, beta):
    # when: alpha's admin adds a class through alpha's admin
    response = alpha.client("admin").post(
        "/admin/school/schoolclass/add/",
        {
            "name": "Alpha art",
            "description": "",
            "teachers": [alpha.users["teacher"].pk],
            "enrolment_set-TOTAL_FORMS": "0",
            "enrolment_set-INITIAL_FORMS": "0",
        },
    )

    # then
    assert response.status_code == 302, response.content
    with schema_context(alpha.schema):
        assert SchoolClass.objects.filter(name="Alpha art").exists()
    with schema_context(beta.schema):
        assert not SchoolClass.objects.filter(name="Alpha art").exists()
