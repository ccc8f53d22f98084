import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context

from meetings.models import ZoomSettings
from tenants import crypto

KEY_1 = "k1:" + base64.b64encode(b"1" * 32).decode()
KEY_2 = "k2:" + base64.b64encode(b"2" * 32).decode()


@pytest.fixture
def ring(settings):
    settings.LIVEROLL_ENCRYPTION_KEYS = KEY_1
    return settings


def test_round_trip_and_a_fresh_nonce_each_time(ring):
    sealed = crypto.secret_encrypt("s3cret", context="c")
    assert sealed.startswith("enc:k1:")
    assert "s3cret" not in sealed
    assert sealed != crypto.secret_encrypt("s3cret", context="c")
    assert crypto.secret_decrypt(sealed, context="c") == "s3cret"


def test_a_value_moved_to_another_column_does_not_open(ring):
    sealed = crypto.secret_encrypt("s3cret", context="zoom.client_secret")
    with pytest.raises(crypto.DecryptionError):
        crypto.secret_decrypt(sealed, context="zoom.webhook_secret_token")


def test_tampering_is_detected(ring):
    sealed = crypto.secret_encrypt("s3cret")
    prefix, payload = sealed.rsplit(":", 1)
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.secret_decrypt(f"{prefix}:{base64.b64encode(bytes(raw)).decode()}")


def test_unknown_key_id_is_a_clear_error(ring):
    sealed = crypto.secret_encrypt("s3cret")
    ring.LIVEROLL_ENCRYPTION_KEYS = KEY_2
    with pytest.raises(crypto.DecryptionError, match="no key with id 'k1'"):
        crypto.secret_decrypt(sealed)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        ("nocolon", "not 'id:base64'"),
        ("k1:!!!", "not valid base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "needs 32"),
        (f"{KEY_1},{KEY_1}", "appears twice"),
    ],
)
def test_bad_key_configuration_fails_loudly(spec, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        crypto.parse_key_ring(spec)


def test_secret_hint_shows_at_most_the_last_four_characters():
    assert crypto.secret_hint("") == "not set"
    assert crypto.secret_hint("short") == "set"
    assert crypto.secret_hint("abcdefghijklmnop") == "set, ending …mnop"


def _raw_zoom_columns(schema: str) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT client_secret, webhook_secret_token FROM "{schema}".meetings_zoomsettings'
        )
        return cursor.fetchone()


@pytest.mark.django_db
def test_secrets_are_sealed_in_the_database_and_reencrypted_under_a_new_key(alpha, ring):
    # given: secrets saved under k1
    with schema_context(alpha.schema):
        ZoomSettings.objects.create(client_secret="client-secret-1", webhook_secret_token="whs-1")
    raw_secret, raw_token = _raw_zoom_columns(alpha.schema)
    assert raw_secret.startswith("enc:k1:") and "client-secret-1" not in raw_secret
    assert raw_token.startswith("enc:k1:") and "whs-1" not in raw_token

    # when: k2 becomes current (k1 kept to read old values) and the command runs
    ring.LIVEROLL_ENCRYPTION_KEYS = f"{KEY_2},{KEY_1}"
    call_command("reencrypt_secrets")

    # then: everything is under k2 and opens with k2 alone
    raw_secret, raw_token = _raw_zoom_columns(alpha.schema)
    assert raw_secret.startswith("enc:k2:") and raw_token.startswith("enc:k2:")
    ring.LIVEROLL_ENCRYPTION_KEYS = KEY_2
    with schema_context(alpha.schema):
        zoom = ZoomSettings.objects.get()
    assert (zoom.client_secret, zoom.webhook_secret_token) == ("client-secret-1", "whs-1")
