from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tenants.accounts.forms import EmailLoginForm, form_throttled
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
