"""Where the platform may call "Zoom": Zoom's own API and OAuth bases, plus the stand-ins an
environment allows (`LIVEROLL_ZOOM_ALLOWED_BASES`: the local sandbox in development and tests;
refused by the production settings). A school picks among these, never a host of its own: the
client id and secret go to the OAuth base as Basic auth, teachers' refresh tokens after them.

Each allowed entry is a stand-in's origin, laid out like Zoom: OAuth at the origin, the REST
API at `/v2` (as the sandbox is)."""

from __future__ import annotations

from django.conf import settings

from meetings.models import ZOOM_API_BASE_URL, ZOOM_OAUTH_BASE_URL, ZoomSettings
from meetings.providers.base import MeetingProviderError
from tenants.outbound import UnsafeURL, base_url_normalise

API_PATH = "/v2"


class EndpointNotAllowed(MeetingProviderError):
    """The stored settings point at a base this environment does not allow (saved before the
    allow-list existed, or the allow-list changed)."""


def _stand_ins() -> list[str]:
    entries: list[str] = []
    for entry in getattr(settings, "LIVEROLL_ZOOM_ALLOWED_BASES", ()):
        try:
            entries.append(base_url_normalise(entry))
        except UnsafeURL:
            continue  # the settings check at start-up reports these
    return entries


def allowed_api_bases() -> list[str]:
    return [ZOOM_API_BASE_URL] + [f"{origin}{API_PATH}" for origin in _stand_ins()]


def allowed_oauth_bases() -> list[str]:
    return [ZOOM_OAUTH_BASE_URL] + _stand_ins()


ALLOWED = {"api_base_url": allowed_api_bases, "oauth_base_url": allowed_oauth_bases}


def base_url_check(*, field: str, value: str) -> str:
    """`value` normalised if it is an allowed base for `field`; UnsafeURL (a message for the
    admin) otherwise."""
    normalised = base_url_normalise(value)
    allowed = ALLOWED[field]()
    if normalised not in allowed:
        raise UnsafeURL(f"Use {' or '.join(allowed)}: this server calls no other Zoom address.")
    return normalised


def _checked(zoom: ZoomSettings, field: str) -> str:
    try:
        return base_url_check(field=field, value=getattr(zoom, field))
    except UnsafeURL as exc:
        raise EndpointNotAllowed(
            "The school's Zoom settings point at an address this server does not call: "
            "an admin must save the Zoom settings again."
        ) from exc


def api_base(zoom: ZoomSettings) -> str:
    """The REST API base to call for this school, checked again at every use."""
    return _checked(zoom, "api_base_url")


def oauth_base(zoom: ZoomSettings) -> str:
    """The OAuth base (token, revoke, authorize) for this school, checked again at every use."""
    return _checked(zoom, "oauth_base_url")
