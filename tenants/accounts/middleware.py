"""Admins of a school that requires a second factor enrol before anything else; every request
in its person's language."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from tenants.accounts.models import User
from tenants.accounts.twofactor import two_factor_enrolment_needed
from tenants.models import Organisation
from tenants.selectors import person_language

ENROL_PATH = "/accounts/two-factor/"
# What an admin who must enrol may still reach: the enrolment page, signing out, static files.
OPEN_PATHS = (ENROL_PATH, "/accounts/logout/", "/static/")


def enrolment_required() -> JsonResponse:
    """GraphQL's answer to an admin who must enrol first."""
    return JsonResponse(
        {
            "errors": [
                {
                    "message": _(
                        "Your school requires two-factor sign-in for admins: set it up at "
                        "%(path)s first."
                    )
                    % {"path": ENROL_PATH},
                    "extensions": {"code": "two_factor_enrolment_required"},
                }
            ]
        },
        status=403,
    )


class TwoFactorEnrolmentMiddleware:
    """After authentication: an admin who must enrol is sent to the enrolment page (GraphQL
    answers 403 with code `two_factor_enrolment_required`). Costs nothing where the school
    does not require it (the flag is on the tenant already loaded)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        school = getattr(request, "tenant", None)
        user = getattr(request, "user", None)
        if (
            getattr(school, "admins_require_two_factor", False)
            and user is not None
            and not request.path.startswith(OPEN_PATHS)
            and two_factor_enrolment_needed(user=user, school=school)
        ):
            if request.path.startswith("/graphql/"):
                return enrolment_required()
            return HttpResponseRedirect(ENROL_PATH)
        return self.get_response(request)


class PersonLanguageMiddleware:
    """After authentication: pages, GraphQL messages and redirects in the person's language
    (theirs, else the browser's — the app's language switch, then Accept-Language — else the
    school's; `tenants.selectors.person_language`).
    Django's LocaleMiddleware knows only the browser and a cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        school = getattr(request, "tenant", None)
        language = person_language(
            user=user if isinstance(user, User) and user.is_authenticated else None,
            accept_language=request.headers.get("Accept-Language", ""),
            school=school if isinstance(school, Organisation) else None,
            picked=request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""),
        )
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response
