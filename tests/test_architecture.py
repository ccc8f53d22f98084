"""The development tools (the Zoom sandbox, the dev stack, the demo seed) stay out of the product:
no product package imports them, only the local and test settings install them, the package
install and the image leave them out."""

import ast
import importlib
import tomllib

from setuptools import find_namespace_packages, find_packages

from .support import ROOT

DEV_PACKAGES = ("zoom_sandbox", "devtools")
PRODUCT_PACKAGES = ("config", "tenants", "meetings", "attendance", "realtime", "graphql_api")


def _imported_modules(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_product_module_imports_a_dev_tool():
    # lazy imports inside functions included: ast.walk sees every import statement
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for package in PRODUCT_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in _imported_modules(path)
        if name.split(".")[0] in DEV_PACKAGES
    ]
    assert offenders == []


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
