"""What stays on the server of the meetings app: the Zoom OAuth round trip (connect, callback,
disconnect) and the ICS feed; the pages the app replaced redirect into /app/. Thin: every
decision is in services and selectors."""

import logging
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from meetings import ics, services
from meetings.joining.links import join_urls_for
from meetings.models import CalendarFeed, ZoomConnection
from meetings.providers.base import MeetingProviderError
from meetings.services.connections import ZOOM_APP_RETURN_KEY
from tenants.accounts.models import Role
from tenants.audit.services import request_ip
from tenants.confirmation import EmailNotConfirmed
from tenants.selectors import person_language

logger = logging.getLogger(__name__)


# --- pages the app replaced: a permanent redirect into /app/ --------------------------------

# Old server page → its place in the app (bookmarks, old mails and calendar entries keep working).
APP_ZOOM = "/app/settings/zoom"  # the school's Zoom app (admins)
APP_MY_ZOOM = "/app/my-zoom"  # a teacher's own Zoom connection


def _zoom_home(request: HttpRequest) -> str:
    """Where a person's Zoom lives in the app: the school's Zoom settings for an admin, their
    own connection for a teacher, the home page for others (they have none)."""
    role = getattr(request.user, "role", None)
    if role == Role.ADMIN:
        return APP_ZOOM
    return APP_MY_ZOOM if role == Role.TEACHER else "/app/"


def zoom_page(request: HttpRequest) -> HttpResponse:
    """Retired: the person's Zoom page in the app (_zoom_home)."""
    return HttpResponsePermanentRedirect(_zoom_home(request))


def app_redirect(target: str) -> Callable[..., HttpResponse]:
    """A view answering 301 to `target` (formatted with the URL's arguments), for any method:
    the forms that posted here are gone with their pages."""

    def view(request: HttpRequest, **kwargs: object) -> HttpResponse:
        return HttpResponsePermanentRedirect(target.format(**kwargs))

    view.__doc__ = f"Retired: now {target} in the app."
    return view


# --- Zoom connection (teachers): the OAuth round trip stays on the server --------------------


def _zoom_refused(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    """Why Zoom did not connect, on a styled page with the way back into the app."""
    back = request.session.pop(ZOOM_APP_RETURN_KEY, None) or _zoom_home(request)
    return render(
        request, "meetings/zoom_result.html", {"error": message, "back": back}, status=status
    )


@login_required
@require_POST
def zoom_connect(request):
    try:
        url = services.zoom_connect_start(
            user=request.user, session=request.session, tenant=request.tenant
        )
    except (ValidationError, MeetingProviderError, EmailNotConfirmed) as exc:
        return _zoom_refused(
            request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        )
    return redirect(url)


@login_required
@require_GET
def zoom_callback(request):
    if request.GET.get("error"):
        return _zoom_refused(
            request, _("Zoom did not connect: %(error)s.") % {"error": request.GET.get("error")}
        )
    try:
        services.zoom_connect_complete(
            user=request.user,
            session=request.session,
            tenant=request.tenant,
            code=request.GET.get("code", ""),
            state=request.GET.get("state", ""),
            ip=request_ip(request),
        )
    except services.OAuthStateError as exc:
        return _zoom_refused(request, str(exc))
    except MeetingProviderError as exc:
        logger.warning("Zoom OAuth callback failed for %s: %s", request.user, exc)
        return _zoom_refused(
            request, _("Zoom did not connect: %(error)s") % {"error": exc.message}, status=502
        )
    # Back to the app's page that started it (connectZoom's returnTo), else the person's Zoom.
    back = request.session.pop(ZOOM_APP_RETURN_KEY, None) or _zoom_home(request)
    return redirect(f"{back}?zoom=connected")


@login_required
@require_POST
def zoom_disconnect(request):
    connection = get_object_or_404(ZoomConnection, user_id=request.user.pk)
    try:
        services.zoom_disconnect(connection=connection, actor=request.user, ip=request_ip(request))
    except PermissionDenied as exc:
        raise Http404 from exc
    return redirect(f"{_zoom_home(request)}?zoom=disconnected")


# --- calendar feed --------------------------------------------------------------------------


@require_GET
def calendar_feed(request, token):
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    meetings = list(ics.feed_meetings(user=feed.user))
    # The feed's owner's language: a calendar app fetching it says nothing about theirs.
    with translation.override(person_language(user=feed.user)):
        body = ics.calendar_render(
            meetings=meetings,
            name=_("%(school)s classes") % {"school": request.tenant.name},
            join_base=request.build_absolute_uri("/"),
            links=join_urls_for(user=feed.user, meetings=meetings),
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="classes.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
