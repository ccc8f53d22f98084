from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Listed by the local and test settings only: it brings the `seed_demo` command."""

    name = "devtools"
    verbose_name = "Development tools"
