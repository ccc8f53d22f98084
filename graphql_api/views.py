"""`/graphql/` over HTTP. Sessions for the SPA (CSRF-checked, like any cookie-authenticated
POST), bearer tokens for API clients (no cookies, so no CSRF)."""

from cross_web import DjangoHTTPRequestAdapter  # strawberry's own request adapter
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from strawberry.django.views import GraphQLView

from graphql_api.json_input import json_input_decode
from tenants.accounts.middleware import enrolment_required
from tenants.accounts.services import TokenThrottled, api_token_signin
from tenants.accounts.twofactor import two_factor_enrolment_needed
from tenants.audit.services import request_ip


def _bearer(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class _RawBodyAdapter(DjangoHTTPRequestAdapter):
    # The stock adapter decodes the body itself and crashes on bytes that are not UTF-8:
    # hand the bytes on, decode_json refuses them with a 400.
    @property
    def body(self) -> bytes:
        return self.request.body


@method_decorator(csrf_exempt, name="dispatch")  # checked below, unless a bearer token is used
@method_decorator(ensure_csrf_cookie, name="dispatch")
class TenantGraphQLView(GraphQLView):
    graphql_ide = None
    request_adapter_class = _RawBodyAdapter

    def decode_json(self, data: str | bytes) -> object:
        # Bad bytes, deep nesting, lone surrogates: a 400 instead of a crash (json_input).
        return json_input_decode(data)

    def dispatch(self, request, *args, **kwargs):
        token = _bearer(request)
        if token is not None:
            try:
                user = api_token_signin(token=token, ip=request_ip(request))
            except TokenThrottled as exc:
                return JsonResponse({"errors": [{"message": exc.lockout.message}]}, status=429)
            if user is None:
                return JsonResponse(
                    {"errors": [{"message": "Invalid, expired or revoked API token."}]}, status=401
                )
            if two_factor_enrolment_needed(user=user, school=getattr(request, "tenant", None)):
                # A token does not dodge the school's rule (the session's path is the
                # middleware's, tenants.accounts.middleware).
                return enrolment_required()
            request.user = user
        elif request.method == "POST":
            rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if rejected is not None:
                return rejected
        return super().dispatch(request, *args, **kwargs)
