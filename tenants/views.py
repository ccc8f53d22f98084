from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from tenants.audit.services import request_ip
from tenants.forms import SignupForm
from tenants.services import TemplateBehindError, organisation_onboard, tenant_url
from tenants.signup import signup_attempt


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Only complete forms count: typing mistakes are not school creations.
        refused = signup_attempt(ip=request_ip(request))
        if refused is not None:
            form.add_error(None, refused)
            return render(request, "tenants/signup.html", {"form": form}, status=429)
        data = form.cleaned_data
        try:
            org = organisation_onboard(
                name=data["school_name"],
                slug=data["slug"],
                admin_email=data["admin_email"],
                admin_password=data["password"],
                admin_name=data["admin_name"],
            )
        except ValidationError as exc:
            form.add_error("slug", exc)
        except TemplateBehindError:
            form.add_error(None, "Sign-up is paused for maintenance. Please try again shortly.")
        else:
            query = urlencode({"email": data["admin_email"], "welcome": "1"})
            return redirect(tenant_url(org.slug, f"/accounts/login/?{query}"))
    return render(
        request, "tenants/signup.html", {"form": form}, status=400 if form.errors else 200
    )
