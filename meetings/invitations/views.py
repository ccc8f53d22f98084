"""The RSVP page behind the links in invitation mails: no sign-in (the signed link is the
proof). Opening the link shows the answer with one button; the answer is recorded on POST, so
mail scanners that open every link in a mail answer nothing."""

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from meetings.invitations.services import RsvpLinkError, rsvp_by_link, rsvp_link_read

logger = logging.getLogger(__name__)

TEMPLATE = "invitations/rsvp.html"
ANSWER_LABELS = {
    "accepted": gettext_lazy("yes"),
    "declined": gettext_lazy("no"),
    "tentative": gettext_lazy("maybe"),
}


@require_http_methods(["GET", "POST"])
def rsvp(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            link, _ = rsvp_by_link(token=token)
        else:
            link = rsvp_link_read(token=token)
    except RsvpLinkError as exc:
        # The token itself is never logged: it is a credential for that answer.
        logger.info("rsvp link refused: %s", exc.reason)
        status = 404 if exc.reason == "invalid" else 410
        return render(request, TEMPLATE, {"error": exc.message}, status=status)
    context = {
        "link": link,
        "title": link.meeting.series.title
        if link.whole_series and link.meeting.series
        else link.meeting.title,
        "recorded": request.method == "POST",
        "answer": link.response,
        "answer_label": ANSWER_LABELS.get(link.response, link.response),
        "zone": link.user.timezone or link.meeting.timezone,
    }
    return render(request, TEMPLATE, context)
