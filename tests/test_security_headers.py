"""Content-Security-Policy on every page (server-rendered, the SPA, the admin) and HSTS in
production: an injected <script> runs nothing, and a browser never talks plain HTTP to a
school once it has seen it over HTTPS."""

import importlib
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def _assert_locked_down(policy: dict[str, list[str]]) -> None:
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no other host
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["connect-src"] == ["'self'"]  # GraphQL over HTTP and graphql-ws, same host
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_server_rendered_pages_have_a_csp_and_their_inline_style_its_nonce(alpha):
    response = alpha.client().get("/accounts/login/")
    assert response.status_code == 200
    policy = _policy(response)
    _assert_locked_down(policy)
    [nonce] = [s for s in policy["style-src"] if s.startswith("'nonce-")]
    [in_page] = re.findall(r'<style nonce="([^"]+)">', response.content.decode())
    assert nonce == f"'nonce-{in_page}'"


def test_the_spa_has_a_csp(alpha):
    response = alpha.client().get("/app/")
    assert response.status_code in (200, 503)  # 503: not built here; the header all the same
    _assert_locked_down(_policy(response))
    asset = alpha.client().get("/app/favicon.svg")
    if asset.status_code == 200:
        _assert_locked_down(_policy(asset))


def test_the_admin_and_the_public_site_have_a_csp(alpha, public_client: Client):
    _assert_locked_down(_policy(alpha.client("admin").get("/admin/")))
    _assert_locked_down(_policy(public_client.get("/admin/login/")))


def test_production_sends_hsts_for_every_school(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("LIVEROLL_ENCRYPTION_KEYS", "k:" + "A" * 43 + "=")
    try:
        importlib.reload(importlib.import_module("config.settings.base"))
        production = importlib.reload(importlib.import_module("config.settings.production"))
        assert production.SECURE_HSTS_SECONDS >= 31536000
        assert production.SECURE_HSTS_INCLUDE_SUBDOMAINS is True
        assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
        assert production.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
        assert production.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] == ["'self'"]
    finally:
        importlib.reload(importlib.import_module("config.settings.base"))


def test_hsts_reaches_the_browser_over_https(alpha, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = alpha.client().get("/accounts/login/", secure=True)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
