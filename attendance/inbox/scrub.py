"""What of a Zoom event body may be kept at rest: secrets go, IP addresses become keyed hashes,
links are sealed. The intake scrubs each body once, after the signature and the dedupe key
(which need the bytes Zoom sent) and before storing it, so no secret ever reaches the inbox.

Zoom puts meeting passwords and passcodes, download tokens and the host's start link (it
carries a ZAK token) in its events, and links that open a recording without signing in
(`share_url`, `play_url`, `download_url`; a `join_url` with `pwd=`). The worker needs none of
the secrets; it needs a recording's links, so those are sealed (AES-GCM, tenants.crypto) and
opened with `sealed_open` where they are used.

One pass over the parsed JSON, iteratively (a deeply nested body cannot exhaust the stack),
mutating it in place; the caller re-serialises only when something changed, so a body with
nothing to scrub (most joins and leaves) is stored as sent.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

# Sealed values are bound to this context: copied into another column they do not open.
SEAL_CONTEXT = "attendance.webhookevent.body"
SECRET_KEYS = frozenset(
    {
        "password",
        "passcode",
        "encrypted_password",
        "pstn_password",
        "h323_password",
        "h323_passcode",
        "recording_play_passcode",
        "download_access_token",
        "download_token",
        "token",
        "start_url",  # the host's link: its `zak` token starts the meeting as the host
    }
)
SECRET_SUFFIXES = ("_token", "_password", "_passcode", "_secret")
IP_KEYS = frozenset({"ip_address", "public_ip", "private_ip"})
IP_HASH_SUFFIX = "_hash"  # `ip_address` is kept as `ip_address_hash`
SEALED_SUFFIX = "_url"


def _is_secret(key: str) -> bool:
    lowered = key.lower()
    return lowered in SECRET_KEYS or lowered.endswith(SECRET_SUFFIXES)


def body_scrub(body: Any) -> bool:
    """Strip secrets, hash IP addresses and seal links in a parsed event body, in place.
    Returns whether anything changed."""
    changed = False
    stack: list[Any] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, dict | list))
            continue
        if not isinstance(node, dict):
            continue
        for key in list(node):
            value = node[key]
            if _is_secret(key):
                del node[key]
                changed = True
            elif isinstance(value, dict | list):
                stack.append(value)
            elif key in IP_KEYS:
                del node[key]
                node[key + IP_HASH_SUFFIX] = _ip_hash(value)
                changed = True
            elif key.endswith(SEALED_SUFFIX) and isinstance(value, str) and value:
                node[key] = _seal(value)
                changed = True
    return changed


def _ip_hash(value: Any) -> str:
    from tenants.audit.services import ip_hash

    return ip_hash(str(value)) if value else ""


def _seal(value: str) -> str:
    from tenants.crypto import secret_encrypt

    return secret_encrypt(value, context=SEAL_CONTEXT)


def sealed_open(value: Any) -> str:
    """A value `body_scrub` sealed, in clear; a value stored before sealing began as it is;
    "" (logged) for one that does not open."""
    from tenants.crypto import DecryptionError, secret_decrypt, secret_key_id

    if not isinstance(value, str) or not value:
        return ""
    if secret_key_id(value) is None:
        return value
    try:
        return secret_decrypt(value, context=SEAL_CONTEXT)
    except DecryptionError as exc:
        logger.warning("a sealed webhook value does not open: %s", exc)
        return ""
