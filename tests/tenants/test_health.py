import pytest
from django.db import connection
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["localhost", "alpha.localhost", "unknown.example", "10.0.0.5"])
def test_probes_answer_on_any_host(worlds, host):
    client = Client(HTTP_HOST=host)
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_when_redis_is_unreachable(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["problems"] == ["redis: ConnectionError"]


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_is_unreachable(monkeypatch):
    from django.db.utils import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["problems"] == ["database: OperationalError"]
    assert Client().get("/healthz").status_code == 200  # alive, just not ready


@pytest.mark.django_db
def test_readyz_is_503_when_a_channel_layer_redis_is_unreachable(settings):
    # given the channel layer sharded over two servers, the second one down
    settings.CHANNELS_REDIS_URLS = [settings.REDIS_URL, "redis://127.0.0.1:1/0"]
    # when / then
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["problems"] == ["channels redis 1: ConnectionError"]


def test_channels_redis_urls_shard_the_channel_layer(monkeypatch):
    import importlib

    import config.settings.base as base

    monkeypatch.setenv("CHANNELS_REDIS_URLS", "redis://a:6379/0, redis://b:6379/0")
    try:
        hosts = importlib.reload(base).CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]
    finally:
        monkeypatch.delenv("CHANNELS_REDIS_URLS")
        importlib.reload(base)
    assert hosts == ["redis://a:6379/0", "redis://b:6379/0"]
