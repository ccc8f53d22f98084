from django.apps import AppConfig


class ZoomSandboxConfig(AppConfig):
    """Listed by the local and test settings only: it brings the `run_zoom_sandbox` command."""

    name = "zoom_sandbox"
    verbose_name = "Zoom sandbox (development)"
