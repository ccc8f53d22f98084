import time
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from tenants.accounts.forms import (
    CodeForm,
    EmailLoginForm,
    InvitationAcceptForm,
    SchoolPasswordResetForm,
    form_throttled,
)
from tenants.accounts.invitations import InvitationRefused, invitation_accept, invitation_open
from tenants.accounts.models import User
from tenants.accounts.passwords import password_changed, password_reset_attempt
from tenants.accounts.signin import signin_failed, signin_lockout
from tenants.accounts.twofactor import (
    TwoFactorLocked,
    TwoFactorState,
    WrongCode,
    two_factor_begin,
    two_factor_confirm,
    two_factor_disable,
    two_factor_enabled,
    two_factor_qr_svg,
    two_factor_uri,
    two_factor_verify,
)
from tenants.audit.services import audit_record, request_ip

# The second step of a sign-in waits this long for the code, then the password is asked again.
PENDING_SECONDS = 300
PENDING_KEY = "two_factor_pending"


class LoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_initial(self):
        return {"username": self.request.GET.get("email", "")}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            welcome=self.request.GET.get("welcome") == "1", tenant=self.request.tenant, **kwargs
        )

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form_throttled(form):
            response.status_code = 429
        return response

    def form_valid(self, form):
        user = form.get_user()
        if two_factor_enabled(user=user):
            # Right password: not signed in yet, the code is asked for next.
            self.request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": self.get_redirect_url(),
            }
            return HttpResponseRedirect("/accounts/login/code/")
        response = super().form_valid(form)
        audit_record(actor=user, action="user.login", ip=request_ip(self.request))
        return response


@require_http_methods(["GET", "POST"])
def login_code(request: Any) -> HttpResponse:  # Any: django-tenants adds `tenant`
    """The second step: the code from the authenticator app, or a recovery code."""
    pending = request.session.get(PENDING_KEY)
    user = None
    if isinstance(pending, dict) and time.time() - pending.get("at", 0) < PENDING_SECONDS:
        user = User.objects.filter(pk=pending.get("user") or 0, is_active=True).first()
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("login")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        ip = request_ip(request)
        try:
            two_factor_verify(user=user, code=form.cleaned_data["code"], ip=ip)
        except TwoFactorLocked as exc:
            form.add_error(None, exc.message)
            status = 429
        except WrongCode as exc:
            form.add_error("code", exc.message)
        else:
            del request.session[PENDING_KEY]
            login(request, user, backend=pending["backend"])
            audit_record(actor=user, action="user.login", ip=ip, details={"two_factor": True})
            target = pending.get("next") or "/"
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "/"
            return HttpResponseRedirect(target)
    return render(
        request, "accounts/login_code.html", {"form": form, "tenant": request.tenant}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: Any) -> HttpResponse:
    """Turn two-factor sign-in on (scan, confirm with a code, keep the recovery codes) or off."""
    user = request.user
    assert isinstance(user, User)
    ip = request_ip(request)
    form = CodeForm(request.POST or None)
    context: dict = {"tenant": request.tenant, "form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if request.POST.get("action") == "disable":
                two_factor_disable(user=user, code=code, ip=ip)
                context["disabled"] = True
                form = context["form"] = CodeForm()
            else:
                context["recovery_codes"] = two_factor_confirm(user=user, code=code, ip=ip)
                return render(request, "accounts/two_factor.html", {**context, "enabled": True})
        except TwoFactorLocked as exc:
            form.add_error(None, exc.message)
            status = 429
        except (WrongCode, TwoFactorState) as exc:
            form.add_error("code", exc.message)
    enabled = two_factor_enabled(user=user)
    context["enabled"] = enabled
    if not enabled:
        device = two_factor_begin(user=user)
        uri = two_factor_uri(device=device, issuer=f"liveroll · {request.tenant.name}")
        context.update(uri=uri, qr_svg=two_factor_qr_svg(uri=uri))
    return render(request, "accounts/two_factor.html", context, status=status)


def home(request: HttpRequest) -> HttpResponse:
    """`/` of a school: the app (it asks for a sign-in itself)."""
    return HttpResponsePermanentRedirect("/app/")


# --- invitations ---------------------------------------------------------------------------


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept_page(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation mail: the person chooses their password, is signed in and
    lands in the app."""
    tenant = request.tenant  # type: ignore[attr-defined]
    invitation = invitation_open(token=token)
    if invitation is None:
        context = {"tenant": tenant, "refused": InvitationRefused.message}
        return render(request, "accounts/invitation_accept.html", context, status=400)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token, password=form.cleaned_data["password1"], ip=request_ip(request)
            )
        except InvitationRefused:
            context = {"tenant": tenant, "refused": InvitationRefused.message}
            return render(request, "accounts/invitation_accept.html", context, status=400)
        except ValidationError as exc:
            form.add_error("password1", exc.message_dict.get("password", exc.messages))
        else:
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            return redirect("/app/")
    context = {"tenant": tenant, "invitation": invitation, "form": form}
    return render(
        request, "accounts/invitation_accept.html", context, status=400 if form.errors else 200
    )


# --- passwords -----------------------------------------------------------------------------


class SchoolContextMixin:
    request: HttpRequest

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["tenant"] = self.request.tenant  # type: ignore[attr-defined]
        return context


class PasswordResetView(SchoolContextMixin, auth_views.PasswordResetView):
    """Always answers "if the address is a person's, a mail is on its way"; counted per
    address and per client address."""

    form_class = SchoolPasswordResetForm
    template_name = "accounts/password_reset_form.html"

    def form_valid(self, form: Any) -> HttpResponse:
        refused = password_reset_attempt(
            email=form.cleaned_data["email"], ip=request_ip(self.request)
        )
        if refused is not None:
            form.add_error(None, refused)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


class PasswordResetDoneView(SchoolContextMixin, auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(SchoolContextMixin, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        password_changed(user=form.user, how="reset", ip=request_ip(self.request))
        return response


class PasswordResetCompleteView(SchoolContextMixin, auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(SchoolContextMixin, auth_views.PasswordChangeView):
    """The signed-in person's new password; their other sessions and API tokens end."""

    template_name = "accounts/password_change_form.html"

    def form_valid(self, form: Any) -> HttpResponse:
        # wrong current passwords count like wrong sign-ins, as in the app (password_change)
        lockout = signin_lockout(email=form.user.email, ip=request_ip(self.request))
        if lockout is not None:
            form.add_error("old_password", lockout.message)
            return self.form_invalid(form)
        response = super().form_valid(form)
        password_changed(user=form.user, how="changed", ip=request_ip(self.request))
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        if "old_password" in form.errors and form.user.is_authenticated:
            lockout = signin_failed(email=form.user.email, ip=request_ip(self.request))
            if lockout is not None:
                form.errors["old_password"] = form.error_class([lockout.message])
        return super().form_invalid(form)


class PasswordChangeDoneView(SchoolContextMixin, auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
