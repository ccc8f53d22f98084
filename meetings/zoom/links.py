"""Links Zoom hands us (join, start, registrant, recording and download links, from its API and
its webhooks) end up in pages, emails and our own downloads: one rule for all of them, so that a
`javascript:` link or a look-alike host from a compromised or stand-in server goes nowhere."""

from __future__ import annotations

from urllib.parse import urlsplit

# Zoom's own hosts (and their subdomains).
ZOOM_LINK_HOSTS = ("zoom.us", "zoom.com", "zoomgov.com")


def origin_of(base_url: str) -> str:
    """`scheme://host:port` of a Zoom API base ("" when it has no host)."""
    try:
        parts = urlsplit(base_url)
        return f"{parts.scheme.lower()}://{parts.hostname}:{parts.port}" if parts.hostname else ""
    except ValueError:
        return ""


def zoom_link_clean(url: str, *, api_origin: str = "") -> str:
    """`url` (stripped) when it is an https link on Zoom's hosts, or a link on the school's
    configured Zoom API origin (`origin_of` its API base: the local sandbox in development);
    else "". Never a link with a user or password in it."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return ""
    if parts.username is not None or parts.password is not None:
        return ""
    scheme = parts.scheme.lower()
    if scheme == "https" and any(host == h or host.endswith("." + h) for h in ZOOM_LINK_HOSTS):
        return url
    if api_origin and scheme in ("http", "https") and f"{scheme}://{host}:{port}" == api_origin:
        return url
    return ""
