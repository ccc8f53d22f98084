"""Server-rendered pages for Zoom connection and class scheduling, the OAuth callback and the
ICS feed. Thin: every decision is in services and selectors."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meetings import ics, services
from meetings.forms import ScheduleForm, ZoomSettingsForm
from meetings.joining.links import join_urls_for
from meetings.models import CalendarFeed, ZoomConnection
from meetings.policy import (
    NotFound,
    access_admin,
    access_class,
    access_meeting,
)
from meetings.providers.base import MeetingProviderError
from meetings.services.connections import ZOOM_APP_RETURN_KEY
from meetings.zoom.factory import zoom_settings
from tenants.accounts.models import Role
from tenants.audit.services import request_ip
from tenants.confirmation import EmailNotConfirmed
from tenants.crypto import secret_hint

logger = logging.getLogger(__name__)


# The app (/app/) is where people schedule, list and run classes and connect their Zoom; the
# pages that did so here send them there (their POST forms still answer).
APP = "/app"


def _errors(exc: ValidationError) -> str:
    return "; ".join(exc.messages)


def _found(access, request, pk, *, to):
    """`access_meeting` / `access_class` for a page: nothing by that id for this user is a 404
    (not "forbidden": a guessed id learns nothing)."""
    try:
        return access(request.user, pk, to=to)
    except NotFound as exc:
        raise Http404 from exc


# --- Zoom connection (teachers) -------------------------------------------------------------


@login_required
@require_GET
def zoom_page(request):
    # A teacher's own Zoom is in the app; students and parents have none.
    own = request.user.role in (Role.TEACHER, Role.ADMIN)
    return redirect(f"{APP}/my-zoom" if own else f"{APP}/")


@login_required
@require_POST
def zoom_connect(request):
    try:
        url = services.zoom_connect_start(
            user=request.user, session=request.session, tenant=request.tenant
        )
    except (ValidationError, MeetingProviderError, EmailNotConfirmed) as exc:
        logger.info("Zoom connection for %s not started: %s", request.user, exc)
        return redirect(f"{APP}/my-zoom?zoom=failed")
    return redirect(url)


def _back(request, outcome: str, message: str):
    """Back into the app, which says `outcome` in the person's language: to the page that
    started the connection (connectZoom's returnTo), else their Zoom page."""
    if outcome != "connected":
        logger.info("Zoom connection for %s: %s (%s)", request.user, outcome, message)
    back = request.session.pop(ZOOM_APP_RETURN_KEY, None) or f"{APP}/my-zoom"
    return redirect(f"{back}?zoom={outcome}")


@login_required
@require_GET
def zoom_callback(request):
    if request.GET.get("error"):
        return _back(request, "denied", f"Zoom did not connect: {request.GET.get('error')}.")
    try:
        connection = services.zoom_connect_complete(
            user=request.user,
            session=request.session,
            tenant=request.tenant,
            code=request.GET.get("code", ""),
            state=request.GET.get("state", ""),
            ip=request_ip(request),
        )
    except services.OAuthStateError as exc:
        return _back(request, "expired", str(exc))
    except MeetingProviderError as exc:
        logger.warning("Zoom OAuth callback failed for %s: %s", request.user, exc)
        return _back(request, "failed", f"Zoom did not connect: {exc.message}")
    return _back(request, "connected", f"Connected as {connection.zoom_email}.")


@login_required
@require_POST
def zoom_disconnect(request, user_id=None):
    connection = get_object_or_404(ZoomConnection, user_id=user_id or request.user.pk)
    try:
        services.zoom_disconnect(connection=connection, actor=request.user, ip=request_ip(request))
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(request, "Zoom disconnected.")
    return redirect("zoom" if user_id is None else "zoom_settings")


# --- Zoom settings (admins) -----------------------------------------------------------------


def _require_admin(request):
    access_admin(request.user)


@login_required
@require_http_methods(["GET", "POST"])
def zoom_settings_page(request):
    _require_admin(request)
    zoom = zoom_settings()
    initial = {
        name: getattr(zoom, name) for name in ("client_id", "account_id", "account_host_user")
    } | {"api_base_url": zoom.api_base_url, "oauth_base_url": zoom.oauth_base_url}
    form = ZoomSettingsForm(request.POST or None, initial=initial)
    test_result = None
    if request.method == "POST" and "test" in request.POST:
        form = ZoomSettingsForm(initial=initial)
        try:
            test_result = services.zoom_settings_test(actor=request.user, ip=request_ip(request))
        except EmailNotConfirmed as exc:
            messages.error(request, str(exc))
    elif request.method == "POST" and form.is_valid():
        try:
            services.zoom_settings_save(
                actor=request.user, ip=request_ip(request), **form.cleaned_data
            )
        except EmailNotConfirmed as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, "Zoom settings saved.")
            return redirect("zoom_settings")
    zoom.refresh_from_db()
    return render(
        request,
        "meetings/zoom_settings.html",
        {
            "form": form,
            "zoom": zoom,
            "callback_url": services.zoom_callback_url(slug=request.tenant.slug),
            "client_secret_hint": secret_hint(zoom.client_secret),
            "webhook_secret_hint": secret_hint(zoom.webhook_secret_token),
            "test_result": test_result,
            "connections": ZoomConnection.objects.select_related("user").order_by("user__email"),
        },
    )


