"""The calendar OAuth callback: the one server page of the calendar sync. Thin: the state,
the code exchange and the connection are `services.calendar_connect_finish`'s. It always ends
in the app, on the person's Calendars section, with `?calendar=connected` or
`?calendar=error&reason=<code>` (denied, state, not_set_up, busy, refused, unavailable)."""

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from meetings.calendar_sync import services
from meetings.calendar_sync.models import Provider
from meetings.calendar_sync.providers.base import CalendarError, CalendarUnavailable
from tenants.audit.services import request_ip
from tenants.confirmation import EmailNotConfirmed

logger = logging.getLogger(__name__)

APP_CALENDARS = "/app/profile"
ANCHOR = "#calendars"


def _back(outcome: str, reason: str = "") -> HttpResponse:
    query = f"calendar={outcome}" + (f"&reason={reason}" if reason else "")
    return redirect(f"{APP_CALENDARS}?{query}{ANCHOR}")


@login_required
@require_GET
def calendar_callback(request: HttpRequest, provider: str) -> HttpResponse:
    if provider not in Provider.values:
        raise Http404
    if request.GET.get("error"):
        # The person said no at the provider (access_denied), or the provider refused.
        return _back("error", "denied")
    try:
        services.calendar_connect_finish(
            user=request.user,  # type: ignore[arg-type]  # login_required: a User
            provider=provider,
            session=request.session,
            tenant=request.tenant,  # type: ignore[attr-defined]  # django-tenants sets it
            code=request.GET.get("code", ""),
            state=request.GET.get("state", ""),
            ip=request_ip(request),
        )
    except services.CalendarStateError:
        return _back("error", "state")
    except (services.CalendarNotSetUp, EmailNotConfirmed, PermissionDenied):
        return _back("error", "not_set_up")
    except ValidationError:
        return _back("error", "busy")
    except CalendarUnavailable as exc:
        logger.warning("calendar callback for %s: %s", request.user, exc)
        return _back("error", "unavailable")
    except CalendarError as exc:
        logger.warning("calendar callback for %s: %s", request.user, exc)
        return _back("error", "refused")
    return _back("connected")
