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
