"""The shape of the house (docs/architecture.md). The import contracts in pyproject.toml, checked
by `lint-imports` in `make test`, hold the layers; these tests keep the contracts complete (no
package outside them) and the development tools (the Zoom sandbox, the dev stack, the demo seed)
out of the product: only the local and test settings install them, the package install and the
image leave them out."""

import importlib
import tomllib

from setuptools import find_namespace_packages, find_packages

from .support import ROOT

DEV_PACKAGES = ("zoom_sandbox", "devtools")
PRODUCT_PACKAGES = ("config", "tenants", "meetings", "attendance", "realtime", "graphql_api")


def _import_contracts() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_every_package_is_in_the_layers():
    # given every top-level Python package but the tests
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    config = _import_contracts()
    layers = next(c for c in config["contracts"] if c["type"] == "layers")
    # then the contracts analyse each of them, and the layer contract places each one
    assert set(config["root_packages"]) == packages
    placed = {
        name.strip().split(".")[0]
        for layer in layers["layers"]
        for name in layer.replace("|", ":").split(":")
    }
    assert placed == packages
    assert set(PRODUCT_PACKAGES) | set(DEV_PACKAGES) == packages


def test_only_the_local_and_test_settings_install_the_dev_tools(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("LIVEROLL_ENCRYPTION_KEYS", "k:" + "A" * 43 + "=")
    base = importlib.reload(importlib.import_module("config.settings.base"))
    production = importlib.reload(importlib.import_module("config.settings.production"))
    local = importlib.reload(importlib.import_module("config.settings.local"))
    test = importlib.reload(importlib.import_module("config.settings.test"))
    for package in DEV_PACKAGES:
        assert package not in base.INSTALLED_APPS
        assert package not in production.INSTALLED_APPS
        assert package in local.INSTALLED_APPS
        assert package in test.INSTALLED_APPS
    assert production.LIVEROLL_DEMO_SEED is False


def test_the_package_install_and_the_image_leave_the_dev_tools_out():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    found = pyproject["tool"]["setuptools"]["packages"]["find"]
    installed = set(
        find_packages(str(ROOT), include=found["include"], exclude=found.get("exclude", ()))
    ) | set(
        find_namespace_packages(
            str(ROOT), include=found["include"], exclude=found.get("exclude", ())
        )
    )
    assert {p.split(".")[0] for p in installed} == set(PRODUCT_PACKAGES)
    ignored = (ROOT / "platform" / "Dockerfile.dockerignore").read_text().split("\n")
    assert set(DEV_PACKAGES) <= {line.strip() for line in ignored}
