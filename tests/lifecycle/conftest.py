from ..meetings.conftest import teacher_connected, zoom_alpha  # noqa: F401 - fixtures shared
