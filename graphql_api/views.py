"""`/graphql/` over HTTP. Sessions for the SPA (CSRF-checked, like any cookie-authenticated
POST), bearer tokens for API clients (no cookies, so no CSRF)."""

from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from strawberry.django.views import GraphQLView

from tenants.accounts.services import api_token_authenticate


def _bearer(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@method_decorator(csrf_exempt, name="dispatch")  # checked below, unless a bearer token is used
@method_decorator(ensure_csrf_cookie, name="dispatch")
class TenantGraphQLView(GraphQLView):
    graphql_ide = None

    def dispatch(self, request, *args, **kwargs):
        token = _bearer(request)
        if token is not None:
            user = api_token_authenticate(token=token)
            if user is None:
                from django.http import JsonResponse

                return JsonResponse(
                    {"errors": [{"message": "Invalid, expired or revoked API token."}]}, status=401
                )
            request.user = user
        elif request.method == "POST":
            rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if rejected is not None:
                return rejected
        return super().dispatch(request, *args, **kwargs)
