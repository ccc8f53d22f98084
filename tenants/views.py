from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenants import confirmation
from tenants.accounts.models import User
from tenants.audit.services import request_ip
from tenants.forms import SignupForm
from tenants.models import Organisation
from tenants.services import TemplateBehindError, organisation_onboard, tenant_url
from tenants.signup import signup_attempt


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    # The school's language starts as the one this page is shown in (the browser's).
    form = SignupForm(request.POST or None, initial={"language": get_language()})
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
                timezone_name=data["timezone"],
                language=data["language"],
            )
        except ValidationError as exc:
            form.add_error("slug", exc)
        except TemplateBehindError:
            form.add_error(None, _("Sign-up is paused for maintenance. Please try again shortly."))
        else:
            query = urlencode({"email": data["admin_email"], "welcome": "1"})
            return redirect(tenant_url(org.slug, f"/accounts/login/?{query}"))
    return render(
        request, "tenants/signup.html", {"form": form}, status=400 if form.errors else 200
    )


# --- confirming the school admin's email (tenant hosts) ------------------------------------


@require_GET
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation mail: opening it confirms (no sign-in needed; the signed,
    expiring token is the proof)."""
    school = _school(request)
    try:
        admin = confirmation.email_confirm(organisation=school, token=token)
    except confirmation.ConfirmationRefused as exc:
        context = {"tenant": school, "refused": str(exc)}
        return render(request, "tenants/email_confirm.html", context, status=400)
    context = {"tenant": school, "email": admin.email}
    return render(request, "tenants/email_confirm.html", context)


@login_required
@require_POST
def email_confirmation_resend(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User):
        raise Http404
    try:
        confirmation.confirmation_resend(
            organisation=_school(request), user=user, ip=request_ip(request)
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    except confirmation.ResendRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("We sent a new link to %(email)s.") % {"email": user.email})
    # Back to the page the banner was on, never to another site.
    back = request.POST.get("next") or "/"
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    return redirect(back if safe else "/")


def _school(request: HttpRequest) -> Organisation:
    school = getattr(request, "tenant", None)  # set by the tenant middleware on school hosts
    if not isinstance(school, Organisation):
        raise Http404
    return school
