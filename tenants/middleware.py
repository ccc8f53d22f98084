from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import Http404, HttpResponseNotFound
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

from tenants.connection import tenant_connection
from tenants.selectors import organisation_by_host

# What a suspended tenant still serves: Zoom keeps delivering webhooks and they must be stored.
SUSPENDED_ALLOWED_PREFIXES = ("/webhooks/",)


class PublicSite:
    """Stands for the public schema on the bare base domain (sign-up, operator admin)."""

    schema_name = get_public_schema_name()
    slug = ""
    name = "liveroll"
    is_suspended = False


class TenantHostMiddleware(TenantMainMiddleware):
    """Tenant from the Host header: `<slug>.<base domain>` is a tenant, the bare base domain is
    the public site, anything else is 404. A suspended tenant gets a clear page."""

    def process_request(self, request):
        tenant_connection().set_schema_to_public()
        try:
            hostname = self.hostname_from_request(request).lower()
        except DisallowedHost:
            return HttpResponseNotFound()
        if hostname in (settings.LIVEROLL_BASE_DOMAIN, "127.0.0.1"):
            request.tenant = PublicSite()
            self.setup_url_routing(request, force_public=True)
            return None
        tenant = organisation_by_host(host=hostname)
        if tenant is None:
            raise Http404(f"No school at {hostname}")
        request.tenant = tenant
        tenant_connection().set_tenant(tenant)
        self.setup_url_routing(request)
        if tenant.is_suspended and not request.path.startswith(SUSPENDED_ALLOWED_PREFIXES):
            return render(request, "tenants/suspended.html", {"tenant": tenant}, status=503)
        return None
