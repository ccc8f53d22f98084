import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from tenants.audit.models import AuditEntry
from tenants.models import Organisation

pytestmark = pytest.mark.django_db


def test_suspended_tenant_shows_a_suspended_page_on_every_page(alpha):
    # given
    client = alpha.client("admin")

    # when
    call_command("suspend_tenant", "alpha", reason="unpaid invoice")

    # then
    for path in ("/", "/accounts/login/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 503
        assert b"Alpha School is suspended" in response.content
    with schema_context("alpha"):
        entry = AuditEntry.objects.get(action="organisation.suspended")
        assert entry.details == {"reason": "unpaid invoice"}


def test_reactivated_tenant_serves_again(alpha, beta):
    call_command("suspend_tenant", "alpha")
    assert beta.client().get("/accounts/login/").status_code == 200  # others unaffected

    call_command("suspend_tenant", "alpha", reactivate=True)

    assert Organisation.objects.get(slug="alpha").status == Organisation.Status.ACTIVE
    assert alpha.client().get("/accounts/login/").status_code == 200
