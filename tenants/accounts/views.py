from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from tenants.accounts.forms import (
    EmailLoginForm,
    InvitationAcceptForm,
    SchoolPasswordResetForm,
    form_throttled,
)
from tenants.accounts.invitations import InvitationRefused, invitation_accept, invitation_open
from tenants.accounts.passwords import password_changed, password_reset_attempt
from tenants.audit.services import audit_record, request_ip


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
        response = super().form_valid(form)
        audit_record(actor=form.get_user(), action="user.login", ip=request_ip(self.request))
        return response


@login_required
def home(request):
    user = request.user
    return render(
        request,
        "accounts/home.html",
        {
            "tenant": request.tenant,
            "classes_taught": user.classes_taught.all(),
            "classes_enrolled": user.classes_enrolled.all(),
            "children": [link.student for link in user.child_links.select_related("student")],
        },
    )


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
        response = super().form_valid(form)
        password_changed(user=form.user, how="changed", ip=request_ip(self.request))
        return response


class PasswordChangeDoneView(SchoolContextMixin, auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
