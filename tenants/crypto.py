"""Secrets at rest: AES-256-GCM under a versioned key ring from the environment.

A stored value reads `enc:<key id>:<base64(nonce || ciphertext+tag)>`. The key id says which key
sealed it, so keys can rotate: new values use the first (current) key, old values still open
with theirs until `manage.py reencrypt_secrets` rewrites them under the current key.
"""

import base64
import binascii
import os
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored secret could not be opened: unknown key id, wrong key, or tampered value."""


@dataclass(frozen=True)
class KeyRing:
    current_id: str
    keys: dict[str, bytes]


def parse_key_ring(spec: str) -> KeyRing:
    entries = [part.strip() for part in spec.split(",") if part.strip()]
    if not entries:
        raise ImproperlyConfigured(
            "LIVEROLL_ENCRYPTION_KEYS is empty: set 'keyid:base64-of-32-bytes[,older...]'"
        )
    keys: dict[str, bytes] = {}
    for entry in entries:
        key_id, sep, encoded = entry.partition(":")
        if not sep or not key_id or ":" in key_id:
            raise ImproperlyConfigured(f"Encryption key entry {key_id!r} is not 'id:base64'")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise ImproperlyConfigured(f"Encryption key {key_id!r} is not valid base64") from exc
        if len(key) != 32:
            raise ImproperlyConfigured(
                f"Encryption key {key_id!r} has {len(key)} bytes; AES-256 needs 32"
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"Encryption key id {key_id!r} appears twice")
        keys[key_id] = key
    return KeyRing(current_id=entries[0].partition(":")[0], keys=keys)


@cache
def _ring_for(spec: str) -> KeyRing:
    return parse_key_ring(spec)


def key_ring() -> KeyRing:
    return _ring_for(settings.LIVEROLL_ENCRYPTION_KEYS)


def secret_encrypt(plaintext: str, *, context: str = "") -> str:
    """Seal a secret. `context` (e.g. "zoom.client_secret") is bound as associated data, so a
    ciphertext copied into another column does not open there."""
    ring = key_ring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.current_id]).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{PREFIX}:{ring.current_id}:{base64.b64encode(nonce + sealed).decode()}"


def secret_key_id(stored: str) -> str | None:
    parts = stored.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None


def secret_decrypt(stored: str, *, context: str = "") -> str:
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("value is not an encrypted secret")
    _, key_id, payload = parts
    key = key_ring().keys.get(key_id)
    if key is None:
        raise DecryptionError(f"no key with id {key_id!r} in LIVEROLL_ENCRYPTION_KEYS")
    try:
        raw = base64.b64decode(payload, validate=True)
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise DecryptionError(f"secret sealed with key {key_id!r} does not open") from exc


def secret_hint(plaintext: str | None) -> str:
    """What a UI may show of a write-only secret."""
    if not plaintext:
        return "not set"
    return f"set, ending …{plaintext[-4:]}" if len(plaintext) >= 12 else "set"
