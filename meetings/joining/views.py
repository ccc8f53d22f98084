"""`/join/<token>/`: thin. The decision is `services.join_attempt`; this turns it into a 302 to
Zoom or a page. Every answer is `no-store` with no referrer (the token is in the URL)."""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from meetings.joining.services import DEVICE_COOKIE, JoinDecision, Outcome, Reason, join_attempt
from tenants.audit.services import request_ip

logger = logging.getLogger(__name__)

DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600  # browsers cap cookies at 400 days

TEXT: dict[Reason, tuple[StrPromise, StrPromise]] = {
    Reason.BAD_TOKEN: (
        gettext_lazy("This link does not work"),
        gettext_lazy(
            "It is not a join link of this school, or it was changed on the way. Open the link "
            "from your email or from the app again."
        ),
    ),
    Reason.NO_MEETING: (
        gettext_lazy("No such class"),
        gettext_lazy("This class does not exist (any more)."),
    ),
    Reason.NO_SUBJECT: (
        gettext_lazy("This link does not work"),
        gettext_lazy("The person this link was made for cannot join here any more."),
    ),
    Reason.CANCELLED: (
        gettext_lazy("This class was cancelled"),
        gettext_lazy("There is nothing to join."),
    ),
    Reason.OTHER_PERSON: (
        gettext_lazy("This link is someone else's"),
        gettext_lazy(
            "You are signed in as another person. Each link is personal: use your own, from "
            "your email or the app."
        ),
    ),
    Reason.NOT_ALLOWED: (
        gettext_lazy("You are not in this class"),
        gettext_lazy(
            "This link is for people the class is for. If you think you should be, ask your "
            "teacher or the school."
        ),
    ),
    Reason.REGISTRATION_CANCELLED: (
        gettext_lazy("Your place in this class was cancelled"),
        gettext_lazy("Ask your teacher or the school if you think it should not have been."),
    ),
    Reason.GUEST_REVOKED: (
        gettext_lazy("This invitation was withdrawn"),
        gettext_lazy("Ask the person who invited you for a new one."),
    ),
    Reason.OTHER_DEVICE: (
        gettext_lazy("This link is in use on another device"),
        gettext_lazy(
            "It was first opened on another device. Open it there, or sign in to join from here."
        ),
    ),
    Reason.ENDED: (
        gettext_lazy("This class has ended"),
        gettext_lazy("The join link worked until the class was over."),
    ),
    Reason.THROTTLED: (
        gettext_lazy("Too many attempts"),
        gettext_lazy(
            "This link or your network tried too often. Wait a few minutes and try again."
        ),
    ),
    Reason.ZOOM_UNAVAILABLE: (
        gettext_lazy("Zoom is not answering right now"),
        gettext_lazy("Your place is kept. Try again in a moment."),
    ),
}


def _zone(*names: str) -> ZoneInfo:
    for name in names:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _local(moment: datetime, zone: ZoneInfo) -> str:
    """In the page's language (day and month names), in the person's zone."""
    return date_format(moment.astimezone(zone), "l j F Y, H:i") + f" ({zone.key})"


def _page(request: HttpRequest, decision: JoinDecision) -> HttpResponse:
    meeting, subject = decision.meeting, decision.subject
    zone = _zone(subject.timezone if subject else "", meeting.timezone if meeting else "")
    heading, text = TEXT.get(decision.reason, TEXT[Reason.BAD_TOKEN])
    context: dict[str, object] = {
        "heading": heading,
        "text": text,
        "reason": str(decision.reason),
        # Only a title once the link was shown to be this school's, for this person.
        "title": meeting.title if meeting is not None and subject is not None else "",
    }
    if decision.outcome == Outcome.TOO_EARLY and decision.opens_at and meeting is not None:
        context.update(
            heading=_("The class has not opened yet"),
            text="",
            starts_local=_local(meeting.start_time, zone),
            opens_local=_local(decision.opens_at, zone),
            opens_iso=decision.opens_at.isoformat(),
        )
    if decision.outcome == Outcome.ENDED and meeting is not None:
        context["ended_local"] = _local(meeting.actual_end or meeting.end_time, zone)
    if decision.outcome == Outcome.SIGN_IN:
        context["sign_in_url"] = f"{settings.LOGIN_URL}?{urlencode({'next': request.path})}"
    response = render(request, "joining/page.html", context, status=decision.status)
    if decision.retry_after:
        response["Retry-After"] = str(decision.retry_after)
    return response


@require_GET
def join(request: HttpRequest, token: str) -> HttpResponse:
    decision = join_attempt(
        token=token,
        viewer=request.user if request.user.is_authenticated else None,
        device_cookie=request.COOKIES.get(DEVICE_COOKIE, "")[:100],
        ip=request_ip(request),
    )
    if decision.outcome == Outcome.REDIRECT:
        response: HttpResponse = HttpResponseRedirect(decision.zoom_url)
    else:
        response = _page(request, decision)
    if decision.new_device_cookie:
        response.set_cookie(
            DEVICE_COOKIE,
            decision.new_device_cookie,
            max_age=DEVICE_COOKIE_MAX_AGE,
            path="/join/",
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",  # sent when the link is opened from an email (a top-level GET)
        )
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    if response.status_code >= 400:
        # Django would log "Forbidden: /join/<token>/": the link is a credential, so this
        # line says what happened without it (the audit log has the rest).
        response._has_been_logged = True  # type: ignore[attr-defined]
        logger.info(
            "join refused: %s (meeting %s) status=%s",
            decision.reason,
            decision.meeting.pk if decision.meeting else "-",
            response.status_code,
        )
    return response