# --- classes and meetings -------------------------------------------------------------------


@login_required
@require_GET
def class_list(request):
    return redirect(f"{APP}/sessions")


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request, class_id):
    school_class = _found(access_class, request, class_id, to="manage")
    if request.method == "GET":
        return redirect(f"{APP}/schedule?class={school_class.pk}")
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_schedule(
                actor=request.user,
                school_class=school_class,
                title=data["title"],
                description=data["description"],
                start_time=data["start_time"],
                duration_minutes=data["duration_minutes"],
                timezone_name=data["timezone"],
                recurrence=data["recurrence"],
                registration_enabled=data["registration_enabled"],
                ip=request_ip(request),
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        except MeetingProviderError as exc:
            form.add_error(None, f"Zoom refused the class: {exc.message}")
        else:
            messages.success(request, "Class scheduled.")
            return redirect("meeting_detail", meeting_id=meeting.pk)
    return render(
        request, "meetings/meeting_new.html", {"form": form, "school_class": school_class}
    )


@login_required
@require_GET
def meeting_detail(request, meeting_id):
    meeting = _found(access_meeting, request, meeting_id, to="read")
    return redirect(f"{APP}/meetings/{meeting.pk}/about")


@login_required
@require_POST
def meeting_start(request, meeting_id):
    meeting = _found(access_meeting, request, meeting_id, to="manage")
    try:
        start_url = services.meeting_start(
            actor=request.user, meeting=meeting, ip=request_ip(request)
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    except (ValidationError, MeetingProviderError) as exc:
        text = _errors(exc) if isinstance(exc, ValidationError) else exc.message
        messages.error(request, f"Could not start the class: {text}")
        return redirect("meeting_detail", meeting_id=meeting.pk)
    return redirect(start_url)


@login_required
@require_POST
def meeting_cancel(request, meeting_id):
    meeting = _found(access_meeting, request, meeting_id, to="manage")
    try:
        services.meeting_cancel(
            actor=request.user,
            meeting=meeting,
            whole_series=request.POST.get("whole_series") == "1",
            ip=request_ip(request),
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    except (ValidationError, MeetingProviderError) as exc:
        text = _errors(exc) if isinstance(exc, ValidationError) else exc.message
        messages.error(request, f"Could not cancel: {text}")
    else:
        messages.success(request, "Cancelled.")
    return redirect("meeting_detail", meeting_id=meeting.pk)


# --- calendar feed --------------------------------------------------------------------------


@login_required
@require_GET
def calendar_page(request):
    feed, _ = CalendarFeed.objects.get_or_create(user=request.user)
    url = request.build_absolute_uri(f"/calendar/{feed.token}.ics")
    return render(request, "meetings/calendar.html", {"feed_url": url})


@require_GET
def calendar_feed(request, token):
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    meetings = list(ics.feed_meetings(user=feed.user))
    body = ics.calendar_render(
        meetings=meetings,
        name=f"{request.tenant.name} classes",
        join_base=request.build_absolute_uri("/"),
        links=join_urls_for(user=feed.user, meetings=meetings),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="classes.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
